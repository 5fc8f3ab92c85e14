"""Production: everything from the environment, refuses to start without a secret key.

See docs/operations.md for every variable and for running several processes behind nginx.
"""

import logging
import os
import time
import warnings

import dj_database_url
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import CACHES, DATABASES, SECRET_KEY, env_bool

if not SECRET_KEY:
    raise ImproperlyConfigured("SECRET_KEY is not set. Set the SECRET_KEY environment variable.")

# WhiteNoise hands Django's ASGI handler a file iterator that is read in a thread; fine for our
# small static files. Django warns about it once per process; keep the logs for real problems.
warnings.filterwarnings(
    "ignore", message="StreamingHttpResponse must consume synchronous iterators"
)

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("GK_SSL_REDIRECT", False)
SECURE_HSTS_SECONDS = int(os.environ.get("GK_HSTS_SECONDS", "0"))

# --- PostgreSQL: Django's psycopg connection pool, one per process ----------------------------
# Each process needs a connection per request being handled at that moment, one per live
# database thread (GK_LIVE_DB_THREADS, 4 by default) and one per answer being written
# (GK_ANSWER_THREADS, 4 by default). Connections in use by all processes together: at most
# processes x GK_DB_POOL_MAX; keep that below PostgreSQL's max_connections.
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["CONN_MAX_AGE"] = 0  # the pool keeps the connections, not Django
    DATABASES["default"]["OPTIONS"] = {
        # Options given in DATABASE_URL (?sslmode=require, ...) are kept.
        **dj_database_url.parse(os.environ["DATABASE_URL"]).get("OPTIONS", {}),
        "connect_timeout": int(os.environ.get("GK_DB_CONNECT_TIMEOUT", "5")),
        "pool": {
            "min_size": int(os.environ.get("GK_DB_POOL_MIN", "2")),
            "max_size": int(os.environ.get("GK_DB_POOL_MAX", "16")),
            # A request that finds every connection busy waits this long, then fails.
            "timeout": float(os.environ.get("GK_DB_POOL_TIMEOUT", "10")),
        },
    }


# --- Redis cache (rate-limit counters) that keeps working while Redis is away -----------------

_cache_logger = logging.getLogger("gesprekskaarten.cache")


class ResilientRedisCache(RedisCache):
    """Django's Redis cache, but a Redis outage is not an error: reads miss, writes are
    skipped and a warning is logged (at most every 10 s). The cache only holds rate-limit
    counters, so during an outage the limits are not enforced and everything else works."""

    warn_every = 10.0
    # After a failure, skip Redis for this long, so requests do not each wait for a timeout.
    quiet_seconds = 1.0
    _warned_at = 0.0
    _quiet_until = 0.0

    def _fallback(self, name, default, *args, **kwargs):
        import redis

        if time.monotonic() < ResilientRedisCache._quiet_until:
            return default
        try:
            return getattr(super(), name)(*args, **kwargs)
        except (redis.RedisError, OSError) as error:
            now = time.monotonic()
            ResilientRedisCache._quiet_until = now + self.quiet_seconds
            if now - ResilientRedisCache._warned_at > self.warn_every:
                ResilientRedisCache._warned_at = now
                _cache_logger.warning(
                    "Redis cache unreachable (%s); rate limits are not enforced until it is back.",
                    error,
                )
            return default

    def get(self, key, default=None, version=None):
        return self._fallback("get", default, key, default, version)

    def get_many(self, keys, version=None):
        return self._fallback("get_many", {}, keys, version)

    def has_key(self, key, version=None):
        return self._fallback("has_key", False, key, version)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        # True: the caller counts this as the first hit, so nobody is refused during an outage.
        return self._fallback("add", True, key, value, timeout, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._fallback("set", None, key, value, timeout, version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._fallback("set_many", [], data, timeout, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._fallback("touch", False, key, timeout, version)

    def incr(self, key, delta=1, version=None):
        return self._fallback("incr", delta, key, delta, version)

    def delete(self, key, version=None):
        return self._fallback("delete", False, key, version)

    def delete_many(self, keys, version=None):
        return self._fallback("delete_many", None, keys, version)

    def clear(self):
        return self._fallback("clear", False)


if CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache":
    CACHES["default"]["BACKEND"] = "gesprekskaarten.settings.production.ResilientRedisCache"
    CACHES["default"]["OPTIONS"] = {"socket_connect_timeout": 1.0, "socket_timeout": 1.0}

"""A Redis cache (rate-limit counters) that keeps working while Redis is away.

settings/production.py uses it when GK_CACHE_URL points at Redis."""

import logging
import time

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache

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

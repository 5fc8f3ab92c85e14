"""Production: everything from the environment, refuses to start without a secret key.

See docs/operations.md for every variable and for running several processes behind nginx.
"""

import os
import warnings

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import CACHES, DATABASES, POSTGRES_STATEMENT_OPTIONS, SECRET_KEY, env_bool

if not SECRET_KEY:
    raise ImproperlyConfigured("SECRET_KEY is not set. Set the SECRET_KEY environment variable.")

# WhiteNoise hands Django's ASGI handler a file iterator that is read in a thread; fine for our
# small static files. Django warns about it once per process; keep the logs for real problems.
warnings.filterwarnings(
    "ignore", message="StreamingHttpResponse must consume synchronous iterators"
)

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("GK_SSL_REDIRECT", False)
# HSTS: browsers use only HTTPS for this site for a year. GK_HSTS_SECONDS=0 switches it off,
# for a test installation without HTTPS (docs/operations.md). nginx in deploy/ sends it too.
SECURE_HSTS_SECONDS = int(os.environ.get("GK_HSTS_SECONDS", "31536000"))

# --- PostgreSQL: Django's psycopg connection pool, one per process ----------------------------
# Each process needs a connection per request being handled at that moment, one per live
# database thread (GK_LIVE_DB_THREADS, 4 by default) and one per answer being written
# (GK_ANSWER_THREADS, 4 by default). Connections in use by all processes together: at most
# processes x GK_DB_POOL_MAX; keep that below PostgreSQL's max_connections.
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["CONN_MAX_AGE"] = 0  # the pool keeps the connections, not Django
    DATABASES["default"]["OPTIONS"] = {
        # Options given in DATABASE_URL (?sslmode=require, ...) are kept.
        **POSTGRES_STATEMENT_OPTIONS,
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
if CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache":
    CACHES["default"]["BACKEND"] = "gesprekskaarten.core.cache.ResilientRedisCache"
    CACHES["default"]["OPTIONS"] = {"socket_connect_timeout": 1.0, "socket_timeout": 1.0}

"""Settings shared by every environment. Everything configurable comes from env vars."""

import os
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.utils.translation import gettext_lazy as _

PACKAGE_DIR = Path(__file__).resolve().parent.parent
# Where runtime data (SQLite database, collected static files) lives; ./var by default.
VAR_DIR = Path(os.environ.get("GK_VAR_DIR", Path.cwd() / "var")).resolve()


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


SECRET_KEY = os.environ.get("SECRET_KEY", "")
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "csp",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "gesprekskaarten.core",
    "gesprekskaarten.decks",
    "gesprekskaarten.live",
    "gesprekskaarten.accounts",
    "gesprekskaarten.organisations",
    "gesprekskaarten.audit",
    "gesprekskaarten.teams",
    "gesprekskaarten.meetings",
    "gesprekskaarten.agreements",
    "gesprekskaarten.reports",
    "gesprekskaarten.lifecycle",
    "gesprekskaarten.insight",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",  # static files: pre-compressed, ends here
    # HTML is compressed by the app itself, also without nginx (see docs/security.md: BREACH).
    "django.middleware.gzip.GZipMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # request.user.is_verified(): the session passed the second factor (django-otp).
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # A second factor where it is due: a session that skipped it is asked for the code, an
    # administrator whose organisation requires one sets it up first (accounts/middleware.py).
    "gesprekskaarten.accounts.middleware.SecondFactorMiddleware",
]

ROOT_URLCONF = "gesprekskaarten.urls"
ASGI_APPLICATION = "gesprekskaarten.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# SQLite in WAL mode under ./var when DATABASE_URL is unset.
if not os.environ.get("DATABASE_URL"):
    VAR_DIR.mkdir(parents=True, exist_ok=True)
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{VAR_DIR / 'gesprekskaarten.sqlite3'}",
        conn_max_age=0,
    )
}
# PostgreSQL: the parameters travel apart from the SQL, and a statement a connection runs
# often is prepared once, so the server does not parse and plan it again. That halves the
# database's CPU per answer (docs/performance.md). Set GK_DB_PREPARED_STATEMENTS=false behind
# a pooler that cannot keep prepared statements (PgBouncer in transaction mode before 1.21).
POSTGRES_STATEMENT_OPTIONS = (
    {"server_side_binding": True, "prepare_threshold": 5}
    if env_bool("GK_DB_PREPARED_STATEMENTS", True)
    else {}
)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Long-lived threads (the live hub's reads, the answer endpoint's writes) keep their
    # connection: opening one costs about a millisecond. Django's requests run in a thread of
    # their own under ASGI, which ends with the request, and its connection with it.
    DATABASES["default"]["CONN_MAX_AGE"] = None
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["OPTIONS"] = {"pool": True, **POSTGRES_STATEMENT_OPTIONS}
# Threads per process that run Django's views; each keeps its database connection
# (core/handler.py).
GK_DJANGO_THREADS = int(os.environ.get("GK_DJANGO_THREADS", "4"))
# Threads per process that write answers for the lean answer endpoint (meetings/answering.py).
# SQLite lets one writer in at a time: one thread, which keeps its connection. On PostgreSQL
# answers are written side by side, with connections from the pool.
GK_ANSWER_THREADS = int(
    os.environ.get(
        "GK_ANSWER_THREADS",
        "1" if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3" else "4",
    )
)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Dutch first; English is the second language. Anything else falls back to Dutch.
LANGUAGE_CODE = "nl"
LANGUAGES = [("nl", _("Dutch")), ("en", _("English"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
LANGUAGE_COOKIE_NAME = "gk_language"
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
LANGUAGE_COOKIE_SECURE = env_bool("GK_SECURE_COOKIES", True)
LANGUAGE_COOKIE_SAMESITE = "Lax"
TIME_ZONE = "Europe/Amsterdam"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "gesprekskaarten.core.storage.StaticFilesStorage"},
}

# Security by default: cookies only over HTTPS unless explicitly allowed (local `make run`).
SESSION_COOKIE_SECURE = env_bool("GK_SECURE_COOKIES", True)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Strict Content-Security-Policy: no inline script or style, nothing from elsewhere.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    }
}

# Base address used for links that leave the browser (QR codes, printed cards).
GK_BASE_URL = os.environ.get("GK_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
GK_DEFAULT_DECK = "ambtelijk-vakmanschap"
# Live updates: "memory://" (one process) or "redis://host:port/db" (several processes).
GK_BROKER_URL = os.environ.get("GK_BROKER_URL", "memory://")
# A join code stops working this many days after the gesprek was created (or when it closes).
GK_JOIN_CODE_DAYS = int(os.environ.get("GK_JOIN_CODE_DAYS", "14"))
# Retention (meetings/retention.py, docs/privacy.md): a gesprek's raw answers, notes, dots and
# participants are deleted this many days after it ended; 0 or empty switches retention off.
GK_RETENTION_DAYS = int(os.environ.get("GK_RETENTION_DAYS", "30") or "0")
# Rate limits (core/ratelimit.py; what each protects: docs/security.md). Per minute unless said.
# Wrong join codes per address and in total; join codes looked up per address once it is
# limited by those (docs/security.md): a valid code still gets in, up to this many.
GK_RATE_WRONG_CODES_PER_MINUTE = int(os.environ.get("GK_RATE_WRONG_CODES_PER_MINUTE", "10"))
GK_RATE_WRONG_CODES_TOTAL_PER_MINUTE = int(
    os.environ.get("GK_RATE_WRONG_CODES_TOTAL_PER_MINUTE", "300")
)
GK_RATE_CODES_WHILE_LIMITED_PER_MINUTE = int(
    os.environ.get("GK_RATE_CODES_WHILE_LIMITED_PER_MINUTE", "30")
)
# Answers, notes and votes per participant.
GK_RATE_ANSWER_PER_MINUTE = int(os.environ.get("GK_RATE_ANSWER_PER_MINUTE", "300"))
# Login attempts per address; wrong passwords per account (any address) per 15 minutes.
GK_RATE_LOGIN_PER_MINUTE = int(os.environ.get("GK_RATE_LOGIN_PER_MINUTE", "10"))
GK_RATE_LOGIN_FAILURES_PER_ACCOUNT = int(os.environ.get("GK_RATE_LOGIN_FAILURES_PER_ACCOUNT", "10"))
# Invitation links tried per address (a forged link is a guess); password reset mails asked
# for per e-mail address and per client address, per hour.
GK_RATE_INVITATION_PER_MINUTE = int(os.environ.get("GK_RATE_INVITATION_PER_MINUTE", "10"))
GK_RATE_PASSWORD_RESETS_PER_EMAIL = int(os.environ.get("GK_RATE_PASSWORD_RESETS_PER_EMAIL", "3"))
GK_RATE_PASSWORD_RESETS_PER_ADDRESS = int(
    os.environ.get("GK_RATE_PASSWORD_RESETS_PER_ADDRESS", "20")
)
# Wrong second-factor codes (and wrong confirmations when switching it off) per account, from
# any address, per 15 minutes (docs/two-factor.md).
GK_RATE_SECOND_FACTOR_FAILURES_PER_ACCOUNT = int(
    os.environ.get("GK_RATE_SECOND_FACTOR_FAILURES_PER_ACCOUNT", "5")
)
# Without GK_CACHE_URL the counters live in each process's memory: at most this many.
GK_RATE_MAX_KEYS = int(os.environ.get("GK_RATE_MAX_KEYS", "100000"))

# Input limits: no form of ours needs more; anything larger is refused before parsing.
DATA_UPLOAD_MAX_MEMORY_SIZE = 512 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 400

# A failed CSRF check gets our own page, in the reader's language (core/views.py).
CSRF_FAILURE_VIEW = "gesprekskaarten.core.views.csrf_failure"

# E-mail (invitations, password resets; docs/organisations.md): Django's own setting names,
# read from env vars of the same names. Without EMAIL_HOST, `make run` (settings/dev.py) prints
# mails in the terminal instead; elsewhere they go to an SMTP server on this machine (port 25).
EMAIL_HOST = os.environ.get("EMAIL_HOST", "") or "localhost"
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)  # STARTTLS, usually port 587
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)  # TLS from the start, usually port 465
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "20"))
EMAIL_SUBJECT_PREFIX = ""
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Gesprekskaarten <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# A password reset link works this long (Django's setting; seconds).
PASSWORD_RESET_TIMEOUT = int(os.environ.get("PASSWORD_RESET_TIMEOUT", str(3 * 24 * 3600)))

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "meetings:dashboard"
LOGOUT_REDIRECT_URL = "home"
# Second factor (django-otp, docs/two-factor.md). The name an authenticator app shows; the
# plugins' own throttling is off: wrong codes are limited by core/ratelimit.py, per account.
OTP_TOTP_ISSUER = "Gesprekskaarten"
OTP_TOTP_THROTTLE_FACTOR = 0
OTP_STATIC_THROTTLE_FACTOR = 0
# How long a login that passed the password waits for its code (seconds).
GK_SECOND_FACTOR_PENDING_SECONDS = 5 * 60
# Single sign-on (accounts/oidc.py): seconds to wait for an organisation's identity provider
# (discovery, keys, token and userinfo endpoints) before the login page says it does not answer.
GK_SSO_TIMEOUT = float(os.environ.get("GK_SSO_TIMEOUT", "5"))

# Rate-limit counters: with GK_CACHE_URL in Redis (several processes share them); without it
# core/ratelimit.py keeps them in memory and this cache holds nothing of ours.
CACHES = {
    "default": (
        {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ["GK_CACHE_URL"],
        }
        if os.environ.get("GK_CACHE_URL")
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

# Logs go to standard error (journald, the container's log): one JSON object per line with the
# request id (GK_LOG_FORMAT=json, the default), or plain text for a terminal (plain, the dev
# default). uvicorn's own loggers propagate to the same handler; the access lines come from
# gesprekskaarten.access (core/logs.py), not from uvicorn's access log.
GK_LOG_FORMAT = os.environ.get("GK_LOG_FORMAT", "json").strip().lower()
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "gesprekskaarten.core.logs.RequestIdFilter"}},
    "formatters": {
        "json": {"()": "gesprekskaarten.core.logs.JSONFormatter"},
        "plain": {"()": "gesprekskaarten.core.logs.PlainFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain" if GK_LOG_FORMAT == "plain" else "json",
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    # uvicorn's messages go through our handler; its access log is replaced by ours (it would
    # write client addresses and query strings).
    "loggers": {
        "uvicorn": {"handlers": [], "propagate": True},
        "uvicorn.error": {"handlers": [], "propagate": True},
        "uvicorn.access": {"handlers": [], "propagate": False},
    },
}

# Who may read /health/live, /health/ready and /metrics (core/ops.py): comma-separated
# addresses or networks; everyone else gets 404.
GK_MONITORING_NETWORKS = os.environ.get("GK_MONITORING_NETWORKS", "127.0.0.0/8,::1/128")

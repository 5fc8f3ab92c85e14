"""Local development and `make run`: SQLite, DEBUG off by default, HTTP cookies allowed."""

import os

os.environ.setdefault("GK_SECURE_COOKIES", "false")
os.environ.setdefault("GK_LOG_FORMAT", "plain")  # for a terminal; production writes JSON

from .base import *  # noqa: E402,F403
from .base import env_bool  # noqa: E402

SECRET_KEY = SECRET_KEY or "dev-only-insecure-key-do-not-use-in-production"  # noqa: F405, S105
DEBUG = env_bool("DEBUG", False)

# Serve static files straight from the package: `make run` needs no collectstatic.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# No collectstatic in dev: WhiteNoise serves straight from the static folders.
WHITENOISE_USE_FINDERS = True
STATIC_ROOT = None

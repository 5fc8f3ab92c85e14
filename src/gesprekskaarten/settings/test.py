"""Settings for the test suite."""

import os

os.environ.setdefault("GK_SECURE_COOKIES", "false")

from .base import *  # noqa: E402,F403

SECRET_KEY = "test-only-insecure-key"  # noqa: S105
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# No collectstatic in test: WhiteNoise serves straight from the static folders.
WHITENOISE_USE_FINDERS = True
STATIC_ROOT = None

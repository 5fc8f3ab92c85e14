"""Settings for the test suite."""

import os
import tempfile

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

# SQLite: the test database is a file in WAL mode, as in production, not Django's in-memory
# default. In memory SQLite locks whole tables and refuses a second writer, or a writer while
# another thread reads, at once ("database table is locked"), where a file lets readers and
# the writer work side by side and makes writers wait their turn. The live hub and the answer
# threads read and write from threads of their own, as they do in production.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    DATABASES["default"]["TEST"] = {  # noqa: F405
        "NAME": os.path.join(tempfile.gettempdir(), f"gk-test-{os.getpid()}.sqlite3")
    }

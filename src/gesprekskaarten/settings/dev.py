"""Local development and `make run`: SQLite, DEBUG off by default, HTTP cookies allowed."""

import os

os.environ.setdefault("GK_SECURE_COOKIES", "false")
os.environ.setdefault("GK_LOG_FORMAT", "plain")  # for a terminal; production writes JSON

from .base import *  # noqa: E402,F403
from .base import env_bool  # noqa: E402

SECRET_KEY = SECRET_KEY or "dev-only-insecure-key-do-not-use-in-production"  # noqa: F405, S105
DEBUG = env_bool("DEBUG", False)

# Static files as in production (base.py): collected into ./var/static with gzip (and brotli,
# when installed) next to each file, so `make run` pages weigh what they weigh on a server.
# `demo` and `serve` collect them again when the package's files changed
# (cli._prepare_static_files); WhiteNoise does not compress files it finds in the package.

# Without an SMTP server (EMAIL_HOST) the mails (invitations, password resets) are printed in
# the terminal, so the links in them can be followed on a laptop.
if not os.environ.get("EMAIL_HOST"):
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"

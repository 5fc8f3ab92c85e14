"""Settings for the server processes of the live tests: dev settings plus test-only endpoints."""

from gesprekskaarten.settings.dev import *  # noqa: F403

ROOT_URLCONF = "tests.live.server_urls"

"""ASGI entry point: live streams (/live/stream/) go to the live app's lean stream handler,
everything else to Django (see docs/live.md)."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gesprekskaarten.settings.dev")

from django.core.asgi import get_asgi_application  # noqa: E402

django_application = get_asgi_application()

from gesprekskaarten.live.stream import with_live_streams  # noqa: E402

application = with_live_streams(django_application)

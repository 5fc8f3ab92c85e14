"""ASGI entry point. Live streams will be routed here ahead of Django (see docs/architecture.md)."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gesprekskaarten.settings.dev")

from django.core.asgi import get_asgi_application  # noqa: E402

application = get_asgi_application()

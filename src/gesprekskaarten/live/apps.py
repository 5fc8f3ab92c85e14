from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LiveConfig(AppConfig):
    """Live updates: event log per channel, broker backends and the SSE stream handler."""

    name = "gesprekskaarten.live"
    verbose_name = _("Live updates")

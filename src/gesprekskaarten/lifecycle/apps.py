from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LifecycleConfig(AppConfig):
    """What leaves: a team's or an organisation's archive as one download, and real deletion."""

    name = "gesprekskaarten.lifecycle"
    verbose_name = _("Export and deletion")

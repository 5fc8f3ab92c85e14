from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MeetingsConfig(AppConfig):
    """Gesprekken: joining, anonymous marking, the flow of steps and the team's results."""

    name = "gesprekskaarten.meetings"
    verbose_name = _("Gesprekken")

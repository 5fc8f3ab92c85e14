from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TeamsConfig(AppConfig):
    """Teams and the facilitators who run their gesprekken."""

    name = "gesprekskaarten.teams"
    verbose_name = _("Teams")

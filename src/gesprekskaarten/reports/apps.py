from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    """Documents to print and keep: the printable card deck (PDF)."""

    name = "gesprekskaarten.reports"
    verbose_name = _("Reports")

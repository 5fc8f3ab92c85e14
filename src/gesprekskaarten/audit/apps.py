from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    """What administrators and facilitators did; never anything about participants."""

    name = "gesprekskaarten.audit"
    verbose_name = _("Audit log")

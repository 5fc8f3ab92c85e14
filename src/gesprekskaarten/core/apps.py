from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    """Site-wide pages and plumbing: home, accessibility, privacy, errors, language."""

    name = "gesprekskaarten.core"
    verbose_name = _("Site")

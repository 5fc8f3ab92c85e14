from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InsightConfig(AppConfig):
    """Organisation insight: k-safe figures across an organisation's teams, per quarter."""

    name = "gesprekskaarten.insight"
    verbose_name = _("Organisation insight")

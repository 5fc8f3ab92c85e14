from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    """Site-wide pages and plumbing: home, accessibility, privacy, errors, language."""

    name = "gesprekskaarten.core"
    verbose_name = _("Site")

    def ready(self):
        from django.contrib.auth.signals import user_login_failed

        from .ratelimit import count_login_failure

        user_login_failed.connect(count_login_failure, dispatch_uid="gk-login-failures")

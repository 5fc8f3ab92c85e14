from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrganisationsConfig(AppConfig):
    """Organisations, the people in them with their roles, invitations and single sign-on;
    policy.py decides who may do what."""

    name = "gesprekskaarten.organisations"
    verbose_name = _("Organisations")

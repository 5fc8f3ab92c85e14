from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    """Who you are: logging in and out, passwords, a second factor and single sign-on."""

    name = "gesprekskaarten.accounts"
    verbose_name = _("Accounts")

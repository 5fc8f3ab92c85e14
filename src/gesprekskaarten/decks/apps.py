from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class DecksConfig(AppConfig):
    """Card decks: the principles, values and behaviours, loaded from YAML files."""

    name = "gesprekskaarten.decks"
    verbose_name = _("Card decks")

    def ready(self):
        from .services import load_bundled_decks_after_migrate

        post_migrate.connect(load_bundled_decks_after_migrate, sender=self)

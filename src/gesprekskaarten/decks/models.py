"""A deck is versioned: every changed deck file becomes a new, immutable DeckVersion.

Translatable texts are stored as {"nl": ..., "en": ...} mappings; see `localized`.
"""

from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


def localized(texts: dict, language: str | None = None, fallback: str = "nl") -> str:
    """Pick the text for the active language from a {language: text} mapping."""
    if not texts:
        return ""
    language = (language or get_language() or fallback).split("-")[0]
    return texts.get(language) or texts.get(fallback) or next(iter(texts.values()))


class Deck(models.Model):
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("deck")
        verbose_name_plural = _("decks")
        ordering = ["slug"]

    def __str__(self):
        return self.slug

    @property
    def latest_version(self) -> "DeckVersion | None":
        return self.versions.order_by("-number").first()


class DeckVersion(models.Model):
    deck = models.ForeignKey(Deck, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField(_("version number"))
    label = models.CharField(_("version label"), max_length=40, help_text=_("From the file."))
    content_hash = models.CharField(_("content hash"), max_length=64)
    imported_at = models.DateTimeField(_("imported at"), auto_now_add=True)
    source_file = models.CharField(_("imported from"), max_length=255, blank=True)
    languages = models.JSONField(_("languages"))
    default_language = models.CharField(_("default language"), max_length=8)
    title = models.JSONField(_("title"))
    intro = models.JSONField(_("introduction"))
    source = models.JSONField(_("source"))
    licence = models.JSONField(_("licence"))
    translations = models.JSONField(_("translation notes"), default=dict)
    help = models.JSONField(_("help contact"))
    method = models.JSONField(_("method"), help_text=_("Usage text and closing instruction."))
    behaviour_question = models.JSONField(_("behaviour question"))
    leaders_heading = models.JSONField(_("leaders heading"))
    changelog = models.JSONField(_("changelog"), default=list)

    class Meta:
        verbose_name = _("deck version")
        verbose_name_plural = _("deck versions")
        ordering = ["deck__slug", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["deck", "number"], name="deck_version_number_unique"),
            models.UniqueConstraint(
                fields=["deck", "content_hash"], name="deck_version_hash_unique"
            ),
        ]

    def __str__(self):
        return f"{self.deck.slug} v{self.number} ({self.label})"

    def text(self, field: str) -> str:
        return localized(getattr(self, field), fallback=self.default_language)


class GuidingQuestion(models.Model):
    """One of the method's guiding questions ("Welk gedrag herkennen we ...?")."""

    deck_version = models.ForeignKey(
        DeckVersion, on_delete=models.CASCADE, related_name="questions"
    )
    order = models.PositiveSmallIntegerField(_("order"))
    text = models.JSONField(_("text"))

    class Meta:
        verbose_name = _("guiding question")
        verbose_name_plural = _("guiding questions")
        ordering = ["deck_version", "order"]
        constraints = [
            models.UniqueConstraint(fields=["deck_version", "order"], name="question_order_unique")
        ]

    def __str__(self):
        return localized(self.text)


class Principle(models.Model):
    deck_version = models.ForeignKey(
        DeckVersion, on_delete=models.CASCADE, related_name="principles"
    )
    order = models.PositiveSmallIntegerField(_("order"))
    slug = models.SlugField(_("slug"), max_length=80)
    title = models.JSONField(_("title"))
    values = models.JSONField(_("values"), help_text=_("List of {language: text}."))

    class Meta:
        verbose_name = _("principle")
        verbose_name_plural = _("principles")
        ordering = ["deck_version", "order"]
        constraints = [
            models.UniqueConstraint(fields=["deck_version", "slug"], name="principle_slug_unique"),
            models.UniqueConstraint(
                fields=["deck_version", "order"], name="principle_order_unique"
            ),
        ]

    def __str__(self):
        return localized(self.title)


class Audience(models.TextChoices):
    EVERYONE = "everyone", _("for everyone")
    LEADERS = "leaders", _("for leaders")


class Behaviour(models.Model):
    principle = models.ForeignKey(Principle, on_delete=models.CASCADE, related_name="behaviours")
    audience = models.CharField(_("audience"), max_length=10, choices=Audience.choices)
    order = models.PositiveSmallIntegerField(_("order"))
    key = models.SlugField(_("key"), max_length=40, help_text=_("Stable within the principle."))
    text = models.JSONField(_("text"))

    class Meta:
        verbose_name = _("behaviour")
        verbose_name_plural = _("behaviours")
        ordering = ["principle", "audience", "order"]
        constraints = [
            models.UniqueConstraint(fields=["principle", "key"], name="behaviour_key_unique"),
            models.UniqueConstraint(
                fields=["principle", "audience", "order"], name="behaviour_order_unique"
            ),
        ]

    def __str__(self):
        return localized(self.text)

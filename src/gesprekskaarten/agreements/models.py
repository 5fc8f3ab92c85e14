"""Afspraken: what a team agreed to do, by whom and when, and every change to it.

An agreement belongs to the team (it outlives the gesprek it was made in) and keeps a full
history: each change records when, which facilitator account, and the old and new value.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gesprekskaarten.decks.models import Behaviour, Principle
from gesprekskaarten.meetings.models import Gesprek, Theme
from gesprekskaarten.teams.models import Team

WHAT_MAX_LENGTH = 300
WHO_MAX_LENGTH = 120
REASON_MAX_LENGTH = 300


class Status(models.TextChoices):
    OPEN = "open", _("Open")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")
    DROPPED = "dropped", _("Dropped")


class Agreement(models.Model):
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="agreements")
    gesprek = models.ForeignKey(
        Gesprek,
        on_delete=models.PROTECT,
        related_name="agreements",
        verbose_name=_("made in gesprek"),
    )
    theme = models.ForeignKey(
        Theme,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="agreements",
        verbose_name=_("from rode draad"),
    )
    what = models.CharField(_("what"), max_length=WHAT_MAX_LENGTH)
    who = models.CharField(
        _("who"), max_length=WHO_MAX_LENGTH, blank=True, help_text=_("A person or a role.")
    )
    due_on = models.DateField(_("by when"), null=True, blank=True)
    principles = models.ManyToManyField(
        Principle, blank=True, related_name="+", verbose_name=_("principles")
    )
    behaviours = models.ManyToManyField(
        Behaviour, blank=True, related_name="+", verbose_name=_("behaviours")
    )
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.OPEN
    )
    drop_reason = models.CharField(
        _("reason for dropping"), max_length=REASON_MAX_LENGTH, blank=True
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("agreement")
        verbose_name_plural = _("agreements")
        ordering = ["id"]

    def __str__(self):
        return self.what

    @property
    def is_settled(self) -> bool:
        return self.status in (Status.DONE, Status.DROPPED)

    def is_overdue(self, today=None) -> bool:
        today = today or timezone.localdate()
        return bool(self.due_on and self.due_on < today and not self.is_settled)


# What AgreementChange.field holds, and how a history shows it.
FIELD_LABELS = {
    "created": _("created"),
    "what": _("what"),
    "who": _("who"),
    "due_on": _("by when"),
    "principles": _("principles"),
    "behaviours": _("behaviours"),
    "status": _("status"),
    "drop_reason": _("reason for dropping"),
}


class AgreementChange(models.Model):
    """One recorded change: when, by which facilitator account, old and new value.

    `field` is a key of FIELD_LABELS; the values are readable text (a date as YYYY-MM-DD,
    linked cards by title) except a status, which is stored as its value so that it reads in
    the viewer's language (`old_text`, `new_text`) and can be compared later.
    """

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="changes")
    changed_at = models.DateTimeField(_("changed at"), default=timezone.now)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("changed by"),
    )
    gesprek = models.ForeignKey(
        Gesprek,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("during gesprek"),
    )
    field = models.CharField(_("field"), max_length=20)
    old_value = models.TextField(_("old value"), blank=True)
    new_value = models.TextField(_("new value"), blank=True)

    class Meta:
        verbose_name = _("agreement change")
        verbose_name_plural = _("agreement changes")
        ordering = ["changed_at", "id"]

    def __str__(self):
        return f"{self.field}: {self.old_value} → {self.new_value}"

    @property
    def field_label(self) -> str:
        return str(FIELD_LABELS.get(self.field, self.field))

    def _text(self, value: str) -> str:
        if self.field == "status" and value in Status.values:
            return str(Status(value).label)
        return value

    @property
    def old_text(self) -> str:
        return self._text(self.old_value)

    @property
    def new_text(self) -> str:
        return self._text(self.new_value)

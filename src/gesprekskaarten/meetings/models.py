"""A gesprek and what participants contribute to it.

Anonymity by construction: a Participant is a random token (only its hash is stored), no
name is asked or stored, and answers carry no timestamps that could be matched to who tapped
when.
"""

import secrets
import uuid
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gesprekskaarten.decks.models import Behaviour, DeckVersion, Principle
from gesprekskaarten.teams.models import Team

# No 0/O, 1/I/L, 5/S, 2/Z, 8/B: easy to read aloud and type from a projector.
JOIN_CODE_ALPHABET = "ACDEFGHJKMNPQRTUVWXY34679"
JOIN_CODE_LENGTH = 10  # 25^10 = 9.5e13 codes: see docs/security.md for the guessing odds
MIN_THRESHOLD = 2


def new_join_code() -> str:
    return "".join(secrets.choice(JOIN_CODE_ALPHABET) for _ in range(JOIN_CODE_LENGTH))


def default_expiry():
    return timezone.now() + timedelta(days=settings.GK_JOIN_CODE_DAYS)


class Step(models.TextChoices):
    LOBBY = "lobby", _("Waiting to start")
    REVIEW = "review", _("Review of agreements")
    MARKING = "marking", _("Marking")
    RESULTS = "results", _("Results")
    DISCUSSION = "discussion", _("Discussion")
    CLOSED = "closed", _("Closed")


# Until marking starts the anonymity threshold may change; from then on it is fixed.
BEFORE_MARKING = (Step.LOBBY, Step.REVIEW)


class ThresholdFixed(ValidationError):
    """The anonymity threshold of a gesprek whose marking has started cannot change: a lower
    k would show counts that were hidden when people answered."""

    def __init__(self):
        message = _("The anonymity threshold cannot change once marking has started.")
        super().__init__({"threshold": ValidationError(message, code="threshold_fixed")})


class AudienceChoice(models.TextChoices):
    EVERYONE = "everyone", _("Behaviours for everyone")
    LEADERS = "leaders", _("Behaviours for leaders")
    BOTH = "both", _("Both")


class Kind(models.TextChoices):
    TEAM = "team", _("Team gesprek")
    MIRROR = "mirror", _("Leader's mirror")


def team_may_keep() -> Q:
    """Gesprekken that belong to what the team keeps (the archive export): all but a leader's
    mirror its leader has not shared (docs/leaders-mirror.md)."""
    return ~Q(kind=Kind.MIRROR) | Q(self_view__shared_at__isnull=False)


class Gesprek(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="gesprekken")
    deck_version = models.ForeignKey(DeckVersion, on_delete=models.PROTECT, related_name="+")
    principles = models.ManyToManyField(Principle, related_name="+", verbose_name=_("cards"))
    audience = models.CharField(
        _("behaviours"), max_length=10, choices=AudienceChoice.choices, default="both"
    )
    threshold = models.PositiveSmallIntegerField(
        _("anonymity threshold"),
        default=3,
        validators=[MinValueValidator(MIN_THRESHOLD), MaxValueValidator(50)],
        help_text=_("Results are shown only when at least this many people answered."),
    )
    title = models.CharField(_("title"), max_length=120, blank=True)
    # A leader's mirror (meetings/mirror.py, docs/leaders-mirror.md): the team marks the leader
    # behaviours about `leader`, who runs it and alone sees its self-view and comparison.
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.TEAM)
    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("leader"),
    )
    join_code = models.CharField(_("join code"), max_length=16, unique=True, default=new_join_code)
    step = models.CharField(_("step"), max_length=10, choices=Step.choices, default=Step.LOBBY)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    join_code_expires_at = models.DateTimeField(_("join code valid until"), default=default_expiry)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    question = models.PositiveSmallIntegerField(
        _("current question"), default=1, help_text=_("Order of the guiding question discussed.")
    )
    timer_ends_at = models.DateTimeField(_("timer ends at"), null=True, blank=True)
    presenter_page = models.PositiveSmallIntegerField(
        _("presenter page"),
        default=0,
        help_text=_("Which page of the results the presenter screen shows: 0 is the overview."),
    )
    follow_up_on = models.DateField(
        _("follow-up date"), null=True, blank=True, help_text=_("When the team meets again.")
    )
    # Set by the retention job (meetings/retention.py) when the raw answers, notes, dots and
    # participants went; from then on the reports read the gesprek's GesprekArchive.
    raw_deleted_at = models.DateTimeField(_("raw data deleted at"), null=True, blank=True)

    class Meta:
        verbose_name = _("gesprek")
        verbose_name_plural = _("gesprekken")
        ordering = ["-created_at"]
        constraints = [
            # Only a mirror has a leader (a mirror whose account was deleted has none left).
            models.CheckConstraint(
                condition=Q(kind="mirror") | Q(leader__isnull=True),
                name="only_a_mirror_has_a_leader",
            )
        ]

    def __str__(self):
        return self.title or f"{self.team} {self.created_at:%Y-%m-%d}"

    def save(self, *args, update_fields=None, **kwargs):
        """Refuses a new threshold once marking has started, whichever door it comes through
        (admin, shell, a form); the database refuses it as well (migration 0004)."""
        checks_threshold = update_fields is None or "threshold" in update_fields
        if checks_threshold and self._threshold_changed_after_marking():
            raise ThresholdFixed
        super().save(*args, update_fields=update_fields, **kwargs)

    @property
    def channel(self) -> str:
        return f"gesprek:{self.pk}"

    @property
    def display_code(self) -> str:
        return f"{self.join_code[:5]}-{self.join_code[5:]}"

    @property
    def is_mirror(self) -> bool:
        return self.kind == Kind.MIRROR

    @property
    def is_closed(self) -> bool:
        return self.step == Step.CLOSED

    def archived(self) -> "GesprekArchive | None":
        """What was kept when the raw data went (retention), or None while the raw rows exist."""
        if self.raw_deleted_at is None:
            return None
        return GesprekArchive.objects.filter(gesprek=self).first()

    def audiences(self) -> list[str]:
        return ["everyone", "leaders"] if self.audience == "both" else [self.audience]

    def clean(self):
        super().clean()
        if self._threshold_changed_after_marking():
            raise ThresholdFixed

    @property
    def marking_started(self) -> bool:
        return self.step not in BEFORE_MARKING

    def _threshold_changed_after_marking(self) -> bool:
        if self._state.adding or self.pk is None:
            return False
        stored = Gesprek.objects.filter(pk=self.pk).values_list("threshold", "step").first()
        return (
            stored is not None and stored[0] != self.threshold and stored[1] not in BEFORE_MARKING
        )


class Participant(models.Model):
    """One device in one gesprek. The cookie holds the token; we keep only its hash."""

    gesprek = models.ForeignKey(Gesprek, on_delete=models.CASCADE, related_name="participants")
    token_hash = models.CharField(max_length=64, unique=True)

    class Meta:
        verbose_name = _("participant")
        verbose_name_plural = _("participants")

    def __str__(self):  # deliberately says nothing about who this is
        return str(_("participant"))


class Choice(models.TextChoices):
    RECOGNISED = "recognised", _("I see this")
    MISSING = "missing", _("I do not see this")
    UNSURE = "unsure", _("I don't know")


class Answer(models.Model):
    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="answers")
    behaviour = models.ForeignKey(Behaviour, on_delete=models.PROTECT, related_name="+")
    choice = models.CharField(max_length=10, choices=Choice.choices, blank=True)
    discuss = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        constraints = [
            models.UniqueConstraint(fields=["participant", "behaviour"], name="one_answer_each")
        ]

    def __str__(self):  # never the choice: an answer is only ever shown as part of a total
        return str(_("answer"))


NOTE_MAX_LENGTH = 280


class Note(models.Model):
    """A short anonymous note on one guiding question.

    The author is kept only so that a participant can edit or delete their own note; it is
    never shown, exported or sent anywhere. No timestamps: the order is the id.
    """

    gesprek = models.ForeignKey(Gesprek, on_delete=models.CASCADE, related_name="notes")
    question = models.PositiveSmallIntegerField(_("question"))
    author = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="+")
    text = models.CharField(_("text"), max_length=NOTE_MAX_LENGTH)
    hidden = models.BooleanField(_("hidden by the facilitator"), default=False)
    theme = models.ForeignKey(
        "Theme",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="notes",
        verbose_name=_("rode draad"),
    )

    class Meta:
        verbose_name = _("note")
        verbose_name_plural = _("notes")
        ordering = ["id"]

    def __str__(self):
        return self.text


THEME_NAME_MAX_LENGTH = 80


class Theme(models.Model):
    """A rode draad: the facilitator's name for a group of notes."""

    gesprek = models.ForeignKey(Gesprek, on_delete=models.CASCADE, related_name="themes")
    name = models.CharField(_("name"), max_length=THEME_NAME_MAX_LENGTH)

    class Meta:
        verbose_name = _("rode draad")
        verbose_name_plural = _("rode draden")
        ordering = ["id"]

    def __str__(self):
        return self.name


DEFAULT_DOTS = 3
MAX_DOTS = 10
VOTE_OPTION_MAX_LENGTH = 200


class DotVote(models.Model):
    """One round of dot voting. Totals are shown only once it is closed (and never below k)."""

    gesprek = models.ForeignKey(Gesprek, on_delete=models.CASCADE, related_name="votes")
    dots = models.PositiveSmallIntegerField(
        _("dots per person"),
        default=DEFAULT_DOTS,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_DOTS)],
    )
    is_open = models.BooleanField(_("open"), default=True)

    class Meta:
        verbose_name = _("dot vote")
        verbose_name_plural = _("dot votes")
        ordering = ["id"]

    def __str__(self):
        return str(_("dot vote"))


class VoteOption(models.Model):
    """Something to vote on: a rode draad (its name copied when the vote opens) or a
    proposal typed by the facilitator."""

    vote = models.ForeignKey(DotVote, on_delete=models.CASCADE, related_name="options")
    theme = models.ForeignKey(
        Theme, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    text = models.CharField(_("text"), max_length=VOTE_OPTION_MAX_LENGTH)

    class Meta:
        verbose_name = _("vote option")
        verbose_name_plural = _("vote options")
        ordering = ["id"]

    def __str__(self):
        return self.text


class PlacedDots(models.Model):
    """How many dots one participant put on one option. Kept only to enforce the allowance
    and let people move their dots; only totals ever leave the server. No timestamps."""

    option = models.ForeignKey(VoteOption, on_delete=models.CASCADE, related_name="placed")
    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="+")
    count = models.PositiveSmallIntegerField(validators=[MinValueValidator(1)])

    class Meta:
        verbose_name = _("placed dots")
        verbose_name_plural = _("placed dots")
        constraints = [
            models.UniqueConstraint(fields=["option", "participant"], name="one_row_per_option")
        ]

    def __str__(self):  # never who: dots are only ever shown as totals
        return str(_("placed dots"))


class GesprekArchive(models.Model):
    """What the team keeps of a gesprek once the retention job deleted its raw rows: exactly
    what the report, the team history and the next gesprek's trend showed, nothing more.

    Language-neutral (ids of behaviours, principles, themes, votes and options; note texts as
    typed), never a participant or an author. Numbers below the anonymity threshold were not
    shown, so they are not here either.
    """

    gesprek = models.OneToOneField(
        Gesprek, on_delete=models.CASCADE, primary_key=True, related_name="archive"
    )
    made_at = models.DateTimeField(auto_now_add=True)
    participants = models.PositiveIntegerField()
    # {behaviour id: [respondents, recognised, missing, unsure, discuss]}: shown ones only.
    behaviours = models.JSONField(default=dict)
    # {principle id: respondents}: cards shown (at least k respondents) only.
    cards = models.JSONField(default=dict)
    # [[question order, text], ...]: the visible notes, in the order they were made.
    notes = models.JSONField(default=list)
    # {theme id: [text, ...]}: the visible notes of each rode draad.
    theme_notes = models.JSONField(default=dict)
    # {vote id: {"voters": n, "dots": {option id: dots} or null}}: closed votes; dots only
    # where the vote was shown (at least k voters).
    votes = models.JSONField(default=dict)

    class Meta:
        verbose_name = _("gesprek archive")
        verbose_name_plural = _("gesprek archives")

    def __str__(self):
        return str(_("gesprek archive"))


class MirrorSelfView(models.Model):
    """The leader's own marks in a leader's mirror: per leader behaviour one Choice.

    Seen by the leader only (organisations/policy.py, may_see_mirror); shown to the team (the
    presenter screen and the report) only while `shared_at` is set, which the leader alone
    does (meetings/mirror.py)."""

    gesprek = models.OneToOneField(
        Gesprek, on_delete=models.CASCADE, primary_key=True, related_name="self_view"
    )
    # {behaviour id (str): Choice value}: the behaviours the leader marked.
    choices = models.JSONField(default=dict)
    shared_at = models.DateTimeField(_("shared with the team at"), null=True, blank=True)

    class Meta:
        verbose_name = _("leader's self-view")
        verbose_name_plural = _("leaders' self-views")

    def __str__(self):  # never the choices
        return str(_("leader's self-view"))

    @property
    def shared(self) -> bool:
        return self.shared_at is not None

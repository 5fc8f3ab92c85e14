"""Gesprek services: everything that changes a gesprek goes through here.

Every change is one database transaction that also appends a live event (see events.py),
so open screens follow without reloads and nothing is announced that was not committed.
"""

import hashlib
import re
import secrets

from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from gesprekskaarten.decks.models import Behaviour
from gesprekskaarten.decks.services import latest_version

from . import events
from .models import (
    JOIN_CODE_ALPHABET,
    JOIN_CODE_LENGTH,
    MIN_THRESHOLD,
    Answer,
    Choice,
    DisplayName,
    Gesprek,
    Participant,
    Step,
)

# Which step may follow which. Closing is final.
TRANSITIONS = {
    Step.LOBBY: {Step.REVIEW, Step.MARKING, Step.CLOSED},
    Step.REVIEW: {Step.MARKING, Step.CLOSED},
    Step.MARKING: {Step.RESULTS, Step.CLOSED},
    Step.RESULTS: {Step.MARKING, Step.DISCUSSION, Step.CLOSED},
    Step.DISCUSSION: {Step.RESULTS, Step.CLOSED},
    Step.CLOSED: set(),
}


class MeetingError(Exception):
    """A request that cannot be carried out; the message is meant for the person."""


# --- starting and joining ------------------------------------------------------------------


@transaction.atomic
def create_gesprek(*, team, user, principles, audience="both", threshold=3, title=""):
    if not principles:
        raise MeetingError(_("Choose at least one card."))
    if threshold < MIN_THRESHOLD:
        raise MeetingError(_("The anonymity threshold is at least %(k)s.") % {"k": MIN_THRESHOLD})
    version = principles[0].deck_version
    if any(p.deck_version_id != version.pk for p in principles):
        raise MeetingError(_("All cards must come from the same deck version."))
    for _attempt in range(5):  # a join code collision is astronomically rare; retry anyway
        try:
            with transaction.atomic():
                gesprek = Gesprek.objects.create(
                    team=team,
                    deck_version=version,
                    audience=audience,
                    threshold=threshold,
                    title=title.strip(),
                    created_by=user,
                )
            break
        except IntegrityError:
            continue
    else:
        raise MeetingError(_("Could not create a join code. Please try again."))
    gesprek.principles.set(principles)
    return gesprek


def newest_deck_principles(deck_slug: str):
    version = latest_version(deck_slug)
    return version, list(version.principles.order_by("order")) if version else []


def normalise_code(code: str) -> str:
    return re.sub(r"[^A-Z0-9]", "", (code or "").upper())[: JOIN_CODE_LENGTH * 2]


def find_by_code(code: str) -> Gesprek | None:
    code = normalise_code(code)
    if len(code) != JOIN_CODE_LENGTH or any(c not in JOIN_CODE_ALPHABET for c in code):
        return None
    return Gesprek.objects.select_related("team", "deck_version").filter(join_code=code).first()


def join_problem(gesprek: Gesprek | None) -> str | None:
    """Why this gesprek cannot be joined, in words for the participant; None when it can."""
    if gesprek is None:
        return _("We do not know this code. Check the code and try again.")
    if gesprek.is_closed:
        return _("This gesprek has ended. You can no longer join.")
    if gesprek.join_code_expires_at < timezone.now():
        return _("This code has expired. Ask your facilitator for a new one.")
    return None


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@transaction.atomic
def join(gesprek: Gesprek, display_name: str = "") -> tuple[Participant, str]:
    problem = join_problem(gesprek)
    if problem:
        raise MeetingError(problem)
    token = secrets.token_urlsafe(32)
    participant = Participant.objects.create(gesprek=gesprek, token_hash=hash_token(token))
    if display_name.strip():
        DisplayName.objects.create(gesprek=gesprek, name=display_name.strip()[:40])
    events.participants_changed(gesprek)
    return participant, token


def participant_for(gesprek: Gesprek, token: str | None) -> Participant | None:
    if not token or len(token) > 100:
        return None
    return Participant.objects.filter(gesprek=gesprek, token_hash=hash_token(token)).first()


# --- marking -------------------------------------------------------------------------------


def behaviours_of(gesprek: Gesprek):
    """The behaviours this gesprek asks about, in card order."""
    return (
        Behaviour.objects.filter(
            principle__in=gesprek.principles.all(), audience__in=gesprek.audiences()
        )
        .select_related("principle")
        .order_by("principle__order", "audience", "order")
    )


def _check_open_for_answers(gesprek: Gesprek) -> None:
    if gesprek.step == Step.CLOSED:
        raise MeetingError(_("This gesprek has ended. Answers can no longer be changed."))
    if gesprek.step != Step.MARKING:
        raise MeetingError(_("Marking is not open right now. Wait for your facilitator."))


def save_answers(participant: Participant, answers: dict[int, tuple[str, bool]]) -> int:
    """Store answers {behaviour id: (choice, discuss)} in one transaction; returns how many."""
    with transaction.atomic():
        gesprek = Gesprek.objects.select_for_update().get(pk=participant.gesprek_id)
        _check_open_for_answers(gesprek)
        allowed = set(behaviours_of(gesprek).values_list("pk", flat=True))
        unknown = set(answers) - allowed
        if unknown:
            raise MeetingError(_("This behaviour is not part of this gesprek."))
        for choice, _discuss in answers.values():
            if choice not in Choice.values and choice != "":
                raise MeetingError(_("This answer is not one of the options."))
        was_done = _is_done(participant, len(allowed))
        for behaviour_id, (choice, discuss) in answers.items():
            Answer.objects.update_or_create(
                participant=participant,
                behaviour_id=behaviour_id,
                defaults={"choice": choice, "discuss": discuss},
            )
        if _is_done(participant, len(allowed)) != was_done:
            events.progress_changed(gesprek)
    return len(answers)


def _is_done(participant: Participant, total: int) -> bool:
    return participant.answers.exclude(choice="").count() >= total


def answers_of(participant: Participant) -> dict[int, Answer]:
    return {answer.behaviour_id: answer for answer in participant.answers.all()}


def progress(gesprek: Gesprek) -> tuple[int, int]:
    """(participants who marked every behaviour, participants who joined)."""
    total = behaviours_of(gesprek).count()
    done = (
        Answer.objects.filter(participant__gesprek=gesprek)
        .exclude(choice="")
        .values("participant")
        .annotate(answered=Count("id"))
        .filter(answered__gte=total)
        .count()
    )
    return done, gesprek.participants.count()


# --- flow ----------------------------------------------------------------------------------


@transaction.atomic
def set_step(gesprek: Gesprek, step: str) -> Gesprek:
    """Move the gesprek to `step`; updates the given object too and returns it."""
    if step not in Step.values:
        raise MeetingError(_("This step does not exist."))
    locked = Gesprek.objects.select_for_update().get(pk=gesprek.pk)
    if step != locked.step:  # a double click changes nothing
        if step not in TRANSITIONS[Step(locked.step)]:
            raise MeetingError(_("This step cannot follow the current one."))
        locked.step = step
        locked.timer_ends_at = None  # a timer belongs to one step
        if step == Step.CLOSED:
            locked.closed_at = timezone.now()
        locked.save(update_fields=["step", "closed_at", "timer_ends_at"])
        events.step_changed(locked)
    gesprek.step, gesprek.closed_at = locked.step, locked.closed_at
    gesprek.timer_ends_at = locked.timer_ends_at
    return gesprek


def respondent_filter() -> Q:
    """An answer row counts once it says something: a choice or a wish to discuss."""
    return ~Q(choice="") | Q(discuss=True)

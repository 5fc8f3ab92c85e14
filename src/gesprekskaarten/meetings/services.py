"""Gesprek services: everything that changes a gesprek goes through here.

Every change is one database transaction that also appends a live event (see events.py),
so open screens follow without reloads and nothing is announced that was not committed.
"""

import functools
import hashlib
import re
import secrets
from typing import NamedTuple

from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gesprekskaarten.core import ratelimit
from gesprekskaarten.decks.models import Behaviour
from gesprekskaarten.decks.services import latest_version

from . import events
from .models import (
    JOIN_CODE_ALPHABET,
    JOIN_CODE_LENGTH,
    MIN_THRESHOLD,
    Choice,
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


def live_gesprekken():
    """Gesprekken with what their live pages use loaded in the same query: the team, the deck
    version and the deck. Every facilitator's request and every live event loads its gesprek
    this way."""
    return Gesprek.objects.select_related("team", "deck_version__deck")


def gesprek_for_facilitator(user, public_id) -> Gesprek:
    """A gesprek of one of the user's teams, for the facilitator's pages of every app. Any
    other gesprek is not found (404), so nobody learns that another team's gesprek exists; a
    leader's mirror is found by its leader only (organisations/policy.py)."""
    from django.http import Http404

    from gesprekskaarten.organisations.policy import may_run

    gesprek = live_gesprekken().filter(public_id=public_id).first()
    if gesprek is None or not may_run(user, gesprek):
        raise Http404
    return gesprek


@transaction.atomic  # a gesprek is there with its cards, or not at all
def create_gesprek(
    *, team, user, principles, audience="both", threshold=3, title="", kind="team", leader=None
):
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
                    kind=kind,
                    leader=leader,
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


def find_by_code(code: str, *, related: bool = True) -> Gesprek | None:
    """The gesprek of a join code, or None. With `related=False` its team and deck version are
    loaded only when used: a participant's page request from the shared page needs neither."""
    code = normalise_code(code)
    if len(code) != JOIN_CODE_LENGTH or any(c not in JOIN_CODE_ALPHABET for c in code):
        return None
    found = Gesprek.objects.filter(join_code=code)
    if related:
        found = found.select_related("team", "deck_version")
    return found.first()


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
def join(gesprek: Gesprek) -> tuple[Participant, str]:
    """A new participant: a random token and nothing else (no name is asked or stored)."""
    problem = join_problem(gesprek)
    if problem:
        raise MeetingError(problem)
    token = secrets.token_urlsafe(32)
    participant = Participant.objects.create(gesprek=gesprek, token_hash=hash_token(token))
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


def _check_open_for_answers(gesprek) -> None:
    if gesprek.step == Step.CLOSED:
        raise MeetingError(
            gettext_lazy("This gesprek has ended. Answers can no longer be changed.")
        )
    if gesprek.step != Step.MARKING:
        raise MeetingError(
            gettext_lazy("Marking is not open right now. Wait for your facilitator.")
        )


class NotAParticipant(MeetingError):
    """The token does not belong to a participant of the gesprek with this code."""


class AnsweringTooFast(MeetingError):
    """This participant sent more answers this minute than GK_RATE_ANSWER_PER_MINUTE."""


# The write path of an answer is plain SQL: it runs for every tap on every phone, and the ORM
# spends more CPU building these statements than the database spends running them
# (docs/performance.md). Valid on SQLite (3.24+) and PostgreSQL.
_PARTICIPANT = (
    "SELECT p.token_hash, p.id, g.id, g.join_code, g.audience, g.step FROM meetings_participant p "
    "JOIN meetings_gesprek g ON g.id = p.gesprek_id WHERE "
)
# PostgreSQL: lock these participants' rows (one person's answers take turns, so the done-state
# below is exact) and share-lock their gesprek rows. Answers of a team run side by side;
# changing the step (`set_step`, FOR UPDATE) waits until the answers in flight have committed,
# and answers that come later see the new step. SQLite: BEGIN IMMEDIATE already makes every
# writer wait for the one before. Rows are taken in id order, so two writers never wait for
# each other the other way round.
_PARTICIPANT_LOCKS = " ORDER BY p.id FOR NO KEY UPDATE OF p FOR SHARE OF g"
CHOICES = frozenset(["", *Choice.values])  # "": not answered (yet), or cleared
_ANSWERS_OF = (
    "SELECT participant_id, behaviour_id, choice, discuss FROM meetings_answer "
    "WHERE participant_id IN (%s)"
)
_UPSERT_ANSWER = (
    "INSERT INTO meetings_answer (participant_id, behaviour_id, choice, discuss) "
    "VALUES (%s, %s, %s, %s) ON CONFLICT (participant_id, behaviour_id) "
    "DO UPDATE SET choice = excluded.choice, discuss = excluded.discuss"
)


class _Marker(NamedTuple):
    """A participant and the gesprek fields the write needs (cheaper than model instances)."""

    participant_id: int
    gesprek_id: int
    join_code: str
    audience: str
    step: str

    def gesprek(self) -> Gesprek:
        return Gesprek(
            pk=self.gesprek_id, join_code=self.join_code, audience=self.audience, step=self.step
        )


class AnswerWrite(NamedTuple):
    """One tap on a card: the answer of the participant holding `token` in the gesprek with
    join code `code`."""

    code: str
    token: str
    behaviour_id: int
    choice: str
    discuss: bool


def save_answers(participant: Participant, answers: dict[int, tuple[str, bool]]) -> int:
    """Store answers {behaviour id: (choice, discuss)} in one transaction; returns how many."""
    with transaction.atomic():
        marker = _locked_participants("p.id = %s", [participant.pk]).get(participant.token_hash)
        _check_answers(marker, answers)
        _write_answers([(marker, behaviour, *answer) for behaviour, answer in answers.items()])
    return len(answers)


def save_answer_batch(writes: list[AnswerWrite]) -> list[Exception | None]:
    """Store the answers of any participants of any gesprekken in one transaction, in order.

    The lean answer endpoint writes the answers that arrive while its threads are busy
    together: one transaction and four statements for the lot instead of for each. Returns,
    for each write, None when it was stored, or the error it met: a NotAParticipant or
    MeetingError (that write changes nothing; the others go on), or a DatabaseError. When the
    database refuses a batch (say a deadlock), each write is tried again on its own, so one
    write cannot cost the others theirs."""
    try:
        with transaction.atomic():
            return _store_batch(writes)
    except DatabaseError as error:
        if len(writes) == 1:
            return [error]
    return [save_answer_batch([write])[0] for write in writes]


def _store_batch(writes: list[AnswerWrite]) -> list[Exception | None]:
    hashes = {
        write.token: hash_token(write.token) for write in writes if 0 < len(write.token) <= 100
    }
    unique = sorted(set(hashes.values()))
    found = (
        _locked_participants(f"p.token_hash IN ({_placeholders(len(unique))})", unique)
        if unique
        else {}
    )
    problems: list[Exception | None] = []
    accepted = []
    for write in writes:
        marker = found.get(hashes.get(write.token))
        if marker is None or marker.join_code != normalise_code(write.code):
            problems.append(NotAParticipant(gettext_lazy("You are not part of this gesprek.")))
            continue
        # Counted only for real participants: made-up cookies create no counters.
        if ratelimit.ANSWERS.hit(marker.participant_id) > ratelimit.ANSWERS.allowed:
            problems.append(
                AnsweringTooFast(
                    gettext_lazy("You are answering very fast. Wait a minute and try again.")
                )
            )
            continue
        try:
            _check_answers(marker, {write.behaviour_id: (write.choice, write.discuss)})
        except MeetingError as problem:
            problems.append(problem)
            continue
        problems.append(None)
        accepted.append((marker, write.behaviour_id, write.choice, write.discuss))
    if accepted:
        _write_answers(accepted)
    return problems


def _placeholders(count: int) -> str:
    return ", ".join(["%s"] * count)


def _locked_participants(where: str, params: list) -> dict[str, _Marker]:
    """{token hash: participant} of the participants `where` finds, locked for this
    transaction (see _PARTICIPANT_LOCKS)."""
    sql = _PARTICIPANT + where
    if connection.vendor == "postgresql":
        sql += _PARTICIPANT_LOCKS
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {row[0]: _Marker(*row[1:]) for row in cursor}


def _check_answers(marker: _Marker | None, answers: dict[int, tuple[str, bool]]) -> None:
    """Raise MeetingError unless these answers may be stored now."""
    if marker is None:
        raise MeetingError(gettext_lazy("You are not part of this gesprek."))
    _check_open_for_answers(marker)
    allowed = _behaviour_ids(marker.gesprek_id, marker.join_code, marker.audience)
    if not set(answers) <= allowed:
        raise MeetingError(gettext_lazy("This behaviour is not part of this gesprek."))
    if any(choice not in CHOICES for choice, _discuss in answers.values()):
        raise MeetingError(gettext_lazy("This answer is not one of the options."))


def _write_answers(answers: list[tuple[_Marker, int, str, bool]]) -> None:
    """Write the answers (participant, behaviour, choice, discuss) that change something, in
    order; then announce progress for each participant whose done-state changed (all
    behaviours answered, or no longer)."""
    if not answers:
        return
    participants = {marker.participant_id: marker for marker, *_answer in answers}
    stored = {participant_id: {} for participant_id in participants}
    with connection.cursor() as cursor:
        cursor.execute(_ANSWERS_OF % _placeholders(len(participants)), list(participants))
        for participant_id, behaviour, choice, discuss in cursor:
            stored[participant_id][behaviour] = (choice, bool(discuss))
        latest = {participant_id: dict(own) for participant_id, own in stored.items()}
        for marker, behaviour, choice, discuss in answers:
            latest[marker.participant_id][behaviour] = (choice, bool(discuss))
        changed = [
            (participant_id, behaviour, *answer)
            for participant_id, own in latest.items()
            for behaviour, answer in own.items()
            if stored[participant_id].get(behaviour) != answer
        ]
        if not changed:
            return  # the same answers again: nothing to write, nothing to announce
        cursor.executemany(_UPSERT_ANSWER, changed)
    finished_or_not = []
    for participant_id, marker in participants.items():
        total = len(_behaviour_ids(marker.gesprek_id, marker.join_code, marker.audience))
        before, after = _answered(stored[participant_id]), _answered(latest[participant_id])
        if (before >= total) != (after >= total):
            finished_or_not.append(marker)
    # In gesprek order, so two writers never take two channels' locks the other way round.
    for marker in sorted(finished_or_not, key=lambda marker: marker.gesprek_id):
        events.progress_changed(marker.gesprek())


def _answered(answers: dict[int, tuple[str, bool]]) -> int:
    return sum(1 for choice, _discuss in answers.values() if choice)


def _is_done(participant: Participant, total: int) -> bool:
    return participant.answers.exclude(choice="").count() >= total


def marks_of(participant: Participant) -> dict[int, tuple[str, bool]]:
    """{behaviour id: (choice, discuss)} of this participant's answers, in one plain SQL
    statement: every card a person opens reads it (the ORM query cost more than the rest of
    filling in their marks)."""
    with connection.cursor() as cursor:
        cursor.execute(_ANSWERS_OF % "%s", [participant.pk])
        return {behaviour: (choice, bool(discuss)) for _id, behaviour, choice, discuss in cursor}


@functools.lru_cache(maxsize=2048)
def _behaviour_ids(gesprek_id: int, join_code: str, audience: str) -> frozenset[int]:
    gesprek = Gesprek(pk=gesprek_id, join_code=join_code, audience=audience)
    return frozenset(behaviours_of(gesprek).values_list("pk", flat=True))


def behaviour_ids_of(gesprek: Gesprek) -> frozenset[int]:
    """The ids of the behaviours this gesprek asks about. Its cards and audience never change
    once it exists, so they are kept per process; the join code is part of the key, so an id
    that a restored or test database hands out again never finds another gesprek's set."""
    return _behaviour_ids(gesprek.pk, gesprek.join_code, gesprek.audience)


_PROGRESS = (
    "SELECT (SELECT COUNT(*) FROM (SELECT a.participant_id FROM meetings_answer a "
    "JOIN meetings_participant p ON p.id = a.participant_id "
    "WHERE p.gesprek_id = %s AND a.choice <> '' "
    "GROUP BY a.participant_id HAVING COUNT(*) >= %s) AS done), "
    "(SELECT COUNT(*) FROM meetings_participant WHERE gesprek_id = %s)"
)


def progress(gesprek: Gesprek) -> tuple[int, int]:
    """(participants who marked every behaviour, participants who joined)."""
    total = len(behaviour_ids_of(gesprek))
    with connection.cursor() as cursor:
        cursor.execute(_PROGRESS, [gesprek.pk, total, gesprek.pk])
        done, joined = cursor.fetchone()
    return done, joined


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
        locked.presenter_page = 0  # the results start with the overview of all cards
        if step == Step.CLOSED:
            from .voting import close_open_votes  # voting builds on this module

            locked.closed_at = timezone.now()
            close_open_votes(locked)  # its results are kept and shown with the summary
        locked.save(update_fields=["step", "closed_at", "timer_ends_at", "presenter_page"])
        events.step_changed(locked)
    gesprek.step, gesprek.closed_at = locked.step, locked.closed_at
    gesprek.timer_ends_at, gesprek.presenter_page = locked.timer_ends_at, locked.presenter_page
    return gesprek


@transaction.atomic
def set_presenter_page(gesprek: Gesprek, page: int, last: int) -> Gesprek:
    """Show results page `page` on the presenter screen (0: the overview of all cards, then the
    cards, up to page `last`: see presenter.py); the facilitator's screens follow."""
    locked = Gesprek.objects.select_for_update().get(pk=gesprek.pk)
    if locked.step != Step.RESULTS:
        raise MeetingError(_("The presenter pages through the results only."))
    page = max(0, min(page, last))
    if page != locked.presenter_page:
        locked.presenter_page = page
        locked.save(update_fields=["presenter_page"])
        events.presenter_paged(locked)
    gesprek.presenter_page = locked.presenter_page
    return gesprek


def respondent_filter() -> Q:
    """An answer row counts once it says something: a choice or a wish to discuss."""
    return ~Q(choice="") | Q(discuss=True)

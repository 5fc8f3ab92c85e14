"""The guided discussion: the deck's questions one by one, a timer, anonymous notes.

Like services.py, every change is one transaction with its live event.
"""

import functools
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gesprekskaarten.decks.models import GuidingQuestion

from . import events
from .models import NOTE_MAX_LENGTH, Gesprek, Note, Participant, Step
from .services import MeetingError

NOTES = events.NOTES_REGION
TIMER = events.TIMER_REGION
MAX_TIMER_MINUTES = 120


def questions_of(gesprek: Gesprek) -> list[GuidingQuestion]:
    return list(_questions(gesprek.pk, gesprek.join_code, gesprek.deck_version_id))


@functools.lru_cache(maxsize=2048)
def _questions(gesprek_id: int, join_code: str, deck_version_id: int) -> tuple:
    """A deck version never changes once imported, so its questions are kept per process
    (read on every discussion page); keyed by the gesprek's join code too, as
    services.behaviour_ids_of, so an id handed out again never finds another's questions."""
    return tuple(GuidingQuestion.objects.filter(deck_version=deck_version_id))


def current_question(gesprek: Gesprek) -> GuidingQuestion | None:
    return next((q for q in questions_of(gesprek) if q.order == gesprek.question), None)


def _locked(gesprek: Gesprek) -> Gesprek:
    return Gesprek.objects.select_for_update().get(pk=gesprek.pk)


@transaction.atomic
def go_to_question(gesprek: Gesprek, order: int) -> Gesprek:
    """Move to any question: skipping ahead and going back are both fine."""
    locked = _locked(gesprek)
    if locked.step != Step.DISCUSSION:
        raise MeetingError(_("The discussion has not started."))
    if not GuidingQuestion.objects.filter(deck_version=locked.deck_version_id, order=order):
        raise MeetingError(_("This question does not exist."))
    if order != locked.question:
        locked.question = order
        locked.timer_ends_at = None  # a timer belongs to one question
        locked.save(update_fields=["question", "timer_ends_at"])
        events.step_changed(locked)
    gesprek.question, gesprek.timer_ends_at = locked.question, locked.timer_ends_at
    return gesprek


@transaction.atomic
def set_timer(gesprek: Gesprek, minutes: int | None) -> Gesprek:
    """Start a timer of `minutes` for the current question, or stop it with None."""
    locked = _locked(gesprek)
    if locked.step != Step.DISCUSSION:
        raise MeetingError(_("The discussion has not started."))
    if minutes is not None and not 1 <= minutes <= MAX_TIMER_MINUTES:
        raise MeetingError(
            _("Choose a time from 1 to %(max)s minutes.") % {"max": MAX_TIMER_MINUTES}
        )
    locked.timer_ends_at = timezone.now() + timedelta(minutes=minutes) if minutes else None
    locked.save(update_fields=["timer_ends_at"])
    events.regions_changed(locked, TIMER)
    gesprek.timer_ends_at = locked.timer_ends_at
    return gesprek


def _clean_text(text: str) -> str:
    text = (text or "").strip()
    if not text:
        raise MeetingError(_("Your note is empty. Write something first."))
    if len(text) > NOTE_MAX_LENGTH:
        raise MeetingError(
            _("Your note has %(n)s characters; at most %(max)s fit. Make it shorter.")
            % {"n": len(text), "max": NOTE_MAX_LENGTH}
        )
    return text


def _open_for_notes(gesprek: Gesprek) -> Gesprek:
    locked = _locked(gesprek)
    if locked.step == Step.CLOSED:
        raise MeetingError(_("This gesprek has ended. Notes can no longer be changed."))
    if locked.step != Step.DISCUSSION:
        raise MeetingError(_("Notes can be written during the discussion."))
    return locked


@transaction.atomic
def add_note(participant: Participant, text: str) -> Note:
    gesprek = _open_for_notes(participant.gesprek)
    note = Note.objects.create(
        gesprek=gesprek, question=gesprek.question, author=participant, text=_clean_text(text)
    )
    events.regions_changed(gesprek, NOTES)
    return note


def _own_note(participant: Participant, note_id: int, gesprek: Gesprek) -> Note:
    note = Note.objects.filter(pk=note_id, gesprek=gesprek).first()
    if note is None or note.author_id != participant.pk:
        raise MeetingError(_("You can only change your own notes."))
    if note.question != gesprek.question:
        raise MeetingError(_("This question is over; its notes stay as they are."))
    return note


@transaction.atomic
def edit_note(participant: Participant, note_id: int, text: str) -> Note:
    gesprek = _open_for_notes(participant.gesprek)
    note = _own_note(participant, note_id, gesprek)
    note.text = _clean_text(text)
    note.save(update_fields=["text"])
    events.regions_changed(gesprek, NOTES)
    return note


@transaction.atomic
def delete_note(participant: Participant, note_id: int) -> None:
    gesprek = _open_for_notes(participant.gesprek)
    _own_note(participant, note_id, gesprek).delete()
    events.regions_changed(gesprek, NOTES)


@transaction.atomic
def set_note_hidden(gesprek: Gesprek, note_id: int, hidden: bool) -> None:
    """Moderation: the facilitator hides a note without ever learning who wrote it."""
    locked = _locked(gesprek)
    if locked.step == Step.CLOSED:
        raise MeetingError(_("This gesprek has ended. Notes can no longer be changed."))
    updated = Note.objects.filter(pk=note_id, gesprek=locked).update(hidden=hidden)
    if not updated:
        raise MeetingError(_("This note does not exist."))
    events.regions_changed(locked, NOTES)


def notes_for(gesprek: Gesprek, question: int, *, viewer: Participant | None, moderator=False):
    """Notes as a screen may show them: hidden ones only to the facilitator, and only the
    viewer's own notes marked as theirs. The author itself never leaves this function."""
    notes = Note.objects.filter(gesprek=gesprek, question=question)
    if not moderator:
        notes = notes.filter(hidden=False)
    return [
        {
            "id": note.pk,
            "text": note.text,
            "hidden": note.hidden,
            "own": viewer is not None and note.author_id == viewer.pk,
        }
        for note in notes
    ]

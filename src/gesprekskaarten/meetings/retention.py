"""Retention: the raw data of a gesprek goes `GK_RETENTION_DAYS` days after it ended, or
sooner where its organisation chose a shorter period (Organisation.retention_days).

What goes: the participants (their token hashes), their answers, the notes (text and author
link), the placed dots, and the live event log of the gesprek's channel (its counter row
stays, docs/live.md). What stays is what the team keeps: the gesprek, its cards, rode draden
(names), votes and options, the agreements, and a GesprekArchive holding exactly what the
report showed from the raw rows (results at or above k, the number of participants, vote
totals at or above k, the visible note texts without an author). The report, the team history
and the next gesprek's trend read the archive from then on and come out the same.

A gesprek that has not ended is never touched. Each gesprek is one transaction that holds the
gesprek's row lock, so a run and a writer never overlap; a second run finds nothing to do.
"""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from gesprekskaarten.live.models import Event

from .models import Answer, Gesprek, GesprekArchive, Note, Participant, PlacedDots, Step


@dataclass
class Outcome:
    """What goes (or went) of one gesprek."""

    gesprek_id: int
    public_id: str
    title: str
    closed_at: datetime.datetime
    participants: int
    answers: int
    notes: int
    placed_dots: int
    events: int

    @property
    def anything(self) -> bool:
        return any((self.participants, self.answers, self.notes, self.placed_dots, self.events))


def retention_days(organisation=None) -> int | None:
    """The retention period in days, or None when retention is off. The site's period
    (GK_RETENTION_DAYS; 0 or empty: off) is the longest; an organisation may choose a shorter
    one, or one of its own where the site keeps everything."""
    days = settings.GK_RETENTION_DAYS
    site = days if days and days > 0 else None
    own = organisation.retention_days if organisation is not None else None
    if own and site:
        return min(own, site)
    return own or site


def cutoff(now: datetime.datetime | None = None, organisation=None) -> datetime.datetime | None:
    days = retention_days(organisation)
    if days is None:
        return None
    return (now or timezone.now()) - datetime.timedelta(days=days)


def due(before: datetime.datetime, organisation=None):
    """Gesprekken (of `organisation`, if given) that ended before `before`, oldest first (also
    those already archived: their event log may have grown, and a second run must be
    harmless)."""
    gesprekken = Gesprek.objects.filter(step=Step.CLOSED, closed_at__lte=before)
    if organisation is not None:
        gesprekken = gesprekken.filter(team__organisation=organisation)
    return gesprekken.order_by("closed_at")


def _outcome(gesprek: Gesprek) -> Outcome:
    return Outcome(
        gesprek_id=gesprek.pk,
        public_id=str(gesprek.public_id),
        title=str(gesprek),
        closed_at=gesprek.closed_at,
        participants=Participant.objects.filter(gesprek=gesprek).count(),
        answers=Answer.objects.filter(participant__gesprek=gesprek).count(),
        notes=Note.objects.filter(gesprek=gesprek).count(),
        placed_dots=PlacedDots.objects.filter(option__vote__gesprek=gesprek).count(),
        events=Event.objects.filter(channel=gesprek.channel).count(),
    )


def snapshot(gesprek: Gesprek) -> GesprekArchive:
    """What the report shows of the raw rows, taken through the same anonymity rules."""
    from gesprekskaarten.reports.summary import participant_count, visible_notes

    from .results import results_for, shown_counts
    from .themes import themes_of
    from .voting import closed_vote_results, shown_votes

    behaviours, cards = shown_counts(results_for(gesprek))
    return GesprekArchive(
        gesprek=gesprek,
        participants=participant_count(gesprek),
        behaviours=behaviours,
        cards=cards,
        notes=[[order, text] for order, text in visible_notes(gesprek)],
        theme_notes={str(theme.id): theme.notes for theme in themes_of(gesprek) if theme.notes},
        votes=shown_votes(closed_vote_results(gesprek)),
    )


def apply(gesprek_id: int, before: datetime.datetime, *, dry_run: bool = False) -> Outcome | None:
    """Archive and delete the raw data of one gesprek, in one transaction under its row lock.
    None when the gesprek is not (or no longer) due; with `dry_run` nothing changes."""
    with transaction.atomic():
        gesprek = Gesprek.objects.select_for_update().filter(pk=gesprek_id).first()
        if (
            gesprek is None
            or gesprek.step != Step.CLOSED
            or gesprek.closed_at is None
            or gesprek.closed_at > before
        ):
            return None
        outcome = _outcome(gesprek)
        if dry_run or not outcome.anything:
            return outcome
        if gesprek.raw_deleted_at is None:
            snapshot(gesprek).save()
            gesprek.raw_deleted_at = timezone.now()
            gesprek.save(update_fields=["raw_deleted_at"])
        PlacedDots.objects.filter(option__vote__gesprek=gesprek).delete()
        Note.objects.filter(gesprek=gesprek).delete()
        Answer.objects.filter(participant__gesprek=gesprek).delete()
        Participant.objects.filter(gesprek=gesprek).delete()
        Event.objects.filter(channel=gesprek.channel).delete()  # the Channel row stays
        return outcome


def run(*, dry_run: bool = False, now: datetime.datetime | None = None) -> list[Outcome]:
    """Every gesprek due, organisation by organisation (each with its own period), one
    transaction each; only those where something goes (or would)."""
    from gesprekskaarten.organisations.models import Organisation

    outcomes = []
    for organisation in Organisation.objects.order_by("pk"):
        before = cutoff(now, organisation)
        if before is None:
            continue
        for gesprek_id in list(due(before, organisation).values_list("pk", flat=True)):
            outcome = apply(gesprek_id, before, dry_run=dry_run)
            if outcome is not None and outcome.anything:
                outcomes.append(outcome)
    return outcomes

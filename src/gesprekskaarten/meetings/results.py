"""The team's picture: aggregated answers, never an individual one, never below k.

The anonymity threshold k is enforced here, on the server: a hidden card or behaviour has
no numbers at all (they are None), so no template, export or event can show them.
"""

from dataclasses import dataclass, field

from django.db.models import Count, Q

from gesprekskaarten.decks.models import Behaviour, Principle

from .models import Answer, Choice, Gesprek
from .services import behaviours_of, respondent_filter

SORTS = {
    "order": None,
    "recognised": "recognised",
    "missing": "missing",
    "discuss": "discuss",
}


@dataclass
class Counts:
    respondents: int = 0
    recognised: int = 0
    missing: int = 0
    unsure: int = 0
    discuss: int = 0

    def add(self, other: "Counts") -> None:
        for name in ("recognised", "missing", "unsure", "discuss"):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    @property
    def answered(self) -> int:
        return self.recognised + self.missing + self.unsure

    def segments(self) -> list[dict]:
        """Stacked-bar segments in percent of the answers, for the SVG bars."""
        segments, x = [], 0.0
        for name in ("recognised", "missing", "unsure"):
            width = 100 * getattr(self, name) / self.answered if self.answered else 0
            if width:
                segments.append({"name": name, "x": f"{x:.2f}", "width": f"{width:.2f}"})
            x += width
        return segments


@dataclass
class BehaviourResult:
    behaviour: Behaviour
    counts: Counts | None  # None: fewer than k respondents, nothing may be shown

    @property
    def shown(self) -> bool:
        return self.counts is not None


@dataclass
class CardResult:
    principle: Principle
    respondents_enough: bool
    behaviours: list[BehaviourResult] = field(default_factory=list)
    summary: Counts | None = None

    @property
    def shown(self) -> bool:
        return self.summary is not None


def count_answers(gesprek: Gesprek) -> tuple[dict[int, Counts], dict[int, int]]:
    """Per behaviour counts and per card the number of distinct respondents, in two queries.

    Once the retention job deleted the answers, the counts come from the gesprek's archive,
    which holds only what was shown (at or above k); the threshold then gives the same result.
    """
    archive = gesprek.archived()
    if archive is not None:
        return archived_counts(archive)
    answers = Answer.objects.filter(participant__gesprek=gesprek).filter(respondent_filter())
    per_behaviour = {
        row["behaviour_id"]: Counts(
            respondents=row["respondents"],
            recognised=row["recognised"],
            missing=row["missing"],
            unsure=row["unsure"],
            discuss=row["discuss_count"],
        )
        for row in answers.values("behaviour_id").annotate(
            respondents=Count("id"),
            recognised=Count("id", filter=Q(choice=Choice.RECOGNISED)),
            missing=Count("id", filter=Q(choice=Choice.MISSING)),
            unsure=Count("id", filter=Q(choice=Choice.UNSURE)),
            discuss_count=Count("id", filter=Q(discuss=True)),
        )
    }
    per_card = {
        row["behaviour__principle_id"]: row["n"]
        for row in answers.values("behaviour__principle_id").annotate(
            n=Count("participant_id", distinct=True)
        )
    }
    return per_behaviour, per_card


COUNT_FIELDS = ("respondents", "recognised", "missing", "unsure", "discuss")


def archived_counts(archive) -> tuple[dict[int, Counts], dict[int, int]]:
    per_behaviour = {
        int(pk): Counts(**dict(zip(COUNT_FIELDS, values, strict=True)))
        for pk, values in archive.behaviours.items()
    }
    per_card = {int(pk): respondents for pk, respondents in archive.cards.items()}
    return per_behaviour, per_card


def shown_counts(cards: list[CardResult]) -> tuple[dict, dict]:
    """What `cards` show, for the archive: behaviours and cards at or above k only."""
    behaviours = {
        str(result.behaviour.pk): [getattr(result.counts, name) for name in COUNT_FIELDS]
        for card in cards
        for result in card.behaviours
        if result.shown
    }
    shown = {str(card.principle.pk): card.summary.respondents for card in cards if card.shown}
    return behaviours, shown


def apply_threshold(
    behaviours: list[Behaviour], per_behaviour: dict[int, Counts], per_card: dict[int, int], k: int
) -> list[CardResult]:
    cards: dict[int, CardResult] = {}
    for behaviour in behaviours:
        principle = behaviour.principle
        card = cards.get(principle.pk)
        if card is None:
            enough = per_card.get(principle.pk, 0) >= k
            card = cards[principle.pk] = CardResult(principle, enough, summary=None)
            if enough:
                card.summary = Counts()
        counts = per_behaviour.get(behaviour.pk)
        visible = card.respondents_enough and counts is not None and counts.respondents >= k
        card.behaviours.append(BehaviourResult(behaviour, counts if visible else None))
        if visible:
            card.summary.add(counts)
    for card in cards.values():
        if card.summary is not None:
            card.summary.respondents = per_card[card.principle.pk]
    return list(cards.values())


def results_for(gesprek: Gesprek, sort: str = "order") -> list[CardResult]:
    behaviours = list(behaviours_of(gesprek))
    per_behaviour, per_card = count_answers(gesprek)
    cards = apply_threshold(behaviours, per_behaviour, per_card, gesprek.threshold)
    key = SORTS.get(sort)
    if key:
        for card in cards:
            card.behaviours.sort(
                key=lambda result: -getattr(result.counts, key) if result.shown else 1
            )
    return cards

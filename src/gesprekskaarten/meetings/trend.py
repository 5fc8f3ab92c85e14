"""Trend: how the team's picture changed since its previous gesprek on the same cards.

The previous gesprek is the team's latest earlier closed gesprek that shares at least one card.
Deck versions may differ between the two, so principles are matched by slug and behaviours by
principle slug + behaviour key. A comparison is made only where both sides show numbers under
the anonymity rule (results.py gives None below k) and both have at least k answers (with the
higher of the two thresholds); everywhere else the trend says "no comparison", never a number.
"""

from dataclasses import dataclass

from .models import Gesprek, Step
from .results import CardResult, Counts, results_for

TOO_FEW = "too-few"  # one of the two sides has too few answers
NOT_BEFORE = "not-before"  # the previous gesprek did not ask about it


@dataclass(frozen=True)
class Share:
    """One answer's share of all answers, in whole percent, then and now."""

    then: int
    now: int

    @property
    def difference(self) -> int:
        """In percentage points."""
        return self.now - self.then

    @property
    def size(self) -> int:
        return abs(self.difference)

    @property
    def direction(self) -> str:
        return "up" if self.difference > 0 else "down" if self.difference < 0 else "same"


@dataclass(frozen=True)
class Comparison:
    recognised: Share | None = None
    missing: Share | None = None
    reason: str = ""  # why there is no comparison: TOO_FEW or NOT_BEFORE

    @property
    def shown(self) -> bool:
        return self.recognised is not None


def percent(part: int, whole: int) -> int:
    """Rounded half up, in whole numbers."""
    return (200 * part + whole) // (2 * whole)


def _enough(counts: Counts | None, k: int) -> bool:
    return counts is not None and counts.respondents >= k and counts.answered >= k


def compare(then: Counts | None, now: Counts | None, k: int) -> Comparison:
    """Compare two aggregates; numbers only when both reach k respondents and answers."""
    if not (_enough(then, k) and _enough(now, k)):
        return Comparison(reason=TOO_FEW)
    return Comparison(
        recognised=Share(
            percent(then.recognised, then.answered), percent(now.recognised, now.answered)
        ),
        missing=Share(percent(then.missing, then.answered), percent(now.missing, now.answered)),
    )


def previous_gesprek(gesprek: Gesprek) -> Gesprek | None:
    slugs = gesprek.principles.values("slug")
    return (
        Gesprek.objects.filter(
            team=gesprek.team_id,
            # A mirror is compared with the same leader's mirror only, a team gesprek with team
            # gesprekken only: they are about different things.
            kind=gesprek.kind,
            leader=gesprek.leader_id,
            step=Step.CLOSED,
            created_at__lt=gesprek.created_at,
            principles__slug__in=slugs,
        )
        .exclude(pk=gesprek.pk)
        .order_by("-created_at")
        .first()
    )


def compare_cards(previous: list[CardResult], current: list[CardResult], k: int) -> None:
    """Put a Comparison on every card (`.trend`) and behaviour result of `current`."""
    cards = {card.principle.slug: card for card in previous}
    behaviours = {
        (card.principle.slug, result.behaviour.key): result
        for card in previous
        for result in card.behaviours
    }
    for card in current:
        slug = card.principle.slug
        then = cards.get(slug)
        card.trend = (
            compare(then.summary, card.summary, k) if then else Comparison(reason=NOT_BEFORE)
        )
        for result in card.behaviours:
            before = behaviours.get((slug, result.behaviour.key))
            result.trend = (
                compare(before.counts, result.counts, k)
                if before
                else Comparison(reason=NOT_BEFORE)
            )


def annotate(gesprek: Gesprek, cards: list[CardResult]) -> Gesprek | None:
    """Add the trend to the results of `gesprek`; returns the gesprek compared with, if any."""
    previous = previous_gesprek(gesprek)
    if previous is not None:
        k = max(gesprek.threshold, previous.threshold)
        compare_cards(results_for(previous), cards, k)
    return previous

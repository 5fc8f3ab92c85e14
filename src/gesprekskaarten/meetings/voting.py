"""Dot voting: each participant spreads N dots over the options, several on one if they like.

Totals are shown only once a vote is closed and only when at least k people voted; before
that nothing about the votes leaves the server. Who placed which dots is never shown.
"""

from dataclasses import dataclass

from django.db.models import Sum

from .models import DotVote, Gesprek, PlacedDots

VOTE = "gk-vote"  # the page region that shows the vote


@dataclass
class OptionResult:
    id: int
    text: str
    dots: int
    rank: int  # 1 = most dots; options with equal dots share a rank (a tie is a tie)
    tied: bool


@dataclass
class VoteResult:
    vote: DotVote
    voters: int
    options: list[OptionResult] | None  # None: open, or fewer than k voters

    @property
    def shown(self) -> bool:
        return self.options is not None


def voters(vote: DotVote) -> int:
    return PlacedDots.objects.filter(option__vote=vote).values("participant").distinct().count()


def vote_result(vote: DotVote, threshold: int) -> VoteResult:
    count = voters(vote)
    if vote.is_open or count < threshold:
        return VoteResult(vote, count, None)
    totals = dict(
        PlacedDots.objects.filter(option__vote=vote)
        .values_list("option")
        .annotate(total=Sum("count"))
        .values_list("option", "total")
    )
    options = [(o.pk, o.text, totals.get(o.pk, 0)) for o in vote.options.all()]
    options.sort(key=lambda o: -o[2])
    results = []
    for pk, text, dots in options:
        rank = 1 + sum(1 for other in options if other[2] > dots)
        tied = sum(1 for other in options if other[2] == dots) > 1
        results.append(OptionResult(pk, text, dots, rank, tied))
    return VoteResult(vote, count, results)


def closed_vote_results(gesprek: Gesprek) -> list[VoteResult]:
    """Every closed vote of the gesprek, oldest first, as any screen or report may show it."""
    return [
        vote_result(vote, gesprek.threshold)
        for vote in DotVote.objects.filter(gesprek=gesprek, is_open=False).prefetch_related(
            "options"
        )
    ]

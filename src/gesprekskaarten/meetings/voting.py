"""Dot voting: each participant spreads N dots over the options, several on one if they like.

Totals are shown only once a vote is closed and only when at least k people voted; before
that only the number of people who voted leaves the server. Who placed which dots is never
shown: a participant sees their own dots, everyone else only totals.

Like services.py, every change is one transaction with its live event.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Sum
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from . import events
from .models import (
    DEFAULT_DOTS,
    MAX_DOTS,
    VOTE_OPTION_MAX_LENGTH,
    DotVote,
    Gesprek,
    Participant,
    PlacedDots,
    Step,
    Theme,
    VoteOption,
)
from .services import MeetingError

VOTE = events.VOTE_REGION
VOTERS = events.VOTERS_REGION
MIN_OPTIONS = 2
MAX_OPTIONS = 20


@dataclass
class OptionResult:
    id: int
    text: str
    dots: int
    rank: int  # 1 = most dots; options with equal dots share a rank (a tie is a tie)
    tied: bool
    share: int = 0  # percentage of the most dots any option got: the length of its bar


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
    return ranked(vote, count, totals)


def ranked(vote: DotVote, count: int, totals: dict[int, int]) -> VoteResult:
    """The shown result of a closed vote, from the dots per option."""
    options = [(o.pk, o.text, totals.get(o.pk, 0)) for o in vote.options.all()]
    options.sort(key=lambda o: -o[2])
    most = max((o[2] for o in options), default=0) or 1
    results = []
    for pk, text, dots in options:
        rank = 1 + sum(1 for other in options if other[2] > dots)
        tied = sum(1 for other in options if other[2] == dots) > 1
        results.append(OptionResult(pk, text, dots, rank, tied, round(100 * dots / most)))
    return VoteResult(vote, count, results)


def archived_vote_result(vote: DotVote, archive) -> VoteResult:
    """A closed vote's result as kept when the dots went (retention)."""
    kept = archive.votes.get(str(vote.pk), {"voters": 0, "dots": None})
    if kept["dots"] is None:
        return VoteResult(vote, kept["voters"], None)
    totals = {int(pk): dots for pk, dots in kept["dots"].items()}
    return ranked(vote, kept["voters"], totals)


def shown_votes(results: list[VoteResult]) -> dict:
    """What the closed votes show, for the archive: dot totals only where shown."""
    return {
        str(result.vote.pk): {
            "voters": result.voters,
            "dots": (
                {str(option.id): option.dots for option in result.options} if result.shown else None
            ),
        }
        for result in results
    }


def closed_vote_results(gesprek: Gesprek) -> list[VoteResult]:
    """Every closed vote of the gesprek, oldest first, as any screen or report may show it."""
    archive = gesprek.archived()
    if archive is not None:
        return [
            archived_vote_result(vote, archive)
            for vote in DotVote.objects.filter(gesprek=gesprek, is_open=False).prefetch_related(
                "options"
            )
        ]
    return [
        vote_result(vote, gesprek.threshold)
        for vote in DotVote.objects.filter(gesprek=gesprek, is_open=False).prefetch_related(
            "options"
        )
    ]


# --- what a discussion page shows ----------------------------------------------------------


@dataclass
class Round:
    number: int  # 1 for the gesprek's first vote, and so on
    result: VoteResult


@dataclass
class VoteBox:
    """The open vote (if any) and the closed rounds, newest first, for one screen."""

    open: DotVote | None
    options: list[VoteOption]
    voters: int
    participants: int
    number: int  # the open vote's round number
    own: dict[int, int] = field(default_factory=dict)  # the viewer's own dots per option
    rounds: list[Round] = field(default_factory=list)

    @property
    def own_total(self) -> int:
        return sum(self.own.values())


def vote_box(gesprek: Gesprek, viewer: Participant | None = None) -> VoteBox:
    votes = list(DotVote.objects.filter(gesprek=gesprek).prefetch_related("options"))
    archive = gesprek.archived()
    rounds = [
        Round(
            number,
            archived_vote_result(vote, archive)
            if archive is not None
            else vote_result(vote, gesprek.threshold),
        )
        for number, vote in enumerate(votes, start=1)
        if not vote.is_open
    ]
    current = next((vote for vote in votes if vote.is_open), None)
    box = VoteBox(
        open=current,
        options=list(current.options.all()) if current else [],
        voters=voters(current) if current else 0,
        participants=archive.participants if archive else gesprek.participants.count(),
        number=votes.index(current) + 1 if current else 0,
        rounds=rounds[::-1],
    )
    if current and viewer is not None:
        box.own = dots_of(viewer, current)
    return box


def open_vote_of(gesprek: Gesprek) -> DotVote | None:
    return DotVote.objects.filter(gesprek=gesprek, is_open=True).first()


def dots_of(participant: Participant, vote: DotVote) -> dict[int, int]:
    """This participant's own dots per option: for their own ballot, nobody else's."""
    return dict(
        PlacedDots.objects.filter(option__vote=vote, participant=participant).values_list(
            "option_id", "count"
        )
    )


# --- changes -------------------------------------------------------------------------------


def _locked(gesprek: Gesprek, ended: str) -> Gesprek:
    locked = Gesprek.objects.select_for_update().get(pk=gesprek.pk)
    if locked.step == Step.CLOSED:
        raise MeetingError(ended)
    if locked.step != Step.DISCUSSION:
        raise MeetingError(_("Dot voting happens during the discussion."))
    return locked


def _option_texts(gesprek: Gesprek, theme_ids: Iterable[int], proposals: str) -> list[dict]:
    """The options of a new vote: the chosen themes (their names copied), then the proposals,
    one per line."""
    ids = list(dict.fromkeys(theme_ids))
    themes = {t.pk: t for t in Theme.objects.filter(gesprek=gesprek, pk__in=ids)}
    if len(themes) != len(ids):
        raise MeetingError(_("One of these themes does not exist (any more). Reload the page."))
    options = [{"theme": themes[pk], "text": themes[pk].name} for pk in ids]
    lines = [" ".join(line.split()) for line in (proposals or "").splitlines()]
    for number, line in enumerate(filter(None, lines), start=1):
        if len(line) > VOTE_OPTION_MAX_LENGTH:
            raise MeetingError(
                _("Proposal %(number)s has %(n)s characters; at most %(max)s fit.")
                % {"number": number, "n": len(line), "max": VOTE_OPTION_MAX_LENGTH}
            )
        options.append({"theme": None, "text": line})
    seen = set()
    for option in options:
        key = option["text"].casefold()
        if key in seen:
            raise MeetingError(
                _("“%(text)s” is on the list twice. Keep it once.") % {"text": option["text"]}
            )
        seen.add(key)
    if len(options) < MIN_OPTIONS:
        raise MeetingError(
            _("A vote needs at least %(min)s options. Tick themes or type proposals, one per line.")
            % {"min": MIN_OPTIONS}
        )
    if len(options) > MAX_OPTIONS:
        raise MeetingError(
            _("A vote can have at most %(max)s options; this one has %(n)s.")
            % {"max": MAX_OPTIONS, "n": len(options)}
        )
    return options


@transaction.atomic
def open_vote(
    gesprek: Gesprek,
    *,
    theme_ids: Iterable[int] = (),
    proposals: str = "",
    dots: int = DEFAULT_DOTS,
) -> DotVote:
    """Open a new round on themes and/or proposals; one vote is open at a time."""
    locked = _locked(gesprek, _("This gesprek has ended. No new vote can be opened."))
    if open_vote_of(locked):
        raise MeetingError(_("A vote is already open. Close it first."))
    if not 1 <= dots <= MAX_DOTS:
        raise MeetingError(_("Choose from 1 to %(max)s dots per person.") % {"max": MAX_DOTS})
    options = _option_texts(locked, theme_ids, proposals)
    vote = DotVote.objects.create(gesprek=locked, dots=dots)
    VoteOption.objects.bulk_create(VoteOption(vote=vote, **option) for option in options)
    events.regions_changed(locked, VOTE)
    return vote


@transaction.atomic
def close_vote(gesprek: Gesprek) -> DotVote:
    """Close the open vote: its results appear on every screen (from k voters on)."""
    locked = _locked(gesprek, _("This gesprek has ended. The vote can no longer be changed."))
    vote = open_vote_of(locked)
    if vote is None:
        raise MeetingError(_("There is no open vote to close."))
    vote.is_open = False
    vote.save(update_fields=["is_open"])
    events.regions_changed(locked, VOTE)
    return vote


def close_open_votes(gesprek: Gesprek) -> None:
    """For closing the gesprek, inside its transaction: a vote still open then closes with it,
    so its results are kept and shown (the step change refreshes every screen)."""
    DotVote.objects.filter(gesprek=gesprek, is_open=True).update(is_open=False)


@transaction.atomic
def place_dots(participant: Participant, vote_id: int, counts: dict[int, int]) -> int:
    """Replace this participant's dots on an open vote with `counts` {option id: dots};
    returns how many dots they placed in all."""
    gesprek = _locked(participant.gesprek, _("This gesprek has ended. Your dots were not saved."))
    vote = DotVote.objects.filter(pk=vote_id, gesprek=gesprek).first()
    if vote is None or not vote.is_open:
        raise MeetingError(_("This vote is closed. Your dots were not saved."))
    options = set(vote.options.values_list("pk", flat=True))
    if set(counts) - options:
        raise MeetingError(_("This option is not part of the vote. Reload the page."))
    if any(count < 0 for count in counts.values()):
        raise MeetingError(_("A number of dots cannot be below 0."))
    total = sum(counts.values())
    if total > vote.dots:
        raise MeetingError(
            ngettext(
                "You placed %(n)s dots; you have %(max)s dot.",
                "You placed %(n)s dots; you have %(max)s dots.",
                vote.dots,
            )
            % {"n": total, "max": vote.dots}
        )
    mine = PlacedDots.objects.filter(option__vote=vote, participant=participant)
    had_voted = mine.exists()
    mine.delete()
    PlacedDots.objects.bulk_create(
        PlacedDots(option_id=option, participant=participant, count=count)
        for option, count in counts.items()
        if count
    )
    if had_voted != bool(total):  # only the number of voters is news while the vote is open
        events.regions_changed(gesprek, VOTERS)
    return total

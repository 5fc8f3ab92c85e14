"""The presenter screen's pictures of the results: pages of stacked bars, made from
results.py's data only (so a card or behaviour below k has no numbers here either).

Page 0 is the overview of all cards (one bar per card); then every card gets one page, or more
when it has more behaviours than fit on a 16:9 screen ("part 1 of 2").
"""

from dataclasses import dataclass, field

from .mirror import GROUPS
from .results import CardResult, Counts

ROWS_PER_PAGE = 8  # behaviours per page: two lines of text and a bar each fit 1280x720
MIRROR_ROWS_PER_PAGE = 5  # a shared mirror's rows also say the leader's view and the group
BAR_WIDTH = 1000  # the bars' SVG units
MIN_LABEL_WIDTH = 70  # a segment narrower than this carries no number (it would not fit)
ANSWERS = ("recognised", "missing", "unsure")


@dataclass
class Bar:
    counts: Counts

    @property
    def segments(self) -> list[dict]:
        answered = self.counts.answered
        segments, x = [], 0.0
        for name in ANSWERS:
            number = getattr(self.counts, name)
            width = BAR_WIDTH * number / answered if answered else 0
            if width:
                segments.append(
                    {
                        "name": name,
                        "number": number,
                        "x": f"{x:.1f}",
                        "width": f"{width:.1f}",
                        "label_x": f"{x + width / 2:.1f}",
                        "labelled": width >= MIN_LABEL_WIDTH,
                    }
                )
            x += width
        return segments


@dataclass
class Row:
    result: object  # results.BehaviourResult
    bar: Bar | None
    most_discussed: bool = False
    most_missed: bool = False


@dataclass
class Page:
    number: int
    card: CardResult | None = None  # None: the overview
    bars: list[tuple[CardResult, Bar | None]] = field(default_factory=list)
    rows: list[Row] = field(default_factory=list)
    part: int = 1
    parts: int = 1
    # A leader's mirror its leader shared (meetings/mirror.py): its comparison pages come
    # after the cards; `mirror_rows` are mirror.Row (differences first).
    is_mirror: bool = False
    mirror_rows: list = field(default_factory=list)


def _most(shown, name: str):
    """The behaviour with the highest count of `name`, unless nobody chose it."""
    best = max(shown, key=lambda result: getattr(result.counts, name), default=None)
    return best.behaviour.pk if best and getattr(best.counts, name) else None


def pages(results: list[CardResult], comparison=None) -> list[Page]:
    """The overview, the cards, and the pages of a shared mirror's `comparison` (or None)."""
    overview = Page(0, bars=[(card, Bar(card.summary) if card.shown else None) for card in results])
    made = [overview]
    for card in results:
        shown = [result for result in card.behaviours if result.shown]
        discussed, missed = _most(shown, "discuss"), _most(shown, "missing")
        rows = (
            [
                Row(
                    result,
                    Bar(result.counts) if result.shown else None,
                    most_discussed=result.behaviour.pk == discussed,
                    most_missed=result.behaviour.pk == missed,
                )
                for result in card.behaviours
            ]
            if card.shown
            else []
        )
        chunks = [rows[i : i + ROWS_PER_PAGE] for i in range(0, len(rows), ROWS_PER_PAGE)]
        chunks = chunks or [[]]
        for part, chunk in enumerate(chunks, start=1):
            made.append(Page(len(made), card=card, rows=chunk, part=part, parts=len(chunks)))
    if comparison is not None:
        rows = [row for name in GROUPS for row in comparison.group(name)]
        size = MIRROR_ROWS_PER_PAGE
        chunks = [rows[i : i + size] for i in range(0, len(rows), size)] or [[]]
        for part, chunk in enumerate(chunks, start=1):
            made.append(
                Page(len(made), is_mirror=True, mirror_rows=chunk, part=part, parts=len(chunks))
            )
    return made

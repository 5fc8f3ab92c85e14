"""A team's history: its gesprekken, how its agreements stood over time, and per principle how
much the team recognised of it, gesprek after gesprek.

Like the gesprek report, this only reads through the anonymity rules: the trend comes from
`results_for` (a card below k has no numbers, so it gets no point), agreements from their
recorded history. Nothing here holds a participant.
"""

import datetime
import json
import logging
from dataclasses import dataclass, field

import typst
from django.db.models import Count
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from gesprekskaarten.agreements.models import Agreement, Status
from gesprekskaarten.decks.models import localized
from gesprekskaarten.meetings.models import Gesprek, Kind
from gesprekskaarten.meetings.results import results_for
from gesprekskaarten.teams.models import Team

from . import labels as text
from .gesprek_report import ReportError
from .pdf_text import PdfText, replaced_note, strip_bidi_controls
from .summary import changes_by_agreement, status_at
from .typst_pdf import compile_pdf

logger = logging.getLogger(__name__)

# The trend chart's drawing area (SVG user units); the labels go in the margins.
CHART_WIDTH, CHART_HEIGHT = 640, 240
CHART_LEFT, CHART_RIGHT, CHART_TOP, CHART_BOTTOM = 48, 40, 24, 40
MAX_DATE_LABELS = 7


@dataclass
class GesprekRow:
    public_id: str
    title: str
    started_at: datetime.datetime
    step_label: str
    is_closed: bool
    cards: list[str]
    participants: int

    @property
    def date(self) -> datetime.date:
        return timezone.localtime(self.started_at).date()


@dataclass
class StatusRow:
    label: str  # which moment: a gesprek's date and title, or "today"
    counts: dict[str, int]  # Status value → number of agreements

    @property
    def ordered(self) -> list[int]:
        """The counts in the order of Status: open, in progress, done, dropped."""
        return [self.counts[value] for value in Status.values]


@dataclass
class TrendPoint:
    date: datetime.date
    title: str
    share: float | None  # of the answers, the part "I see this"; None below k
    respondents: int | None

    @property
    def percent(self) -> int | None:
        return None if self.share is None else round(self.share * 100)


@dataclass
class PrincipleTrend:
    slug: str
    title: str
    points: list[TrendPoint] = field(default_factory=list)

    @property
    def shown(self) -> list[TrendPoint]:
        return [point for point in self.points if point.share is not None]

    def chart(self) -> dict:
        """Coordinates for the SVG line chart: one slot per gesprek, a dot where it reached k."""
        inner_w = CHART_WIDTH - CHART_LEFT - CHART_RIGHT
        inner_h = CHART_HEIGHT - CHART_TOP - CHART_BOTTOM
        slots = len(self.points)
        step = inner_w / max(slots - 1, 1)
        every = -(-slots // MAX_DATE_LABELS)  # so that the dates under the chart never overlap
        dots, labels = [], []
        for index, point in enumerate(self.points):
            x = CHART_LEFT + (index * step if slots > 1 else inner_w / 2)
            if index % every == 0:
                labels.append({"x": f"{x:.1f}", "text": f"{point.date:%d-%m-%Y}"})
            if point.share is not None:
                y = CHART_TOP + inner_h * (1 - point.share)
                dots.append({"x": f"{x:.1f}", "y": f"{y:.1f}", "text": f"{point.percent}%"})
        grid = [
            {"y": f"{CHART_TOP + inner_h * (1 - level / 100):.1f}", "text": f"{level}%"}
            for level in (0, 50, 100)
        ]
        return {
            "width": CHART_WIDTH,
            "height": CHART_HEIGHT,
            "left": CHART_LEFT,
            "right": CHART_WIDTH - CHART_RIGHT,
            "label_y": CHART_HEIGHT - CHART_BOTTOM + 22,
            "grid": grid,
            "dots": dots,
            "line": " ".join(f"{d['x']},{d['y']}" for d in dots),
            "labels": labels,
        }


@dataclass
class TeamHistory:
    team_name: str
    team_slug: str
    language: str
    gesprekken: list[GesprekRow]
    statuses: list[StatusRow]
    trends: list[PrincipleTrend]
    made_at: datetime.datetime


def _status_rows(team: Team, closed: list[Gesprek], now) -> list[StatusRow]:
    agreements = list(Agreement.objects.filter(team=team))
    changes = changes_by_agreement(agreements, fields=("status",))
    moments = [(f"{text.long_date(_local_date(g.closed_at))}: {g}", g.closed_at) for g in closed]
    moments.append((_("Today"), now))
    rows = []
    for label, moment in moments:
        counts = dict.fromkeys(Status.values, 0)
        for agreement in agreements:
            if agreement.created_at <= moment:
                counts[status_at(agreement, changes.get((agreement.pk, "status"), []), moment)] += 1
        rows.append(StatusRow(str(label), counts))
    return rows


def _local_date(moment) -> datetime.date:
    return timezone.localtime(moment).date()


def _trends(closed: list[Gesprek], language: str) -> list[PrincipleTrend]:
    trends: dict[str, PrincipleTrend] = {}
    orders: dict[str, int] = {}
    for gesprek in closed:
        fallback = gesprek.deck_version.default_language
        for card in results_for(gesprek):
            principle = card.principle
            # Principles of another deck version with the same slug are the same card.
            trend = trends.setdefault(principle.slug, PrincipleTrend(principle.slug, ""))
            trend.title = localized(principle.title, language, fallback)  # the newest wording
            orders[principle.slug] = principle.order
            share = respondents = None
            if card.summary is not None and card.summary.answered:
                share = card.summary.recognised / card.summary.answered
                respondents = card.summary.respondents
            trend.points.append(
                TrendPoint(_local_date(gesprek.created_at), str(gesprek), share, respondents)
            )
    return sorted(trends.values(), key=lambda trend: orders[trend.slug])  # in card order


def build_history(team: Team, language: str | None = None) -> TeamHistory:
    language = (language or get_language() or "nl").split("-")[0]
    gesprekken = list(
        # A leader's mirror is about one person and is its leader's (docs/leaders-mirror.md):
        # never in the team's history, shared or not.
        Gesprek.objects.filter(team=team, kind=Kind.TEAM)
        .select_related("deck_version__deck", "team", "archive")
        .prefetch_related("principles")
        .annotate(participant_count=Count("participants", distinct=True))
        .order_by("created_at")
    )
    closed = [g for g in gesprekken if g.is_closed]
    now = timezone.now()
    with translation.override(language):
        rows = [
            GesprekRow(
                public_id=str(g.public_id),
                title=str(g),
                started_at=g.created_at,
                step_label=str(g.get_step_display()),
                is_closed=g.is_closed,
                cards=[
                    localized(p.title, language, g.deck_version.default_language)
                    for p in sorted(g.principles.all(), key=lambda p: p.order)
                ],
                # Once the participants went (retention), the archive holds how many there were.
                participants=g.archive.participants if g.raw_deleted_at else g.participant_count,
            )
            for g in gesprekken
        ]
        statuses = _status_rows(team, closed, now)
    return TeamHistory(
        team_name=team.name,
        team_slug=team.slug,
        language=language,
        gesprekken=rows,
        statuses=statuses,
        trends=_trends(closed, language),
        made_at=now,
    )


def history_filename(team: Team) -> str:
    return f"geschiedenis-{team.slug}.pdf"


def trend_svg(trend: PrincipleTrend, chart_id: str) -> str:
    """The trend chart as SVG; the same drawing goes on the page and into the PDF."""
    context = {
        "trend": trend,
        "chart": trend.chart(),
        "chart_id": chart_id,
        "description": trend_description(trend),
    }
    return render_to_string("reports/trend_chart.svg", context)


def trend_description(trend: PrincipleTrend) -> str:
    """What the chart shows, in words: for screen readers and the PDF's alternative text."""
    parts = [
        _("%(date)s: %(percent)s%%") % {"date": text.long_date(p.date), "percent": p.percent}
        if p.share is not None
        else _("%(date)s: too few answers") % {"date": text.long_date(p.date)}
        for p in trend.points
    ]
    return _("Share of answers “I see this” per gesprek for %(title)s: %(points)s.") % {
        "title": trend.title,
        "points": "; ".join(parts),
    }


def render_history_pdf(history: TeamHistory) -> bytes:
    """Any text can be in it: what no shipped font has is replaced, and the PDF says so."""
    pdf_text = PdfText()
    typed, plain = pdf_text.isolate, strip_bidi_controls
    with translation.override(history.language):
        label = text.report_labels()
        statuses = [str(Status(value).label) for value in Status.values]
        data = {
            "lang": history.language,
            "meta": {
                "title": _("History of %(team)s") % {"team": plain(history.team_name)},
                "author": plain(history.team_name),
                "description": _(
                    "All gesprekken of the team, its agreements over time and the trend per "
                    "principle."
                ),
                "keywords": [plain(history.team_name), _("team history")],
            },
            "heading": _("History of %(team)s") % {"team": typed(history.team_name)},
            "label": _("Team history"),
            "made": _("Made on %(date)s.") % {"date": text.long_date(_local_date(history.made_at))},
            "gesprekken": {
                "heading": _("Gesprekken"),
                "columns": [label["date"], _("Gesprek"), label["cards"], label["participants"]],
                "rows": [
                    [
                        text.long_date(row.date),
                        typed(row.title)
                        if row.is_closed
                        else f"{typed(row.title)} ({row.step_label})",
                        ", ".join(typed(card) for card in row.cards),
                        str(row.participants),
                    ]
                    for row in history.gesprekken
                ],
                "empty": _("This team has no gesprekken yet."),
            },
            "statuses": {
                "heading": _("Agreements over time"),
                "intro": _("How many agreements had each status when a gesprek ended, and today."),
                "columns": [_("Moment"), *statuses],
                "rows": [
                    [row.label, *(str(count) for count in row.ordered)] for row in history.statuses
                ],
            },
            "trends": {
                "heading": _("Trend per principle"),
                "intro": trend_intro(),
                "columns": [label["date"], _("Gesprek"), _("I see this"), _("People who answered")],
                "empty": _("No ended gesprekken yet."),
                "items": [
                    {
                        "title": typed(trend.title),
                        "svg": trend_svg(trend, f"gk-trend-{number}"),
                        "alt": trend_description(trend),
                        "rows": [
                            [
                                text.long_date(p.date),
                                typed(p.title),
                                f"{p.percent}%" if p.share is not None else label["too_few"],
                                str(p.respondents) if p.respondents is not None else "",
                            ]
                            for p in trend.points
                        ],
                    }
                    for number, trend in enumerate(history.trends, start=1)
                ],
            },
        }
        data = pdf_text.clean_all(data)
        if pdf_text.replaced:
            data["replaced"] = replaced_note()
    try:
        return compile_pdf(
            "history.typ",
            {"data": json.dumps(data, ensure_ascii=False)},
            timestamp=history.made_at,
        )
    except typst.TypstError as error:
        logger.error("The history of team %s failed:\n%s", history.team_slug, error.diagnostic)
        raise ReportError(_("The PDF could not be made. Please try again later.")) from error


def trend_intro() -> str:
    return _(
        "For each principle: of all answers, the part “I see this”, per ended gesprek. A gesprek "
        "where fewer people answered than its anonymity threshold gets no point."
    )

"""Organisation insight: publishing a closed quarter once, and reading what was published.

Reads each gesprek only through `meetings.results.results_for` (what the gesprek showed at or
above its own k, also after retention replaced the raw answers with its archive) and agreements
through their recorded status history. The k rules themselves are in insight/figures.py.
"""

import datetime
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.utils import timezone

from gesprekskaarten.agreements.models import Agreement
from gesprekskaarten.decks.models import Deck, localized
from gesprekskaarten.decks.services import default_deck_version
from gesprekskaarten.meetings.models import Gesprek, Kind, Step
from gesprekskaarten.meetings.results import COUNT_FIELDS, Counts, results_for
from gesprekskaarten.reports.summary import changes_by_agreement, status_at

from . import figures as rules
from .models import InsightPeriod

# -- quarters ---------------------------------------------------------------------------------


def quarter_start(day: datetime.date) -> datetime.date:
    return datetime.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def next_quarter(start: datetime.date) -> datetime.date:
    return datetime.date(start.year + (start.month == 10), (start.month + 2) % 12 + 1, 1)


def quarter_bounds(start: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    """The quarter as [start, end) moments in the site's time zone."""
    zone = timezone.get_default_timezone()
    begin = datetime.datetime.combine(start, datetime.time.min, tzinfo=zone)
    end = datetime.datetime.combine(next_quarter(start), datetime.time.min, tzinfo=zone)
    return begin, end


def parse_period(slug: str) -> datetime.date | None:
    """'2026-k3' -> 2026-07-01; anything else None."""
    year, _, quarter = slug.partition("-k")
    if not (year.isdigit() and len(year) == 4 and quarter in ("1", "2", "3", "4")):
        return None
    return datetime.date(int(year), 3 * (int(quarter) - 1) + 1, 1)


# -- what each gesprek showed -------------------------------------------------------------------


def behaviour_key(deck_slug: str, behaviour) -> str:
    return f"{deck_slug}/{behaviour.principle.slug}/{behaviour.key}"


def closed_in(organisation, start: datetime.date, team=None):
    begin, end = quarter_bounds(start)
    # A leader's mirror is about one person: it never counts here, shared or not.
    gesprekken = Gesprek.objects.filter(
        team__organisation=organisation,
        kind=Kind.TEAM,
        step=Step.CLOSED,
        closed_at__gte=begin,
        closed_at__lt=end,
    )
    if team is not None:
        gesprekken = gesprekken.filter(team=team)
    return gesprekken.select_related("deck_version__deck", "archive").order_by("pk")


def _participants(gesprek: Gesprek) -> int:
    if gesprek.raw_deleted_at is not None and hasattr(gesprek, "archive"):
        return gesprek.archive.participants
    return gesprek.participants.count()


def contributions(organisation, start: datetime.date, team=None) -> list[rules.Contribution]:
    """Per gesprek closed in the quarter: its shown behaviour counts, its agreements per
    (principle, status at the quarter's end) and how many took part."""
    gesprekken = list(closed_in(organisation, start, team))
    _begin, end = quarter_bounds(start)
    agreements = list(
        Agreement.objects.filter(gesprek__in=gesprekken, created_at__lt=end).prefetch_related(
            "principles"
        )
    )
    changes = changes_by_agreement(agreements, fields=("status",))
    cells: dict[int, dict] = {}
    for agreement in agreements:
        status = status_at(agreement, changes.get((agreement.pk, "status"), []), end)
        deck = next(g.deck_version.deck.slug for g in gesprekken if g.pk == agreement.gesprek_id)
        principles = [f"{deck}/{p.slug}" for p in agreement.principles.all()] or [
            rules.NO_PRINCIPLE
        ]
        own = cells.setdefault(agreement.gesprek_id, {})
        for principle in principles:
            own[(principle, status)] = own.get((principle, status), 0) + 1
    result = []
    for gesprek in gesprekken:
        deck = gesprek.deck_version.deck.slug
        shown = {
            behaviour_key(deck, item.behaviour): tuple(
                getattr(item.counts, name) for name in COUNT_FIELDS
            )
            for card in results_for(gesprek)
            for item in card.behaviours
            if item.shown
        }
        result.append(
            rules.Contribution(
                team=gesprek.team_id,
                gesprek=gesprek.pk,
                behaviours=shown,
                agreements=cells.get(gesprek.pk, {}),
                participants=_participants(gesprek),
            )
        )
    return result


# -- publishing -------------------------------------------------------------------------------


def publish_period(organisation, start: datetime.date) -> InsightPeriod:
    """Compute and store one quarter, once. A second call (or a race) returns the stored one."""
    existing = InsightPeriod.objects.filter(organisation=organisation, starts_on=start).first()
    if existing is not None:
        return existing
    figures = rules.compute(contributions(organisation, start))
    try:
        with transaction.atomic():
            return InsightPeriod.objects.create(
                organisation=organisation, starts_on=start, figures=figures
            )
    except IntegrityError:
        return InsightPeriod.objects.get(organisation=organisation, starts_on=start)


def publish_due(organisation, now: datetime.datetime | None = None) -> list[InsightPeriod]:
    """Publish every closed quarter since the organisation's first closed gesprek that has no
    snapshot yet; the current quarter never. Returns all published periods, oldest first."""
    today = timezone.localtime(now or timezone.now(), timezone.get_default_timezone()).date()
    current = quarter_start(today)
    first = (
        Gesprek.objects.filter(
            team__organisation=organisation, step=Step.CLOSED, closed_at__isnull=False
        )
        .order_by("closed_at")
        .values_list("closed_at", flat=True)
        .first()
    )
    if first is not None:
        done = set(
            InsightPeriod.objects.filter(organisation=organisation).values_list(
                "starts_on", flat=True
            )
        )
        start = quarter_start(timezone.localtime(first, timezone.get_default_timezone()).date())
        while start < current:
            if start not in done:
                publish_period(organisation, start)
            start = next_quarter(start)
    return list(
        InsightPeriod.objects.filter(organisation=organisation, starts_on__lt=current).order_by(
            "starts_on"
        )
    )


# -- reading what was published -------------------------------------------------------------------


def counts_of(values) -> Counts:
    return Counts(**dict(zip(COUNT_FIELDS, values, strict=True)))


@dataclass
class BehaviourFigure:
    key: str
    text: str
    audience: str
    counts: Counts | None  # None: not published (too few teams or people)
    teams: int | None = None


@dataclass
class PrincipleFigure:
    key: str
    title: str
    summary: Counts | None  # the sum of the published behaviours; None if none
    behaviours: list[BehaviourFigure] = field(default_factory=list)


def deck_versions(figures_list: list[dict]) -> list:
    """The newest version of each deck the figures speak of, the default deck first."""
    default = default_deck_version()
    slugs = {
        key.split("/", 1)[0] for figures in figures_list for key in figures.get("behaviours", {})
    }
    versions = [default] if default else []
    for deck in Deck.objects.filter(slug__in=slugs).order_by("slug"):
        version = deck.latest_version
        if version and version not in versions:
            versions.append(version)
    return versions


def principle_figures(figures: dict, language: str) -> list[PrincipleFigure]:
    published = figures.get("behaviours", {})
    principles = figures.get("principles", {})
    result = []
    for version in deck_versions([figures]):
        deck, fallback = version.deck.slug, version.default_language
        for principle in version.principles.order_by("order").prefetch_related("behaviours"):
            key = f"{deck}/{principle.slug}"
            summary = principles.get(key)
            row = PrincipleFigure(
                key=key,
                title=localized(principle.title, language, fallback),
                summary=counts_of(summary["counts"]) if summary else None,
            )
            for behaviour in sorted(
                principle.behaviours.all(), key=lambda b: (b.audience, b.order)
            ):
                figure = published.get(f"{key}/{behaviour.key}")
                row.behaviours.append(
                    BehaviourFigure(
                        key=f"{key}/{behaviour.key}",
                        text=localized(behaviour.text, language, fallback),
                        audience=behaviour.audience,
                        counts=counts_of(figure["counts"]) if figure else None,
                        teams=figure["teams"] if figure else None,
                    )
                )
            result.append(row)
    return result


@dataclass
class TrendRow:
    title: str
    points: list[tuple[str, int | None]]  # (period label, percent "I see this" or None)


def trend(periods: list[InsightPeriod], language: str) -> list[TrendRow]:
    """Per principle, per published period: the share "I see this" of its published figure."""
    rows = []
    for version in deck_versions([p.figures for p in periods]):
        deck, fallback = version.deck.slug, version.default_language
        for principle in version.principles.order_by("order"):
            key = f"{deck}/{principle.slug}"
            points = []
            for period in periods:
                figure = period.figures.get("principles", {}).get(key)
                counts = counts_of(figure["counts"]) if figure else None
                share = (
                    round(100 * counts.recognised / counts.answered)
                    if counts and counts.answered
                    else None
                )
                points.append((period.label, share))
            rows.append(TrendRow(localized(principle.title, language, fallback), points))
    return rows


@dataclass
class AgreementRow:
    title: str
    cells: list[int | None]  # per status; None: not published
    total: int | None  # the sum of the published cells; None if none is published


def agreement_rows(figures: dict, language: str) -> list[AgreementRow]:
    cells = figures.get("agreements", {})
    totals = figures.get("agreement_totals", {}).get("principles", {})
    rows = []
    titles = []
    for version in deck_versions([figures]):
        deck, fallback = version.deck.slug, version.default_language
        for principle in version.principles.order_by("order"):
            titles.append(
                (f"{deck}/{principle.slug}", localized(principle.title, language, fallback))
            )
    titles.append((rules.NO_PRINCIPLE, None))
    for key, title in titles:
        own = cells.get(key, {})
        rows.append(
            AgreementRow(
                title=title,
                cells=[own[s]["count"] if s in own else None for s in rules.STATUSES],
                total=totals.get(key) if own else None,
            )
        )
    return rows


def status_totals(figures: dict) -> list[int | None]:
    """Per status the sum of its published cells; None where no cell of it is published (a
    held-back figure is never shown as 0)."""
    totals = figures.get("agreement_totals", {}).get("statuses", {})
    cells = figures.get("agreements", {}).values()
    return [
        totals.get(status) if any(status in own for own in cells) else None
        for status in rules.STATUSES
    ]


# -- a team facilitator's comparison ---------------------------------------------------------------


@dataclass
class Comparison:
    key: str
    text: str
    team: Counts  # the team's own shown numbers in this quarter
    organisation: Counts | None  # None: not published, or too few teams without this team


def team_comparison(team, period: InsightPeriod, language: str) -> list[tuple[str, list]]:
    """Per principle: the behaviours the team showed in the quarter, its own numbers and the
    organisation's published figure where that figure without this team is still k-safe."""
    own: dict[str, Counts] = {}
    people: dict[str, int] = {}
    for item in contributions(team.organisation, period.starts_on, team=team):
        for key, values in item.behaviours.items():
            counts = own.setdefault(key, Counts())
            counts.add(counts_of(values))
            counts.respondents += values[0]
            people[key] = max(people.get(key, 0), values[0])
    published = period.figures.get("behaviours", {})
    result = []
    for principle in principle_figures(period.figures, language):
        rows = []
        for behaviour in principle.behaviours:
            if behaviour.key not in own:
                continue
            figure = published.get(behaviour.key)
            shown = figure is not None and rules.comparable(figure, people[behaviour.key])
            rows.append(
                Comparison(
                    key=behaviour.key,
                    text=behaviour.text,
                    team=own[behaviour.key],
                    organisation=counts_of(figure["counts"]) if shown else None,
                )
            )
        if rows:
            result.append((principle.title, rows))
    return result

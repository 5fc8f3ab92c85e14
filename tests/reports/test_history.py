"""The team history: agreement status over time from the recorded changes, the trend per
principle only where a gesprek reached k."""

import datetime

import pytest
from django.utils import timezone, translation

from gesprekskaarten.agreements import services as agreement_services
from gesprekskaarten.agreements.models import AgreementChange, Status
from gesprekskaarten.meetings import services
from gesprekskaarten.meetings.results import results_for
from gesprekskaarten.reports.history import (
    MAX_DATE_LABELS,
    PrincipleTrend,
    TrendPoint,
    build_history,
    render_history_pdf,
    trend_svg,
)
from tests.factories import make_facilitator
from tests.reports import pdfcheck
from tests.reports.builders import closed_gesprek

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def shift(gesprek, days):
    """Move a gesprek (and what happened in it) `days` into the past."""
    delta = datetime.timedelta(days=days)
    gesprek.created_at -= delta
    gesprek.closed_at -= delta
    gesprek.save(update_fields=["created_at", "closed_at"])
    for agreement in gesprek.agreements.all():
        agreement.created_at -= delta
        agreement.save(update_fields=["created_at"])
    for change in AgreementChange.objects.filter(gesprek=gesprek):
        change.changed_at -= delta
        change.save(update_fields=["changed_at"])


@pytest.fixture
def two_gesprekken():
    """A first gesprek 30 days ago with 3 agreements (open, in progress, dropped), and a second
    10 days ago, where only 2 people answered (k = 3), that marked the first agreement done."""
    first = closed_gesprek(people=4, cards=1, threshold=3, agreements=3, close=True)
    shift(first.gesprek, 30)
    team, user = first.gesprek.team, first.gesprek.created_by
    second = closed_gesprek(
        people=3, answering=2, cards=1, threshold=3, agreements=0, team=team, user=user, close=False
    )
    agreement_services.set_status(first.agreements[0], user, Status.DONE, during=second.gesprek)
    services.set_step(second.gesprek, "closed")
    shift(second.gesprek, 10)
    return first, second


def test_agreement_status_per_gesprek_end_and_today(two_gesprekken):
    first, second = two_gesprekken
    history = build_history(first.gesprek.team, "en")
    assert [row.ordered for row in history.statuses] == [
        [1, 1, 0, 1],  # when the first ended: open, in progress, done, dropped
        [0, 1, 1, 1],  # when the second ended: the first agreement was done
        [0, 1, 1, 1],  # today
    ]
    assert history.statuses[-1].label == "Today"
    assert str(first.gesprek) in history.statuses[0].label


def test_a_later_change_does_not_rewrite_the_past(two_gesprekken):
    first, _second = two_gesprekken
    agreement = first.agreements[1]
    agreement_services.set_status(agreement, first.gesprek.created_by, Status.DONE)
    history = build_history(first.gesprek.team, "en")
    assert history.statuses[0].ordered == [1, 1, 0, 1]
    assert history.statuses[-1].ordered == [0, 0, 2, 1]


def test_trend_has_a_point_only_where_the_card_reached_k(two_gesprekken):
    first, second = two_gesprekken
    history = build_history(first.gesprek.team, "en")
    [trend] = history.trends
    assert trend.slug == "vertrouwen" and trend.title == "Working from trust"
    assert [p.title for p in trend.points] == [str(first.gesprek), str(second.gesprek)]
    assert trend.points[1].share is None and trend.points[1].respondents is None
    totals = results_for(first.gesprek)[0].summary
    assert trend.points[0].respondents == 4
    assert trend.points[0].share == totals.recognised / totals.answered
    chart = trend.chart()
    assert len(chart["dots"]) == 1 and len(chart["labels"]) == 2
    svg = trend_svg(trend, "t1")
    assert svg.count("<circle") == 1 and "<polyline" not in svg  # one point: no line
    assert 'role="img"' in svg and 'aria-labelledby="t1-title t1-desc"' in svg
    assert "too few answers" in svg


def test_trend_line_joins_the_shown_points():
    first = closed_gesprek(people=3, cards=1, agreements=0)
    closed_gesprek(
        people=3, cards=1, agreements=0, team=first.gesprek.team, user=first.gesprek.created_by
    )
    [trend] = build_history(first.gesprek.team, "en").trends
    svg = trend_svg(trend, "t")
    assert svg.count("<circle") == 2 and "<polyline" in svg


def test_many_gesprekken_keep_the_dates_readable():
    today = timezone.localdate()
    trend = PrincipleTrend("x", "X", [TrendPoint(today, str(n), 0.5, 3) for n in range(20)])
    assert len(trend.chart()["labels"]) <= MAX_DATE_LABELS
    assert len(trend.chart()["dots"]) == 20


def test_history_without_gesprekken():
    _user, team = make_facilitator()
    history = build_history(team, "en")
    assert history.gesprekken == [] and history.trends == []
    assert [row.label for row in history.statuses] == ["Today"]
    pdf = render_history_pdf(history)
    assert "This team has no gesprekken yet." in pdfcheck.all_text(pdf)


def test_history_pdf_holds_every_gesprek_and_declares_pdf_a(two_gesprekken):
    first, second = two_gesprekken
    pdf = render_history_pdf(build_history(first.gesprek.team, "nl"))
    assert pdfcheck.xmp_value(pdf, "pdfaid:part") == ["2"]
    assert pdfcheck.xmp_value(pdf, "pdfuaid:part") == ["1"]
    assert pdfcheck.xmp_value(pdf, "dc:language") == ["nl"]
    text = pdfcheck.all_text(pdf)
    assert str(first.gesprek) in text and str(second.gesprek) in text
    assert "Werken vanuit vertrouwen" in text

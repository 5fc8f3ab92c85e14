"""Publishing quarters from real gesprekken: only what each gesprek showed, frozen once
published, the current quarter never, gone with the organisation."""

import datetime
import random

from gesprekskaarten.insight import services
from gesprekskaarten.insight.demo import closed_gesprek
from gesprekskaarten.insight.figures import K_PEOPLE, K_TEAMS
from gesprekskaarten.insight.models import InsightPeriod
from gesprekskaarten.lifecycle.services import delete_gesprek, delete_organisation
from gesprekskaarten.meetings import retention
from gesprekskaarten.meetings.models import Gesprek, Kind

from .conftest import NOW

Q1, Q2, Q3 = datetime.date(2026, 1, 1), datetime.date(2026, 4, 1), datetime.date(2026, 7, 1)
Q4 = datetime.date(2026, 10, 1)


def test_quarters():
    assert services.quarter_start(datetime.date(2026, 11, 15)) == datetime.date(2026, 10, 1)
    assert services.next_quarter(datetime.date(2026, 10, 1)) == datetime.date(2027, 1, 1)
    assert services.parse_period("2026-k3") == Q3
    for wrong in ("2026-k5", "2026-q3", "26-k1", "2026-k", "x"):
        assert services.parse_period(wrong) is None
    # Quarters are in the site's time zone (Europe/Amsterdam): Q2 starts at 22:00 UTC.
    begin, end = services.quarter_bounds(Q2)
    assert begin.astimezone(datetime.UTC) == datetime.datetime(2026, 3, 31, 22, tzinfo=datetime.UTC)
    assert end.astimezone(datetime.UTC) == datetime.datetime(2026, 6, 30, 22, tzinfo=datetime.UTC)


def test_the_current_quarter_waits_until_it_ends(insight_world):
    """Four teams closed a gesprek this quarter: nothing of it shows until the quarter is over,
    then it is published once."""
    organisation = insight_world["organisation"]
    rng = random.Random(1)
    for team in insight_world["teams"]:
        closed_gesprek(team, insight_world["admin"], NOW, 5, 1, rng)
    assert [p.starts_on for p in services.publish_due(organisation, now=NOW)] == [Q1, Q2, Q3]
    assert not InsightPeriod.objects.filter(starts_on=Q4).exists()
    later = datetime.datetime(2027, 1, 2, tzinfo=datetime.UTC)
    periods = services.publish_due(organisation, now=later)
    assert [p.starts_on for p in periods] == [Q1, Q2, Q3, Q4]
    assert periods[-1].figures["behaviours"]


def test_closed_quarters_are_published_the_current_one_is_not(insight_world):
    periods = services.publish_due(insight_world["organisation"], now=NOW)
    assert [p.starts_on for p in periods] == [Q1, Q2, Q3]
    assert [p.slug for p in periods] == ["2026-k1", "2026-k2", "2026-k3"]
    first, second, third = (p.figures for p in periods)
    assert first["behaviours"] == {} and first["principles"] == {}  # two teams only
    assert second["behaviours"] and third["behaviours"]
    for figures in (second, third):
        for figure in figures["behaviours"].values():
            assert figure["teams"] == 4 and figure["people"] >= K_PEOPLE
    # The leader behaviours of the last quarter reached k in three teams only: held back.
    leaders = [key for key in third["behaviours"] if key.rsplit("/", 1)[1].startswith("l")]
    everyone = [key for key in third["behaviours"] if key.rsplit("/", 1)[1].startswith("e")]
    assert everyone and not leaders
    # Agreements: "open" about card 1 by four teams; "in progress" about card 2 by three only.
    cells = third["agreements"]
    assert [status for cells_ in cells.values() for status in cells_] == ["open"]
    assert list(cells.values())[0]["open"]["count"] == 4
    assert third["agreement_totals"]["statuses"]["in_progress"] == 0


def test_only_what_each_gesprek_showed_at_its_own_k(insight_world):
    """A behaviour answered by fewer people than the gesprek's k adds nothing, not even to
    the number of people."""
    organisation = insight_world["organisation"]
    west = next(t for t in insight_world["teams"] if t.slug == "demo-west")
    [item] = services.contributions(organisation, Q3, team=west)
    assert item.behaviours
    assert not [key for key in item.behaviours if key.rsplit("/", 1)[1].startswith("l")]
    assert all(counts[0] >= 3 for counts in item.behaviours.values())


def test_a_published_quarter_is_frozen(insight_world):
    """Deleting a gesprek, or the retention job replacing its answers, changes nothing that was
    published: there is never a second version of a figure that differs by one team."""
    organisation = insight_world["organisation"]
    before = {p.starts_on: p.figures for p in services.publish_due(organisation, now=NOW)}
    gesprek = Gesprek.objects.filter(team__organisation=organisation).order_by("-closed_at")[0]
    delete_gesprek(gesprek, insight_world["admin"])
    retention.run(now=NOW + datetime.timedelta(days=3650))
    after = {p.starts_on: p.figures for p in services.publish_due(organisation, now=NOW)}
    assert after == before
    assert InsightPeriod.objects.filter(organisation=organisation).count() == 3
    # Had Q3 been computed now, one team fewer: nothing of it would be shown.
    recomputed = services.contributions(organisation, Q3)
    assert len({item.team for item in recomputed}) == K_TEAMS


def test_retention_leaves_the_same_figures(insight_world):
    """After retention a gesprek is read from its archive: the same shown counts."""
    organisation = insight_world["organisation"]
    before = services.contributions(organisation, Q3)
    retention.run(now=NOW + datetime.timedelta(days=3650))
    after = services.contributions(organisation, Q3)
    assert [(c.team, c.behaviours, c.agreements, c.participants) for c in after] == [
        (c.team, c.behaviours, c.agreements, c.participants) for c in before
    ]


def test_deleting_the_organisation_deletes_its_quarters(insight_world):
    organisation = insight_world["organisation"]
    services.publish_due(organisation, now=NOW)
    inventory = delete_organisation(organisation, insight_world["admin"])
    assert inventory.insight_periods == 3
    assert not InsightPeriod.objects.exists()


def test_a_leaders_mirror_never_counts(insight_world):
    """A mirror's results are about one person: even shared with its team, they add nothing
    to the organisation's figures."""
    organisation = insight_world["organisation"]
    west = next(t for t in insight_world["teams"] if t.slug == "demo-west")
    assert {item.team for item in services.contributions(organisation, Q3)} >= {west.pk}
    begin, end = services.quarter_bounds(Q3)
    mirrors = Gesprek.objects.filter(team=west, closed_at__gte=begin, closed_at__lt=end)
    assert mirrors.update(kind=Kind.MIRROR, leader=insight_world["admin"]) == 1
    assert west.pk not in {item.team for item in services.contributions(organisation, Q3)}

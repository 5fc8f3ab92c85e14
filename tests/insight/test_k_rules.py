"""Property-based attacks on the k rules of organisation insight (insight/figures.py).

Hypothesis makes organisations with random teams and gesprekken across quarters, each gesprek
with its own threshold k and random answers; a gesprek shows a behaviour only at or above its
own k (as meetings/results.py does). Then, with everything an analyst and each team's
facilitator can see, the tests try to single out a team or a person: every published figure,
every pair of figures of the same quantity (period against period), a principle minus its
behaviours, the agreement totals minus their cells, and the organisation minus one's own team.
None of them may rest on fewer than K_TEAMS teams or K_PEOPLE people.
"""

from itertools import combinations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gesprekskaarten.insight import figures as rules
from gesprekskaarten.insight.figures import K_PEOPLE, K_TEAMS, Contribution

BEHAVIOURS = ["d/p1/a", "d/p1/b", "d/p1/c", "d/p2/a", "d/p2/b"]
CELLS = [("d/p1", "open"), ("d/p1", "done"), ("d/p2", "open"), (rules.NO_PRINCIPLE, "dropped")]
QUARTERS = 3


@st.composite
def gesprek(draw, teams: int, number: int):
    """One closed gesprek: the raw answers stay here, only what reached its k is shown."""
    threshold = draw(st.integers(2, 6))
    participants = draw(st.integers(0, 14))
    shown = {}
    for key in BEHAVIOURS:
        respondents = draw(st.integers(0, participants))
        if respondents < threshold:
            continue  # below the gesprek's k: not shown, so not available to insight
        recognised = draw(st.integers(0, respondents))
        missing = draw(st.integers(0, respondents - recognised))
        unsure = respondents - recognised - missing
        discuss = draw(st.integers(0, respondents))
        shown[key] = (respondents, recognised, missing, unsure, discuss)
    agreements = {
        cell: count
        for cell in CELLS
        if (count := draw(st.integers(0, 3) if participants else st.just(0)))
    }
    contribution = Contribution(
        team=draw(st.integers(0, teams - 1)),
        gesprek=number,
        behaviours=shown,
        agreements=agreements,
        participants=participants,
    )
    return draw(st.integers(0, QUARTERS - 1)), contribution


@st.composite
def organisation(draw):
    teams = draw(st.integers(1, 8))
    size = draw(st.integers(0, 24))
    return [draw(gesprek(teams, number)) for number in range(size)]


def publish(org) -> dict[int, dict]:
    return {
        quarter: rules.compute([c for q, c in org if q == quarter]) for quarter in range(QUARTERS)
    }


# -- an attacker's own bookkeeping: which gesprekken each figure rests on ---------------------


def behaviour_sources(org, quarter, key) -> list[Contribution]:
    return [c for q, c in org if q == quarter and key in c.behaviours]


def cell_sources(org, quarter, cell) -> list[Contribution]:
    return [c for q, c in org if q == quarter and c.agreements.get(cell, 0) > 0]


def people(sources, quantity) -> dict[int, int]:
    """Per team the largest group of one gesprek: the fewest distinct people it can be."""
    teams: dict[int, int] = {}
    for c in sources:
        size = c.behaviours[quantity][0] if quantity in c.behaviours else c.participants
        teams[c.team] = max(teams.get(c.team, 0), size)
    return teams


def isolates(sources, quantity) -> bool:
    """True if these gesprekken are non-empty but fewer than K_TEAMS teams or K_PEOPLE
    people: a figure resting on them would single someone out."""
    if not sources:
        return False
    teams = people(sources, quantity)
    return len(teams) < K_TEAMS or sum(teams.values()) < K_PEOPLE


def available(org, published) -> list[tuple[tuple, int, list[Contribution]]]:
    """Every published figure with the gesprekken it rests on: (quantity, quarter, sources)."""
    found = []
    for quarter, figures in published.items():
        for key in figures["behaviours"]:
            found.append((("behaviour", key), quarter, behaviour_sources(org, quarter, key)))
        for principle, cells in figures["agreements"].items():
            for status in cells:
                cell = (principle, status)
                found.append((("agreement", cell), quarter, cell_sources(org, quarter, cell)))
    return found


def measure(quantity):
    return quantity[1] if quantity[0] == "behaviour" else None


# -- the properties -----------------------------------------------------------------------------

SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(organisation())
def test_every_published_figure_rests_on_enough_teams_and_people(org):
    published = publish(org)
    for quantity, quarter, sources in available(org, published):
        assert sources, f"{quantity} in quarter {quarter} rests on nothing"
        assert not isolates(sources, measure(quantity)), (quantity, quarter)
        figures = published[quarter]
        if quantity[0] == "behaviour":  # exactly the sum of what the gesprekken showed
            expected = [sum(c.behaviours[quantity[1]][i] for c in sources) for i in range(5)]
            assert figures["behaviours"][quantity[1]]["counts"] == expected
        else:
            principle, status = quantity[1]
            expected = sum(c.agreements[quantity[1]] for c in sources)
            assert figures["agreements"][principle][status]["count"] == expected


@SETTINGS
@given(organisation())
def test_no_figure_without_one_team_singles_anyone_out(org):
    """An insider of any one team (its facilitator, or anyone who knows its numbers) subtracts
    that team from any published figure and still learns only about enough teams and people."""
    for quantity, _quarter, sources in available(org, publish(org)):
        for team in {c.team for c in sources}:
            rest = [c for c in sources if c.team != team]
            assert rest and not isolates(rest, measure(quantity)), (quantity, team)


@SETTINGS
@given(organisation())
def test_no_difference_of_two_figures_singles_anyone_out(org):
    """All pairs of published figures of the same quantity (one behaviour, or one agreement
    cell), period against period: what one rests on and the other does not is empty or enough."""
    figures = available(org, publish(org))
    for (q1, p1, s1), (q2, p2, s2) in combinations(figures, 2):
        if q1 != q2:
            continue  # different quantities: their difference counts nothing of either
        ids1, ids2 = {c.gesprek for c in s1}, {c.gesprek for c in s2}
        only1 = [c for c in s1 if c.gesprek not in ids2]
        only2 = [c for c in s2 if c.gesprek not in ids1]
        assert not isolates(only1, measure(q1)), (q1, p1, p2)
        assert not isolates(only2, measure(q1)), (q1, p1, p2)


@SETTINGS
@given(organisation())
def test_principles_and_totals_are_sums_of_published_figures_only(org):
    """So a principle minus any of its behaviours, or a total minus any of its cells, is again a
    sum of published figures: subtraction finds no suppressed figure."""
    for figures in publish(org).values():
        expected: dict[str, list[int]] = {}
        for key, figure in figures["behaviours"].items():
            total = expected.setdefault(rules.principle_of(key), [0] * 5)
            expected[rules.principle_of(key)] = [
                a + b for a, b in zip(total, figure["counts"], strict=True)
            ]
        assert {k: v["counts"] for k, v in figures["principles"].items()} == expected
        cells = figures["agreements"]
        for principle, total in figures["agreement_totals"]["principles"].items():
            assert total == sum(cell["count"] for cell in cells[principle].values())
        for status, total in figures["agreement_totals"]["statuses"].items():
            assert total == sum(c[status]["count"] for c in cells.values() if status in c)


@SETTINGS
@given(organisation())
def test_a_facilitator_compares_only_where_the_rest_is_enough(org):
    """What `comparable` lets a team's facilitator see beside their own numbers: the published
    figure minus their team still covers enough teams and people."""
    published = publish(org)
    teams = {c.team for _q, c in org}
    for team in teams:
        for quarter, figures in published.items():
            for key, figure in figures["behaviours"].items():
                sources = behaviour_sources(org, quarter, key)
                own = people([c for c in sources if c.team == team], key).get(team, 0)
                if rules.comparable(figure, own):
                    rest = [c for c in sources if c.team != team]
                    assert not isolates(rest, key), (team, quarter, key)


@SETTINGS
@given(organisation())
def test_a_figure_below_the_minimums_is_absent_not_zero(org):
    published = publish(org)
    for quarter, figures in published.items():
        for key in BEHAVIOURS:
            sources = behaviour_sources(org, quarter, key)
            teams = people(sources, key)
            enough = len(teams) > K_TEAMS and sum(teams.values()) - max(
                teams.values(), default=0
            ) >= (K_PEOPLE)
            assert (key in figures["behaviours"]) == enough


def test_the_minimums_are_code_constants_no_setting_lowers():
    from django.conf import settings as django_settings

    assert (K_TEAMS, K_PEOPLE) == (3, 10)
    names = [name for name in dir(django_settings) if "INSIGHT" in name or "K_TEAM" in name]
    assert names == []


def test_four_teams_publish_three_do_not():
    def team(number, people):
        return Contribution(number, number, {"d/p1/a": (people, people, 0, 0, 0)})

    assert "d/p1/a" in rules.compute([team(n, 4) for n in range(4)])["behaviours"]
    assert rules.compute([team(n, 9) for n in range(3)])["behaviours"] == {}
    # Four teams, but one holds most people: without it only 3 + 3 + 3 = 9 are left.
    assert rules.compute([team(0, 30), team(1, 3), team(2, 3), team(3, 3)])["behaviours"] == {}

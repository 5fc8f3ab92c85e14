"""The trend against the previous gesprek: matching, percentages, and never a side below k."""

import pytest
from django.test import Client
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st

from gesprekskaarten.decks.models import Behaviour, Principle
from gesprekskaarten.decks.services import import_deck
from gesprekskaarten.meetings import services, trend
from gesprekskaarten.meetings.models import Answer, Step
from gesprekskaarten.meetings.results import Counts, apply_threshold, results_for
from tests.factories import default_deck_data, make_gesprek

R, M, U = "recognised", "missing", "unsure"


@pytest.fixture(autouse=True)
def english():
    from django.utils import translation

    with translation.override("en"):
        yield


def answered(gesprek, people: list[list[str]]):
    """Each person answers the gesprek's behaviours in order ('' = left open)."""
    behaviours = list(services.behaviours_of(gesprek))
    for choices in people:
        participant, _token = services.join(gesprek)
        for behaviour, choice in zip(behaviours, choices, strict=False):
            if choice:
                Answer.objects.create(participant=participant, behaviour=behaviour, choice=choice)
    return gesprek


def closed(gesprek):
    return services.set_step(gesprek, Step.CLOSED)


def team_gesprek(team_of, **options):
    return make_gesprek(team=team_of.team, user=team_of.created_by, **options)


def one_card(team_of=None, cards=1):
    options = {"cards": cards, "audience": "everyone", "threshold": 3}
    return team_gesprek(team_of, **options) if team_of else make_gesprek(**options)


@pytest.mark.django_db
def test_previous_is_the_latest_earlier_closed_gesprek_sharing_a_card():
    first = closed(one_card())
    assert trend.previous_gesprek(first) is None
    second = closed(one_card(first))
    still_open = one_card(first)
    other_cards = team_gesprek(first, cards=2)
    other_cards.principles.set(other_cards.deck_version.principles.filter(order__in=[5, 6]))
    closed(other_cards)
    current = one_card(first)
    assert trend.previous_gesprek(current) == second
    assert trend.previous_gesprek(second) == first
    assert still_open != trend.previous_gesprek(current)
    closed(make_gesprek(cards=1))  # another team's later gesprek does not count
    assert trend.previous_gesprek(one_card(first)) == second


@pytest.mark.django_db
def test_changes_per_behaviour_and_card_in_percentage_points():
    then = answered(one_card(), [[R, R, M], [M, R, M], [M, R, U], [R, R, R]])
    closed(then)
    now = answered(one_card(then), [[R, M, M], [R, R, M], [R, R, U]])
    now = services.set_step(services.set_step(now, Step.MARKING), Step.RESULTS)
    cards = results_for(now)
    assert trend.annotate(now, cards) == then
    first, second, third = cards[0].behaviours[:3]
    assert first.trend.recognised == trend.Share(50, 100)
    assert first.trend.recognised.difference == 50 and first.trend.recognised.direction == "up"
    assert first.trend.missing == trend.Share(50, 0)
    assert first.trend.missing.direction == "down"
    assert second.trend.recognised == trend.Share(100, 67)  # 2 of 3, rounded
    assert third.trend.missing == trend.Share(50, 67)
    # Behaviours nobody answered this time: too few, so no numbers at all.
    assert cards[0].behaviours[3].trend == trend.Comparison(reason=trend.TOO_FEW)
    # The card: 7 of 12 answers "I see this" then, 5 of 9 now.
    assert cards[0].trend.recognised == trend.Share(58, 56)
    assert cards[0].trend.recognised.direction == "down"


@pytest.mark.django_db
def test_matching_across_deck_versions_by_slug_and_key():
    then = answered(one_card(), [[R], [R], [R]])
    closed(then)
    deck = default_deck_data()
    deck["version"] = "2027"
    deck["principles"][0]["behaviours"]["everyone"][0]["text"]["nl"] = "Anders gezegd"
    new_version, created = import_deck(deck)
    assert created
    now = answered(one_card(then), [[M], [M], [R]])
    assert now.deck_version == new_version != then.deck_version
    cards = results_for(now)
    trend.annotate(now, cards)
    assert cards[0].behaviours[0].trend.recognised == trend.Share(100, 33)


@pytest.mark.django_db
def test_results_page_shows_the_trend_as_text_and_no_number_below_k():
    then = answered(one_card(), [[R, R], [R], [M]])  # second behaviour: one answer then
    closed(then)
    now = answered(one_card(then), [[R, M], [R, M], [R, R]])
    services.set_step(services.set_step(now, Step.MARKING), Step.RESULTS)
    client = Client()
    client.cookies["gk_language"] = "en"
    client.force_login(now.created_by)
    page = client.get(reverse("meetings:control", args=[now.public_id])).content.decode()
    assert "Compared with the previous gesprek on these cards" in page
    assert "I see this: from 67% to 100%" in page
    assert "up 33 percentage points" in page and 'aria-hidden="true">↑' in page
    assert "No comparison (too few answers)" in page
    # Numbers for the first behaviour and the card only: the second had one answer then.
    assert page.count("% to ") == 4


def test_percent_rounds_half_up():
    assert [trend.percent(1, 8), trend.percent(1, 3), trend.percent(2, 3)] == [13, 33, 67]


# --- property: the trend never shows a side below k ----------------------------------------

PRINCIPLES = 2
BEHAVIOURS = 3


def deck_side(offset: int):
    """Unsaved cards and behaviours; the other side gets other ids, like another deck version."""
    behaviours = []
    for p in range(PRINCIPLES):
        principle = Principle(pk=offset + p, slug=f"p{p}", order=p)
        behaviours += [
            Behaviour(pk=offset + 10 * (p + 1) + b, principle=principle, key=f"e{b}", order=b)
            for b in range(BEHAVIOURS)
        ]
    return behaviours


counts = st.builds(
    lambda r, m, u, only_discuss: Counts(
        respondents=r + m + u + only_discuss, recognised=r, missing=m, unsure=u
    ),
    *[st.integers(0, 4)] * 4,
)


@st.composite
def gesprek_answers(draw, behaviours):
    per_behaviour = {b.pk: draw(counts) for b in behaviours if draw(st.booleans())}
    per_card = {}
    for behaviour in behaviours:
        card = behaviour.principle.pk
        on_card = [
            c.respondents for pk, c in per_behaviour.items() if pk // 10 % 10 == card % 10 + 1
        ]
        most = max(on_card, default=0)  # distinct people on a card: at least any behaviour's
        per_card.setdefault(card, draw(st.integers(most, most + 3)))
    return per_behaviour, per_card


@settings(max_examples=300, deadline=None)
@given(
    st.integers(2, 6),
    st.integers(2, 6),
    gesprek_answers(deck_side(100)),
    gesprek_answers(deck_side(500)),
)
def test_trend_never_shows_a_side_below_k(k_then, k_now, then, now):
    then_behaviours, now_behaviours = deck_side(100), deck_side(500)
    previous = apply_threshold(then_behaviours, *then, k_then)
    current = apply_threshold(now_behaviours, *now, k_now)
    k = max(k_then, k_now)
    trend.compare_cards(previous, current, k)
    raw_then = {(b.principle.slug, b.key): then[0].get(b.pk) for b in then_behaviours}
    for card in current:
        slug = card.principle.slug
        then_card = next(c for c in previous if c.principle.slug == slug)
        if card.trend.shown:
            assert now[1][card.principle.pk] >= k and then[1][then_card.principle.pk] >= k
            assert card.summary.answered >= k and then_card.summary.answered >= k
        for result in card.behaviours:
            before = raw_then[(slug, result.behaviour.key)]
            current_raw = now[0].get(result.behaviour.pk)
            if result.trend.shown:
                for side in (before, current_raw):
                    assert side is not None and side.respondents >= k and side.answered >= k
            else:
                assert result.trend.recognised is None and result.trend.missing is None

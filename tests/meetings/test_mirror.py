"""A leader's mirror: the model, the self-view, the comparison and sharing (meetings/mirror.py),
and who finds a mirror (organisations/policy.py)."""

import pytest
from django.contrib.auth import get_user_model
from django.db import IntegrityError
from django.http import Http404
from hypothesis import given, settings
from hypothesis import strategies as st

from gesprekskaarten.audit.models import Action, AuditEvent
from gesprekskaarten.decks.services import default_deck_version
from gesprekskaarten.lifecycle import archive
from gesprekskaarten.live.models import Event
from gesprekskaarten.meetings import mirror, services, trend
from gesprekskaarten.meetings.models import Choice, Gesprek, Kind, Step
from gesprekskaarten.meetings.results import Counts, apply_threshold
from gesprekskaarten.organisations.models import Role
from gesprekskaarten.organisations.policy import facilitated_gesprekken, may_see_mirror
from gesprekskaarten.organisations.services import add_member
from gesprekskaarten.reports.history import build_history
from gesprekskaarten.teams.services import add_facilitator
from tests.factories import make_facilitator, make_gesprek
from tests.meetings.test_trend import deck_side, gesprek_answers

pytestmark = pytest.mark.django_db

R, M, U = Choice.RECOGNISED, Choice.MISSING, Choice.UNSURE


def start_mirror(cards=2, threshold=3):
    leader, team = make_facilitator()
    principles = list(default_deck_version().principles.order_by("order")[:cards])
    gesprek = mirror.create_mirror(
        team=team, leader=leader, principles=principles, threshold=threshold
    )
    return leader, team, gesprek


def team_marks(gesprek, people: list[dict[int, str]]):
    """Each dict is one team member's marks {behaviour id: choice}."""
    if gesprek.step != Step.MARKING:
        gesprek = services.set_step(gesprek, Step.MARKING)
    for marks in people:
        participant, _token = services.join(gesprek)
        services.save_answers(participant, {pk: (choice, False) for pk, choice in marks.items()})
    return gesprek


def test_a_mirror_is_its_leaders_gesprek_on_the_leader_behaviours():
    leader, team, gesprek = start_mirror()
    assert gesprek.kind == Kind.MIRROR and gesprek.is_mirror
    assert gesprek.leader == leader and gesprek.audience == "leaders"
    assert set(services.behaviours_of(gesprek).values_list("audience", flat=True)) == {"leaders"}
    assert mirror.own_choices(gesprek) == {}
    event = AuditEvent.objects.get(action=Action.MIRROR_STARTED)
    assert event.actor == leader and event.organisation == team.organisation
    # A team gesprek is the default and has no leader; the database refuses one with a leader.
    plain = make_gesprek(team=team, user=leader)
    assert plain.kind == Kind.TEAM and plain.leader is None
    with pytest.raises(IntegrityError):
        Gesprek.objects.filter(pk=plain.pk).update(leader=leader)


def test_the_self_view_stores_choices_until_the_teams_marking_closes():
    _leader, _team, gesprek = start_mirror()
    ids = list(services.behaviours_of(gesprek).values_list("pk", flat=True))
    mirror.save_self_view(gesprek, {ids[0]: R, ids[1]: M})
    mirror.save_self_view(gesprek, {ids[1]: "", ids[2]: U})  # "" clears
    assert mirror.own_choices(gesprek) == {ids[0]: R, ids[2]: U}
    gesprek = services.set_step(gesprek, Step.MARKING)
    mirror.save_self_view(gesprek, {ids[1]: M})  # during the team's marking: still open
    everyone = services.behaviours_of(make_gesprek(audience="everyone")).first()
    with pytest.raises(services.MeetingError):
        mirror.save_self_view(gesprek, {everyone.pk: R})  # not a behaviour of this mirror
    with pytest.raises(services.MeetingError):
        mirror.save_self_view(gesprek, {ids[0]: "maybe"})
    gesprek = services.set_step(gesprek, Step.RESULTS)
    with pytest.raises(services.MeetingError):
        mirror.save_self_view(gesprek, {ids[0]: M})
    assert mirror.own_choices(gesprek) == {ids[0]: R, ids[1]: M, ids[2]: U}


def test_the_comparison_groups_differences_and_leaves_out_what_is_below_k():
    _leader, _team, gesprek = start_mirror(cards=2, threshold=3)
    ids = list(services.behaviours_of(gesprek).values_list("pk", flat=True))
    a, b, c, d = ids[:4]
    mirror.save_self_view(gesprek, {a: R, b: M, c: R, d: R})
    assert mirror.comparison(gesprek) is None  # nothing before the team's marking closed
    gesprek = team_marks(
        gesprek,
        [
            {a: M, b: R, c: R},  # d: only two people answer it, below k
            {a: M, b: R, c: R, d: M},
            {a: R, b: R, c: U, d: M},
        ],
    )
    assert mirror.comparison(gesprek) is None
    gesprek = services.set_step(gesprek, Step.RESULTS)
    made = mirror.comparison(gesprek)
    by_behaviour = {row.behaviour.pk: row for row in made.rows}
    assert by_behaviour[a].group == mirror.YOU_ONLY
    assert by_behaviour[b].group == mirror.TEAM_ONLY
    assert by_behaviour[c].group == mirror.SAME
    assert d not in by_behaviour  # two answers: no numbers, no row
    assert made.too_few == len(ids) - 3
    assert by_behaviour[a].counts.missing == 2 and by_behaviour[a].own == R
    assert not made.shared


@given(
    own=st.sampled_from(["", R, M, U]),
    recognised=st.integers(0, 9),
    missing=st.integers(0, 9),
    unsure=st.integers(0, 9),
)
def test_a_behaviour_is_a_difference_only_when_the_team_clearly_says_the_other(
    own, recognised, missing, unsure
):
    counts = Counts(recognised + missing + unsure, recognised, missing, unsure)
    group = mirror.group_of(own, counts)
    if group == mirror.YOU_ONLY:
        assert own == R and missing * 2 > counts.answered
    if group == mirror.TEAM_ONLY:
        assert own == M and recognised * 2 > counts.answered
    if own in ("", U):
        assert group == mirror.OTHER


def test_only_the_leader_finds_the_mirror():
    leader, team, gesprek = start_mirror()
    users = get_user_model().objects
    co_facilitator = users.create_user("co", password="a-Long-pass-123")
    add_facilitator(team, co_facilitator)
    administrator = users.create_user("admin-of-org", password="a-Long-pass-123")
    add_member(team.organisation, administrator, Role.ADMIN)
    add_facilitator(team, administrator)  # even an administrator who facilitates the team
    superuser = users.create_superuser("root", password="a-Long-pass-123")
    team_gesprek = make_gesprek(team=team, user=co_facilitator)
    assert may_see_mirror(leader, gesprek)
    assert services.gesprek_for_facilitator(leader, gesprek.public_id) == gesprek
    for other in (co_facilitator, administrator, superuser):
        assert not may_see_mirror(other, gesprek)
        with pytest.raises(Http404):
            services.gesprek_for_facilitator(other, gesprek.public_id)
        assert gesprek not in facilitated_gesprekken(other)
    # The team's own gesprekken stay everyone's of the team, the leader's included.
    assert services.gesprek_for_facilitator(leader, team_gesprek.public_id) == team_gesprek
    assert not may_see_mirror(leader, team_gesprek)
    # A leader who no longer facilitates the team no longer sees their mirror either.
    team.facilitators.remove(leader)
    assert not may_see_mirror(leader, gesprek)


def test_sharing_is_the_leaders_until_the_end_and_is_audited_without_content():
    leader, team, gesprek = start_mirror()
    ids = list(services.behaviours_of(gesprek).values_list("pk", flat=True))
    mirror.save_self_view(gesprek, {ids[0]: R})
    with pytest.raises(services.MeetingError):
        mirror.set_shared(gesprek, leader, True)  # no comparison yet
    gesprek = team_marks(gesprek, [{ids[0]: M}] * 3)
    gesprek = services.set_step(gesprek, Step.RESULTS)
    assert mirror.shared_comparison(gesprek) is None
    before = Event.objects.filter(channel=gesprek.channel).count()
    mirror.set_shared(gesprek, leader, True)
    assert Event.objects.filter(channel=gesprek.channel).count() == before + 1
    assert mirror.shared_comparison(gesprek).rows[0].group == mirror.YOU_ONLY
    mirror.set_shared(gesprek, leader, False)
    assert mirror.shared_comparison(gesprek) is None
    logged = AuditEvent.objects.filter(action__in=[Action.MIRROR_SHARED, Action.MIRROR_UNSHARED])
    assert [event.action for event in logged.order_by("pk")] == ["mirror_shared", "mirror_unshared"]
    for event in logged:
        assert event.details == {} and event.target == str(gesprek)
    mirror.set_shared(gesprek, leader, True)
    gesprek = services.set_step(gesprek, Step.CLOSED)
    with pytest.raises(services.MeetingError):
        mirror.set_shared(gesprek, leader, False)
    assert mirror.shared_comparison(gesprek) is not None


def test_a_mirror_is_never_in_the_team_history_or_a_team_gesprek_trend():
    leader, team, gesprek = start_mirror(cards=1)
    ids = list(services.behaviours_of(gesprek).values_list("pk", flat=True))
    gesprek = team_marks(gesprek, [dict.fromkeys(ids, R)] * 3)
    services.set_step(gesprek, Step.CLOSED)
    later = make_gesprek(team=team, user=leader, cards=1)
    assert trend.previous_gesprek(later) is None
    assert [row.public_id for row in build_history(team).gesprekken] == [str(later.public_id)]
    second = mirror.create_mirror(
        team=team, leader=leader, principles=list(gesprek.principles.all())
    )
    assert trend.previous_gesprek(second) == gesprek  # the same leader's earlier mirror


def test_the_team_archive_keeps_a_mirror_only_once_its_leader_shared_it():
    leader, team, gesprek = start_mirror(cards=1)
    ids = list(services.behaviours_of(gesprek).values_list("pk", flat=True))
    gesprek = team_marks(gesprek, [dict.fromkeys(ids, R)] * 3)
    gesprek = services.set_step(gesprek, Step.RESULTS)
    assert archive._ended_ids(team) == []
    services.set_step(gesprek, Step.CLOSED)
    assert archive._ended_ids(team) == []  # ended, not shared: the leader's alone
    other_leader, other_team, shared = start_mirror(cards=1)
    shared = team_marks(shared, [dict.fromkeys(ids, R)] * 3)
    shared = services.set_step(shared, Step.RESULTS)
    mirror.set_shared(shared, other_leader, True)
    services.set_step(shared, Step.CLOSED)
    assert archive._ended_ids(other_team) == [shared.pk]


def test_deleting_an_ended_mirror_takes_the_self_view_with_it():
    from gesprekskaarten.lifecycle.services import delete_gesprek
    from gesprekskaarten.meetings.models import MirrorSelfView

    leader, _team, gesprek = start_mirror(cards=1)
    ids = list(services.behaviours_of(gesprek).values_list("pk", flat=True))
    mirror.save_self_view(gesprek, {ids[0]: R})
    gesprek = services.set_step(gesprek, Step.CLOSED)
    delete_gesprek(gesprek, leader)
    assert not MirrorSelfView.objects.exists() and not Gesprek.objects.exists()


@settings(max_examples=300, deadline=None)
@given(
    k=st.integers(2, 6),
    answers=gesprek_answers(deck_side(100)),
    own=st.lists(st.sampled_from(["", R, M, U]), min_size=6, max_size=6),
)
def test_the_comparison_never_holds_a_behaviour_below_k(k, answers, own):
    behaviours = deck_side(100)
    cards = apply_threshold(behaviours, *answers, k)
    per_behaviour, per_card = answers
    rows, too_few = mirror.compare(cards, dict(zip([b.pk for b in behaviours], own, strict=True)))
    assert len(rows) + too_few == len(behaviours)
    for row in rows:
        assert row.counts.respondents >= k
        assert per_card[row.behaviour.principle.pk] >= k
        assert row.counts is per_behaviour[row.behaviour.pk]

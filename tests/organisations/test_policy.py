"""The one-gesprek check of the facilitator's pages (policy.may_run) gives the answer of the
query of all their gesprekken (policy.facilitated_gesprekken), for every kind of visitor."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser

from gesprekskaarten.meetings.models import Gesprek
from gesprekskaarten.organisations import policy
from gesprekskaarten.organisations.models import Membership, Role

from .test_policy_matrix import world  # noqa: F401  (fixture)


@pytest.mark.django_db
def test_the_check_of_one_gesprek_agrees_with_the_list_of_all(world):  # noqa: F811
    facilitator = world["accounts"]["facilitator"]
    colleague = get_user_model().objects.create_user("colleague", password="a-Long-pass-123")
    Membership.objects.create(
        user=colleague, organisation=world["organisation"], role=Role.FACILITATOR
    )
    world["team"].facilitators.add(colleague)  # runs the team's gesprekken, not its leader's mirror
    visitors = [*world["accounts"].values(), colleague, AnonymousUser()]
    # A facilitator of the team whose membership is only an analyst's: no gesprek of it.
    demoted = world["accounts"]["other facilitator"]
    world["team"].facilitators.add(demoted)
    Membership.objects.filter(user=demoted).update(role=Role.ANALYST)
    gesprekken = list(Gesprek.objects.select_related("team"))
    assert len(gesprekken) >= 2 and any(g.is_mirror for g in gesprekken)
    answers = {}
    for visitor in visitors:
        listed = set(policy.facilitated_gesprekken(visitor).values_list("pk", flat=True))
        for gesprek in gesprekken:
            may = policy.may_run(visitor, gesprek)
            assert may == (gesprek.pk in listed)
            answers[visitor.username or "anonymous", gesprek.pk] = may
    assert answers[facilitator.username, world["mirror"].pk] is True  # its leader
    assert answers[facilitator.username, world["gesprek"].pk] is True
    assert answers["colleague", world["gesprek"].pk] is True
    assert answers["colleague", world["mirror"].pk] is False
    assert not any(answers[demoted.username, g.pk] for g in gesprekken)
    assert not any(answers["root", g.pk] for g in gesprekken)  # a superuser is not a facilitator

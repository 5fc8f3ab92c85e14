"""The leader's mirror pages: starting one, the self-view (also without JavaScript: a plain
form), the comparison, sharing, the leader's refused join, and who gets a 404."""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from gesprekskaarten.decks.services import default_deck_version
from gesprekskaarten.meetings import mirror, services
from gesprekskaarten.meetings.models import Choice, Gesprek, Kind, Step
from gesprekskaarten.teams.services import add_facilitator
from tests.factories import make_facilitator, make_gesprek
from tests.htmlcheck import checker, html_errors
from tests.meetings.test_mirror import start_mirror, team_marks

pytestmark = pytest.mark.django_db

R, M = Choice.RECOGNISED, Choice.MISSING


def signed_in(user) -> Client:
    client = Client(headers={"accept-language": "en"})
    client.force_login(user)
    return client


def urls(gesprek) -> dict[str, str]:
    return {
        name: reverse(f"meetings:{name}", args=[gesprek.public_id])
        for name in ("self_view", "comparison", "share", "control", "presenter")
    }


def test_a_facilitator_starts_a_mirror_for_their_team_from_the_new_gesprek_page():
    leader, team = make_facilitator()
    client = signed_in(leader)
    page = client.get(reverse("meetings:new")).content.decode()
    assert reverse("meetings:mirror_new") in page
    form = client.get(reverse("meetings:mirror_new")).content.decode()
    assert 'name="audience"' not in form  # the leader behaviours, always
    principles = list(default_deck_version().principles.order_by("order")[:2])
    response = client.post(
        reverse("meetings:mirror_new"),
        {"team": team.pk, "principles": [p.pk for p in principles], "threshold": 3},
    )
    gesprek = Gesprek.objects.get(team=team)
    assert response.status_code == 302 and response["Location"] == urls(gesprek)["self_view"]
    assert (gesprek.kind, gesprek.leader, gesprek.audience) == (Kind.MIRROR, leader, "leaders")
    # A bad form keeps what was typed and says what is wrong.
    again = client.post(reverse("meetings:mirror_new"), {"team": team.pk, "threshold": 1})
    assert again.status_code == 200 and "Choose at least one card." in again.content.decode()


def test_the_self_view_is_a_plain_form_that_keeps_its_marks(settings):
    leader, _team, gesprek = start_mirror(cards=1)
    client = signed_in(leader)
    ids = list(services.behaviours_of(gesprek).values_list("pk", flat=True))
    page = client.get(urls(gesprek)["self_view"]).content.decode()
    assert "<script" not in page.split("<main", 1)[1].split("</main>", 1)[0]
    assert page.count('type="radio"') == 3 * len(ids)
    response = client.post(urls(gesprek)["self_view"], {f"choice-{ids[0]}": R})
    assert response.status_code == 302
    assert mirror.own_choices(gesprek) == {ids[0]: R}
    page = client.get(urls(gesprek)["self_view"]).content.decode()
    assert page.count(" checked") == 1 and f'id="id_choice-{ids[0]}_0" checked' in page
    bad = client.post(urls(gesprek)["self_view"], {f"choice-{ids[0]}": "perhaps"})
    assert bad.status_code == 200 and mirror.own_choices(gesprek) == {ids[0]: R}
    # Once the team's marking closed, the page shows the view and refuses changes.
    gesprek = team_marks(gesprek, [{ids[0]: M}] * 3)
    services.set_step(gesprek, Step.RESULTS)
    page = client.get(urls(gesprek)["self_view"]).content.decode()
    assert "disabled" in page and "Save my own view" not in page
    client.post(urls(gesprek)["self_view"], {f"choice-{ids[0]}": M})
    assert mirror.own_choices(gesprek) == {ids[0]: R}


def test_the_comparison_shows_the_difference_and_sharing_asks_first():
    leader, _team, gesprek = start_mirror(cards=1)
    client = signed_in(leader)
    ids = list(services.behaviours_of(gesprek).values_list("pk", flat=True))
    mirror.save_self_view(gesprek, {ids[0]: R})
    before = client.get(urls(gesprek)["comparison"]).content.decode()
    assert "once the team's marking has closed" in before
    gesprek = team_marks(gesprek, [{ids[0]: M}] * 3)
    gesprek = services.set_step(gesprek, Step.RESULTS)
    page = client.get(urls(gesprek)["comparison"]).content.decode()
    assert "You see it, the team does not (1)" in page
    assert "You: I see this" in page and 'class="gk-diverge"' in page
    # A share without the confirmation goes to the confirmation page and shares nothing.
    response = client.post(urls(gesprek)["share"], {"shared": "1"})
    assert response["Location"] == urls(gesprek)["share"] and not mirror.shared_comparison(gesprek)
    assert "Share with the team?" in client.get(urls(gesprek)["share"]).content.decode()
    client.post(urls(gesprek)["share"], {"shared": "1", "confirm": "1"})
    assert mirror.shared_comparison(gesprek) is not None
    assert "Stop sharing" in client.get(urls(gesprek)["comparison"]).content.decode()
    client.post(urls(gesprek)["share"], {"shared": "0"})
    assert mirror.shared_comparison(gesprek) is None


def test_nobody_but_the_leader_reaches_the_mirror_pages():
    leader, team, gesprek = start_mirror()
    co = get_user_model().objects.create_user("co-facilitator", password="a-Long-pass-123")
    add_facilitator(team, co)
    other_client = signed_in(co)
    for name, url in urls(gesprek).items():
        assert other_client.get(url).status_code == 404, name
        assert signed_in(leader).get(url).status_code == 200, name
    report = reverse("reports:gesprek_report", args=[gesprek.public_id, "json"])
    assert other_client.get(report).status_code == 404
    assert gesprek.title not in other_client.get(reverse("meetings:dashboard")).content.decode()
    # A team gesprek has no self-view, comparison or sharing, not even for its facilitator.
    team_gesprek = make_gesprek(team=team, user=leader)
    for name in ("self_view", "comparison", "share"):
        assert signed_in(leader).get(urls(team_gesprek)[name]).status_code == 404


def test_the_leader_cannot_join_their_own_mirror_and_participants_read_about_their_leader():
    leader, _team, gesprek = start_mirror(cards=1)
    join = reverse("meetings:join", args=[gesprek.join_code])
    refused = signed_in(leader).post(join)
    assert refused.status_code == 403 and "This is your own mirror" in refused.content.decode()
    assert not gesprek.participants.exists()
    phone = Client(headers={"accept-language": "en"})
    assert "mark the behaviours of your leader" in phone.get(join).content.decode()
    phone.post(join)
    page = reverse("meetings:gesprek", args=[gesprek.join_code])
    assert "behaviour of your leader" in phone.get(page).content.decode()
    services.set_step(gesprek, Step.MARKING)
    assert "do you see your leader do this?" in phone.get(page).content.decode()
    assert leader.username not in phone.get(page).content.decode()


def test_the_mirror_pages_pass_the_nu_html_checker(tmp_path):
    checker()
    leader, _team, gesprek = start_mirror(cards=1)
    client = signed_in(leader)
    ids = list(services.behaviours_of(gesprek).values_list("pk", flat=True))
    mirror.save_self_view(gesprek, {ids[0]: R})
    pages = {"new": client.get(reverse("meetings:mirror_new")).content}
    pages["self-view"] = client.get(urls(gesprek)["self_view"]).content
    pages["refused"] = client.get(reverse("meetings:join", args=[gesprek.join_code])).content
    gesprek = team_marks(gesprek, [{ids[0]: M}] * 3)
    gesprek = services.set_step(gesprek, Step.RESULTS)
    pages["comparison"] = client.get(urls(gesprek)["comparison"]).content
    pages["share"] = client.get(urls(gesprek)["share"]).content
    pages["control"] = client.get(urls(gesprek)["control"]).content
    mirror.set_shared(gesprek, leader, True)
    pages["presenter-shared"] = client.get(urls(gesprek)["presenter"]).content
    pages["control-shared"] = client.get(urls(gesprek)["control"]).content
    services.set_step(gesprek, Step.CLOSED)
    pages["closed-shared"] = client.get(urls(gesprek)["control"]).content
    assert html_errors(pages, tmp_path) == []

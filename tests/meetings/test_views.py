"""Joining, marking and the facilitator's flow over HTTP (Django test client)."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from gesprekskaarten.meetings import services
from gesprekskaarten.meetings.models import Answer, Participant
from tests.factories import make_facilitator, make_gesprek

pytestmark = pytest.mark.django_db


@pytest.fixture
def facilitator_client():
    user, team = make_facilitator()
    client = Client()
    client.force_login(user)
    client.team = team
    client.user = user
    return client


def join(gesprek):
    client = Client()
    response = client.post(reverse("meetings:join", args=[gesprek.join_code]))
    assert response.status_code == 302
    return client


def test_start_a_gesprek(facilitator_client):
    response = facilitator_client.get(reverse("meetings:new"))
    assert response.status_code == 200
    principles = response.context["form"].fields["principles"].choices
    data = {
        "team": facilitator_client.team.pk,
        "principles": [principles[0][0], principles[2][0]],
        "audience": "both",
        "threshold": 3,
        "title": "Teamdag",
    }
    response = facilitator_client.post(reverse("meetings:new"), data)
    assert response.status_code == 302
    control = facilitator_client.get(response["Location"])
    html = control.content.decode()
    gesprek = control.context["gesprek"]
    assert gesprek.title == "Teamdag" and gesprek.principles.count() == 2
    assert gesprek.display_code in html


@pytest.mark.parametrize(
    "data,error",
    [
        ({"threshold": 1}, "greater than or equal to 2"),
        ({"principles": []}, "Choose at least one card"),
        ({"random_card": "on"}, "not both"),
        ({"title": "x" * 121}, "at most 120 characters"),
    ],
)
def test_new_gesprek_bad_input(facilitator_client, data, error):
    facilitator_client.cookies["gk_language"] = "en"
    form = facilitator_client.get(reverse("meetings:new")).context["form"]
    base = {
        "team": facilitator_client.team.pk,
        "principles": [form.fields["principles"].choices[0][0]],
        "audience": "both",
        "threshold": 3,
    }
    response = facilitator_client.post(reverse("meetings:new"), {**base, **data})
    assert response.status_code == 200
    assert error in response.content.decode()


def test_random_card(facilitator_client):
    data = {
        "team": facilitator_client.team.pk,
        "random_card": "on",
        "audience": "everyone",
        "threshold": 3,
    }
    response = facilitator_client.post(reverse("meetings:new"), data)
    assert response.status_code == 302
    gesprek = facilitator_client.get(response["Location"]).context["gesprek"]
    assert gesprek.principles.count() == 1


def test_facilitator_sees_only_own_teams(facilitator_client):
    other_user, other_team = make_facilitator("other", "Team Zuid")
    theirs = make_gesprek(team=other_team, user=other_user)
    assert (
        facilitator_client.get(reverse("meetings:control", args=[theirs.public_id])).status_code
        == 404
    )
    assert (
        facilitator_client.get(reverse("meetings:qr", args=[theirs.public_id])).status_code == 404
    )
    response = facilitator_client.post(
        reverse("meetings:step", args=[theirs.public_id]), {"step": "marking"}
    )
    assert response.status_code == 404
    assert str(theirs) not in facilitator_client.get(reverse("meetings:dashboard")).content.decode()


def test_facilitator_pages_need_login():
    gesprek = make_gesprek()
    for name in ["control", "presenter", "qr"]:
        response = Client().get(reverse(f"meetings:{name}", args=[gesprek.public_id]))
        assert response.status_code == 302 and "/inloggen/" in response["Location"]


def test_qr_code_is_svg_of_the_join_link(facilitator_client):
    gesprek = make_gesprek(team=facilitator_client.team, user=facilitator_client.user)
    response = facilitator_client.get(reverse("meetings:qr", args=[gesprek.public_id]))
    assert response["Content-Type"] == "image/svg+xml"
    assert response.content.startswith(b"<svg")
    assert b'xmlns="http://www.w3.org/2000/svg"' in response.content


def test_join_by_code_and_come_back():
    gesprek = make_gesprek()
    client = Client()
    response = client.post(reverse("meetings:join_start"), {"code": gesprek.display_code.lower()})
    assert response["Location"] == reverse("meetings:join", args=[gesprek.join_code])
    client.post(response["Location"])
    assert Participant.objects.filter(gesprek=gesprek).count() == 1
    # The same device re-opening the join link is the same participant.
    again = client.get(reverse("meetings:join", args=[gesprek.join_code]))
    assert again.status_code == 302
    client.post(reverse("meetings:join", args=[gesprek.join_code]))
    assert Participant.objects.filter(gesprek=gesprek).count() == 1


@pytest.mark.parametrize("code", ["", "ABC", "<script>", "x" * 500, "AAAAAAAAAA"])
def test_wrong_codes_get_a_clear_message(code):
    response = Client().post(reverse("meetings:join_start"), {"code": code})
    assert response.status_code == 200
    html = response.content.decode()
    assert "gk-error" in html
    assert "<script>" not in html.split("<main", 1)[1]


def test_closed_code_gets_a_clear_message():
    gesprek = make_gesprek()
    services.set_step(gesprek, "closed")
    response = Client().get(reverse("meetings:join", args=[gesprek.join_code]))
    assert response.status_code == 410
    assert "afgelopen" in response.content.decode()


@pytest.mark.usefixtures("whole_window")
def test_guessing_codes_is_rate_limited(settings):
    settings.GK_RATE_WRONG_CODES_PER_MINUTE = 3
    client = Client()
    statuses = [
        client.post(reverse("meetings:join_start"), {"code": "ACDEFGHJKM"}).status_code
        for _ in range(5)
    ]
    assert statuses == [200, 200, 200, 429, 429]
    # A right code still gets in: someone else behind the same address did nothing wrong.
    gesprek = make_gesprek()
    assert client.get(reverse("meetings:join", args=[gesprek.join_code])).status_code == 200


def test_marking_without_javascript_and_with_the_answer_endpoint():
    gesprek = make_gesprek(cards=1, audience="everyone", step="marking")
    client = join(gesprek)
    ids = list(services.behaviours_of(gesprek).values_list("pk", flat=True))
    slug = gesprek.principles.get().slug
    form = {f"choice-{pk}": "recognised" for pk in ids} | {f"discuss-{ids[0]}": "on"}
    response = client.post(reverse("meetings:card", args=[gesprek.join_code, slug]), form)
    assert response.status_code == 302
    answers = Answer.objects.filter(participant__gesprek=gesprek)
    assert answers.count() == len(ids) and answers.filter(discuss=True).count() == 1
    # The page shows the participant's own answers back.
    html = client.get(reverse("meetings:card", args=[gesprek.join_code, slug])).content.decode()
    assert len(re.findall(r'<input[^>]*value="recognised"[^>]*checked', html)) == len(ids)
    # One change through the lean endpoint.
    url = reverse("meetings:answer", args=[gesprek.join_code])
    response = client.post(url, {"behaviour": ids[1], "choice": "missing"})
    assert response.json() == {"saved": True}
    assert answers.get(behaviour_id=ids[1]).choice == "missing"


@pytest.mark.parametrize(
    "data,status",
    [
        ({"behaviour": "abc", "choice": "missing"}, 400),
        ({"behaviour": "1" * 40, "choice": "missing"}, 400),
        ({"behaviour": 1, "choice": "missing"}, 409),  # a behaviour not in this gesprek
        ({"choice": "<b>bold</b>"}, 400),
    ],
)
def test_answer_endpoint_rejects_bad_input(data, status):
    gesprek = make_gesprek(cards=1, audience="leaders", step="marking")
    client = join(gesprek)
    response = client.post(reverse("meetings:answer", args=[gesprek.join_code]), data)
    assert response.status_code == status
    assert "error" in response.json()
    assert not Answer.objects.filter(participant__gesprek=gesprek).exists()


def test_forged_cookie_and_other_gesprek_are_refused():
    gesprek = make_gesprek(step="marking")
    other = make_gesprek(team=gesprek.team, step="marking")
    client = join(gesprek)
    response = client.post(reverse("meetings:answer", args=[other.join_code]), {"behaviour": 1})
    assert response.status_code == 403
    forged = Client()
    forged.cookies[f"gk_p_{gesprek.join_code}"] = "forged-token"
    response = forged.get(reverse("meetings:gesprek", args=[gesprek.join_code]))
    assert response.status_code == 302  # sent to the join page, not into the gesprek


def test_answer_needs_csrf():
    gesprek = make_gesprek(step="marking")
    client = join(gesprek)
    strict = Client(enforce_csrf_checks=True)
    strict.cookies = client.cookies
    response = strict.post(reverse("meetings:answer", args=[gesprek.join_code]), {"behaviour": 1})
    assert response.status_code == 403


def test_results_page_respects_k(facilitator_client):
    gesprek = make_gesprek(
        team=facilitator_client.team, user=facilitator_client.user, cards=1, audience="everyone",
        threshold=3, step="marking",
    )  # fmt: skip
    ids = list(services.behaviours_of(gesprek).values_list("pk", flat=True))
    clients = [join(gesprek) for _ in range(2)]
    for client in clients:
        for pk in ids:
            client.post(
                reverse("meetings:answer", args=[gesprek.join_code]),
                {"behaviour": pk, "choice": "missing"},
            )
    services.set_step(gesprek, "results")
    for client, url in [
        (clients[0], reverse("meetings:gesprek", args=[gesprek.join_code])),
        (facilitator_client, reverse("meetings:control", args=[gesprek.public_id])),
        (facilitator_client, reverse("meetings:presenter", args=[gesprek.public_id])),
    ]:
        html = client.get(url).content.decode()
        assert "gk-counts" not in html and "gk-bar__" not in html
        assert "Te weinig antwoorden" in html
    third = join(gesprek)
    services.set_step(gesprek, "marking")
    for pk in ids:
        third.post(
            reverse("meetings:answer", args=[gesprek.join_code]),
            {"behaviour": pk, "choice": "recognised"},
        )
    services.set_step(gesprek, "results")
    html = clients[1].get(reverse("meetings:gesprek", args=[gesprek.join_code])).content.decode()
    assert html.count('class="gk-counts"') == len(ids)


def test_oversized_posts_are_refused_before_parsing():
    gesprek = make_gesprek(step="marking")
    client = join(gesprek)
    url = reverse("meetings:answer", args=[gesprek.join_code])
    response = client.post(url, {"behaviour": "1", "choice": "x" * 600_000})
    assert response.status_code == 413  # Django's stack: our "too large" page
    assert not Answer.objects.exists()


def test_empty_posts_are_validated_not_ignored():
    gesprek = make_gesprek(cards=1, audience="everyone", step="marking")
    response = Client().post(reverse("meetings:join_start"), {})
    assert response.status_code == 200 and "gk-error" in response.content.decode()
    client = Client()
    response = client.post(reverse("meetings:join", args=[gesprek.join_code]), {})
    assert response.status_code == 302  # the name is optional: an empty form joins
    slug = gesprek.principles.get().slug
    response = client.post(reverse("meetings:card", args=[gesprek.join_code, slug]), {})
    assert response.status_code == 302  # nothing chosen is fine: nothing stored
    assert not Answer.objects.exists()

"""Solo preparation without JavaScript: the marks travel in the form and nothing is stored."""

import re

import pytest
from django.apps import apps
from django.test import Client
from django.urls import reverse

from gesprekskaarten.decks import services
from tests.factories import default_deck_data

pytestmark = pytest.mark.django_db
DECK = default_deck_data()
SLUG = DECK["slug"]
FIRST, SECOND = DECK["principles"][0], DECK["principles"][1]
LAST = DECK["principles"][-1]


@pytest.fixture
def client():
    client = Client(enforce_csrf_checks=True)
    client.cookies["gk_language"] = "nl"
    return client


def version_number():
    return services.latest_version(SLUG).number


def card_url(principle):
    return reverse("decks:prepare_card", args=[SLUG, principle["slug"]])


PICTURE = reverse("decks:prepare_picture", args=[SLUG])


def csrf(client, url):
    """Fetch the page (as a browser would) and return its form's CSRF token."""
    html = client.get(url).content.decode()
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)


def post(client, url, marks, token_from=None, version=None):
    data = {
        "csrfmiddlewaretoken": csrf(client, token_from or card_url(FIRST)),
        "version": str(version or version_number()),
        **marks,
    }
    return client.post(url, data)


def name(principle, index, audience="everyone", discuss=False):
    key = principle["behaviours"][audience][index]["key"]
    return f"{principle['slug']}.{key}" + (".discuss" if discuss else "")


def row_counts():
    return {model._meta.label: model.objects.count() for model in apps.get_models()}


def test_every_page_answers_anyone(client):
    for url in (reverse("decks:prepare", args=[SLUG]), card_url(FIRST), card_url(LAST), PICTURE):
        response = client.get(url)
        assert response.status_code == 200, url
    overview = client.get(reverse("decks:overview", args=[SLUG])).content.decode()
    assert reverse("decks:prepare", args=[SLUG]) in overview
    assert "Bereid je voor" in overview


def test_card_shows_everyone_and_leader_behaviours_as_the_gesprek_does(client):
    html = client.get(card_url(FIRST)).content.decode()
    for audience in ("everyone", "leaders"):
        for behaviour in FIRST["behaviours"][audience]:
            assert f'data-prepare-key="{FIRST["slug"]}/{behaviour["key"]}"' in html
    assert html.count('type="radio"') == 3 * (
        len(FIRST["behaviours"]["everyone"]) + len(FIRST["behaviours"]["leaders"])
    )
    for label in ("Zie ik terug", "Zie ik niet terug", "Weet ik niet", "Wil ik bespreken"):
        assert label in html
    # Without JavaScript the form posts to the next card; the buttons say where to.
    assert f'action="{card_url(SECOND)}"' in html
    assert f'formaction="{PICTURE}"' in html


def test_marks_travel_from_card_to_card_and_into_the_picture(client):
    first_marks = {
        name(FIRST, 0): "recognised",
        name(FIRST, 1): "missing",
        name(FIRST, 1, discuss=True): "on",
        name(FIRST, 2): "unsure",
    }
    response = post(client, card_url(SECOND), first_marks)
    assert response.status_code == 200
    html = response.content.decode()
    for field, value in first_marks.items():  # carried along, hidden
        assert f'<input type="hidden" name="{field}" value="{value}">' in html
    second_marks = {name(SECOND, 0): "missing", name(SECOND, 0, discuss=True): "on"}
    carried = dict(first_marks, **second_marks)
    response = post(client, PICTURE, carried)
    assert response.status_code == 200
    html = response.content.decode()
    first_card = html.split(f'id="gk-solo-{FIRST["slug"]}"')[1].split("</section>")[0]
    numbers = re.findall(r"<dd>(\d+)</dd>", first_card)
    assert numbers == ["1", "1", "1", "1"]  # recognised, missing, unsure, discuss
    discuss = html.split('id="gk-solo-discuss"')[1].split("</section>")[0]
    assert FIRST["behaviours"]["everyone"][1]["text"]["nl"] in discuss
    assert SECOND["behaviours"]["everyone"][0]["text"]["nl"] in discuss
    assert FIRST["behaviours"]["everyone"][0]["text"]["nl"] not in discuss
    assert "Je hebt nog niets gemarkeerd" not in html.split("hidden>")[0]
    # Back to change them: the marks go along again and the first card shows its own.
    assert f'<input type="hidden" name="{name(SECOND, 0)}" value="missing">' in html
    back = post(client, card_url(FIRST), carried).content.decode()
    checked = re.findall(r'<input type="radio" name="([^"]+)" value="(\w+)"[^>]*checked', back)
    assert (name(FIRST, 0), "recognised") in checked
    assert (name(FIRST, 1), "missing") in checked


def test_a_picture_without_marks_says_so(client):
    html = client.get(PICTURE).content.decode()
    assert "Je hebt nog niets gemarkeerd." in html
    assert "data-prepare-empty hidden" not in html


def test_nothing_is_stored(client):
    client.get(card_url(FIRST))
    before = row_counts()
    marks = {name(FIRST, 0): "recognised", name(FIRST, 0, discuss=True): "on"}
    assert post(client, card_url(SECOND), marks).status_code == 200
    assert post(client, PICTURE, marks).status_code == 200
    assert post(client, PICTURE, {"onbekend.e1": "recognised"}).status_code == 400
    assert row_counts() == before
    assert "sessionid" not in client.cookies


def test_unknown_behaviours_are_left_out_with_a_clear_message(client):
    marks = {
        name(FIRST, 0): "recognised",
        "bestaat-niet.e1": "missing",
        f"{FIRST['slug']}.zz9": "missing",
    }
    response = post(client, PICTURE, marks)
    assert response.status_code == 400
    html = response.content.decode()
    assert "Niet al je markeringen konden we lezen" in html
    assert "2 markeringen horen bij gedrag dat niet op deze kaarten staat" in html
    first_card = html.split(f'id="gk-solo-{FIRST["slug"]}"')[1].split("</section>")[0]
    assert re.findall(r"<dd>(\d+)</dd>", first_card)[0] == "1"  # the good mark is kept


def test_unknown_answers_are_left_out_with_a_clear_message(client):
    marks = {
        name(FIRST, 0): "recognised",
        name(FIRST, 1): "perhaps",
        name(FIRST, 2, discuss=True): "very much",
    }
    response = post(client, card_url(SECOND), marks)
    assert response.status_code == 400
    html = response.content.decode()
    assert "2 markeringen hebben een antwoord dat we niet kennen" in html
    assert f'name="{name(FIRST, 0)}" value="recognised"' in html
    assert "perhaps" not in html and "very much" not in html


def test_too_many_fields_are_refused_in_plain_words(client):
    marks = {f"{FIRST['slug']}.x{i}": "recognised" for i in range(250)}
    response = post(client, PICTURE, marks)
    assert response.status_code == 400
    html = response.content.decode()
    assert "meer verstuurd dan deze kaarten hebben" in html
    assert "Je hebt nog niets gemarkeerd." in html  # nothing of it was kept


def test_more_fields_than_any_form_gets_the_friendly_bad_request_page(client):
    marks = {f"x{i}": "recognised" for i in range(500)}
    response = post(client, PICTURE, marks)
    assert response.status_code == 400
    assert "Er klopt iets niet aan dit verzoek" in response.content.decode()


def test_marks_of_another_deck_version_are_not_mapped(client):
    marks = {name(FIRST, 0): "recognised"}
    response = post(client, PICTURE, marks, version=version_number() + 1)
    assert response.status_code == 400
    html = response.content.decode()
    assert "De kaarten zijn veranderd" in html
    assert "Je hebt nog niets gemarkeerd." in html


def test_posting_needs_the_csrf_token(client):
    response = client.post(PICTURE, {"version": version_number(), name(FIRST, 0): "missing"})
    assert response.status_code == 403


def test_english_interface(client):
    client.cookies["gk_language"] = "en"
    html = client.get(reverse("decks:prepare", args=[SLUG])).content.decode()
    assert "Prepare on your own" in html
    assert "Forget my preparation" in html


def test_gesprek_card_offers_the_preparation_hook(client):
    from gesprekskaarten.meetings import services as meetings
    from gesprekskaarten.meetings.models import Step
    from gesprekskaarten.meetings.views.participant import cookie_name
    from tests.factories import make_gesprek

    gesprek = make_gesprek()
    _participant, token = meetings.join(gesprek)
    gesprek = meetings.set_step(gesprek, Step.MARKING)
    client.cookies[cookie_name(gesprek)] = token
    principle = gesprek.principles.order_by("order").first()
    html = client.get(reverse("meetings:card", args=[gesprek.join_code, principle.slug])).content
    html = html.decode()
    assert "js/prepare-use.js" in html
    assert f'data-prepare-deck="{gesprek.deck_version.deck.slug}"' in html
    assert f'data-prepare-version="{gesprek.deck_version.number}"' in html
    behaviour = principle.behaviours.order_by("audience", "order").first()
    assert f'data-prepare-key="{principle.slug}/{behaviour.key}"' in html

"""Card pages, rendered by Django's test client."""

import pytest
from django.urls import reverse

from tests.factories import default_deck_data

pytestmark = pytest.mark.django_db
DECK = default_deck_data()
SLUG = DECK["slug"]


def page(client, url, language="nl"):
    client.cookies["gk_language"] = language
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize("language", ["nl", "en"])
def test_overview_shows_every_principle_with_its_values(client, language):
    html = page(client, reverse("decks:overview", args=[SLUG]), language)
    for principle in DECK["principles"]:
        assert principle["title"][language] in html
        for value in principle["values"]:
            assert value[language] in html
        assert reverse("decks:principle", args=[SLUG, principle["slug"]]) in html


@pytest.mark.parametrize("language", ["nl", "en"])
@pytest.mark.parametrize("principle", DECK["principles"], ids=lambda p: p["slug"])
def test_principle_page_shows_all_behaviours_in_order(client, language, principle):
    html = page(client, reverse("decks:principle", args=[SLUG, principle["slug"]]), language)
    assert principle["title"][language] in html
    everyone_at = html.index(DECK["behaviour_question"][language])
    leaders_at = html.index(DECK["leaders_heading"][language])
    positions = []
    for behaviour in principle["behaviours"]["everyone"]:
        position = html.index(escape(behaviour["text"][language]))
        assert everyone_at < position < leaders_at
        positions.append(position)
    for behaviour in principle["behaviours"]["leaders"]:
        position = html.index(escape(behaviour["text"][language]))
        assert position > leaders_at
        positions.append(position)
    assert positions == sorted(positions)


def escape(text):
    from django.utils.html import escape as django_escape

    return django_escape(text)


@pytest.mark.parametrize("language", ["nl", "en"])
def test_method_page_has_questions_closing_and_help(client, language):
    html = page(client, reverse("decks:method", args=[SLUG]), language)
    positions = [html.index(escape(q[language])) for q in DECK["method"]["questions"]]
    assert positions == sorted(positions)
    assert html.count('<li class="utrecht-ordered-list__item">') == 9
    assert DECK["method"]["closing"][language] in html
    assert f'href="mailto:{DECK["help"]["email"]}"' in html


def test_unknown_deck_and_principle_give_friendly_404(client):
    for url in ["/kaarten/geen-deck/", f"/kaarten/{SLUG}/geen-principe/"]:
        response = client.get(url)
        assert response.status_code == 404
        assert "Pagina niet gevonden" in response.content.decode()


def test_english_content_is_marked_as_unofficial(client):
    html = page(client, reverse("decks:overview", args=[SLUG]), "en")
    assert DECK["translations"]["en"]["en"] in html
    assert 'lang="en"' in html

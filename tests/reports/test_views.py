"""The download on the deck page."""

import pytest
from django.urls import reverse

from tests.factories import default_deck_data
from tests.reports import pdfcheck

pytestmark = pytest.mark.django_db
DECK = default_deck_data()
SLUG = DECK["slug"]
URL = f"/kaarten/{SLUG}/kaarten.pdf"


def test_address_is_stable_and_readable():
    assert reverse("reports:deck_pdf", args=[SLUG]) == URL
    # The deck pages keep their own addresses.
    assert reverse("decks:principle", args=[SLUG, "kaarten"]) == f"/kaarten/{SLUG}/kaarten/"


@pytest.mark.parametrize(("language", "layout"), [("nl", "a4-4up"), ("en", "a6")])
def test_download_gives_the_asked_pdf(client, language, layout):
    response = client.get(URL, {"taal": language, "opmaak": layout})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        f'attachment; filename="{SLUG}-{language}-{layout}.pdf"'
    )
    pdf = response.content
    assert pdf.startswith(b"%PDF-")
    assert pdfcheck.xmp_value(pdf, "dc:language") == [language]
    first = DECK["principles"][0]["behaviours"]["everyone"][0]["text"][language]
    assert first in pdfcheck.all_text(pdf)


def test_without_choices_the_cards_follow_the_interface_language(client):
    client.cookies["gk_language"] = "en"
    response = client.get(URL)
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith(f'"{SLUG}-en-a6.pdf"')


@pytest.mark.parametrize("query", [{"taal": "de"}, {"opmaak": "a5"}, {"taal": "<script>"}])
def test_unknown_choice_is_a_clear_bad_request(client, query):
    client.cookies["gk_language"] = "nl"
    response = client.get(URL, query)
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/plain")
    assert "in die taal of op dat papier" in response.content.decode()


def test_unknown_deck_is_not_found(client):
    assert client.get("/kaarten/bestaat-niet/kaarten.pdf").status_code == 404


def test_only_reading_is_allowed(client):
    assert client.post(URL).status_code == 405


@pytest.mark.parametrize("language", ["nl", "en"])
def test_deck_page_offers_the_download(client, language):
    client.cookies["gk_language"] = language
    html = client.get(reverse("decks:overview", args=[SLUG])).content.decode()
    assert f'action="{URL}"' in html
    assert 'method="get"' in html
    assert 'name="taal"' in html and 'name="opmaak"' in html
    assert '<option value="a4-4up" selected>' in html
    assert f'<option value="{language}" selected>' in html
    label = {"nl": "Download de kaarten als pdf", "en": "Download the cards as PDF"}[language]
    assert label in html
    assert '<label class="gk-label" for="gk-print-taal">' in html

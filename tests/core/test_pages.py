"""Site pages, language choice, errors and security headers."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_home_links_to_the_cards(client):
    html = client.get("/").content.decode()
    assert 'href="/kaarten/ambtelijk-vakmanschap/"' in html
    assert '<html lang="nl"' in html


@pytest.mark.parametrize("name", ["home", "accessibility", "privacy", "decks:list"])
def test_footer_links_on_every_page(client, name):
    html = client.get(reverse(name)).content.decode()
    assert 'href="/toegankelijkheid/"' in html
    assert 'href="/privacy/"' in html


def test_language_switch_is_remembered(client):
    response = client.post(reverse("set_language"), {"language": "en", "next": "/privacy/"})
    assert response.status_code == 302
    assert response["Location"] == "/privacy/"
    assert response.cookies["gk_language"].value == "en"
    html = client.get("/privacy/").content.decode()
    assert '<html lang="en"' in html
    assert "What we store" in html


def test_language_switch_requires_csrf():
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    response = strict.post(reverse("set_language"), {"language": "en"})
    assert response.status_code == 403


@pytest.mark.parametrize("header", ["de-DE,de;q=0.9", "fr", "xx", "*"])
def test_unsupported_language_falls_back_to_dutch(client, header):
    html = client.get("/privacy/", HTTP_ACCEPT_LANGUAGE=header).content.decode()
    assert '<html lang="nl"' in html
    assert "Wat we bewaren" in html


def test_unsupported_language_cookie_falls_back_to_dutch(client):
    client.cookies["gk_language"] = "klingon"
    assert '<html lang="nl"' in client.get("/").content.decode()


@pytest.mark.parametrize(
    ("language", "text"), [("nl", "Pagina niet gevonden"), ("en", "Page not found")]
)
def test_404_in_chosen_language(client, language, text):
    client.cookies["gk_language"] = language
    response = client.get("/bestaat-niet/")
    assert response.status_code == 404
    assert text in response.content.decode()


def test_security_headers(client):
    response = client.get("/")
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_no_inline_script_or_style_in_pages(client):
    for url in ["/", "/kaarten/", "/kaarten/ambtelijk-vakmanschap/", "/privacy/"]:
        html = client.get(url).content.decode()
        assert "<script" not in html
        assert "<style" not in html
        assert " style=" not in html
        assert " onclick=" not in html


def test_admin_shows_decks_read_only(admin_client):
    response = admin_client.get("/beheer/decks/deckversion/")
    assert response.status_code == 200
    assert "ambtelijk-vakmanschap" in response.content.decode()
    assert admin_client.get("/beheer/decks/deck/add/").status_code == 403
    version_id = response.context["cl"].result_list[0].pk
    change = admin_client.post(f"/beheer/decks/deckversion/{version_id}/change/", {"label": "x"})
    assert change.status_code == 403
    delete = admin_client.post(f"/beheer/decks/deckversion/{version_id}/delete/", {"post": "yes"})
    assert delete.status_code == 403

"""Error pages in the reader's language and in the site's layout, never Django's bare defaults
(issue 13, item 9): 400, 403, a failed CSRF check and 413 (too large), next to the 404."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

pytestmark = pytest.mark.django_db

TEXTS = {
    "nl": {
        400: "Er klopt iets niet aan dit verzoek",
        403: "Je kunt deze pagina niet openen",
        "csrf": "Deze pagina is verlopen",
        413: "Wat je stuurde is te groot",
        404: "Pagina niet gevonden",
    },
    "en": {
        400: "Something is wrong with this request",
        403: "You cannot open this page",
        "csrf": "This page has expired",
        413: "What you sent is too large",
        404: "Page not found",
    },
}


def browser(language: str, **options) -> Client:
    client = Client(**options)
    client.cookies["gk_language"] = language
    return client


def too_many_fields(language):
    fields = {f"field{n}": "x" for n in range(500)}  # DATA_UPLOAD_MAX_NUMBER_FIELDS is 400
    client = browser(language)
    return 400, client, client.post("/doe-mee/", fields)


def forbidden(language):
    user = get_user_model().objects.create_superuser("beheerder", password="a-Long-pass-123")
    client = browser(language)
    client.force_login(user)
    return 403, client, client.get("/beheer/decks/deck/add/")  # decks come from files only


def csrf_failure(language):
    client = browser(language, enforce_csrf_checks=True)
    return "csrf", client, client.post("/inloggen/", {"username": "a", "password": "b"})


def too_large(language):
    client = browser(language)
    return 413, client, client.post("/doe-mee/", {"code": "x" * 600_000})


def layout(html: str) -> str:
    """The page without what differs from page to page: title, main content, CSRF tokens."""
    html = re.sub(r"<title>.*?</title>", "", html, flags=re.S)
    html = re.sub(r"<main.*?</main>", "<main/>", html, flags=re.S)
    return re.sub(r'name="(csrfmiddlewaretoken|next)" value="[^"]+"', "", html)


@pytest.mark.parametrize("language", ["nl", "en"])
@pytest.mark.parametrize("make", [too_many_fields, forbidden, csrf_failure, too_large])
def test_error_pages_speak_the_readers_language_in_the_site_layout(make, language):
    kind, client, response = make(language)
    assert response.status_code == (403 if kind == "csrf" else kind)
    html = response.content.decode()
    assert f'<html lang="{language}"' in html
    heading = TEXTS[language][kind]
    assert f'<h1 class="utrecht-heading-1">{heading}</h1>' in html
    assert f"<title>{heading} · Gesprekskaarten</title>" in html
    assert "DEBUG" not in html and "Forbidden" not in html and "Bad Request" not in html
    reference = client.get("/bestaat-niet/")  # the 404 page, for the same reader
    assert reference.status_code == 404
    assert TEXTS[language][404] in reference.content.decode()
    assert layout(html) == layout(reference.content.decode())


def test_dutch_is_the_default_for_error_pages():
    response = Client(enforce_csrf_checks=True).post("/inloggen/", HTTP_ACCEPT_LANGUAGE="de")
    assert response.status_code == 403
    assert TEXTS["nl"]["csrf"] in response.content.decode()

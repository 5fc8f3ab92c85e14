"""The error pages people can meet, in a real browser: a form sent too large, with too many
fields, after its page expired (CSRF), and an account whose logins are paused. Each in the
reader's language, passing axe-core (issue 13, item 9)."""

import pytest

from tests.e2e.conftest import start_server
from tests.e2e.flows import assert_accessible, language, open_page

HEADINGS = {
    "nl": {
        413: "Wat je stuurde is te groot",
        400: "Er klopt iets niet aan dit verzoek",
        "csrf": "Deze pagina is verlopen",
        "paused": "Inloggen op dit account staat even stil",
    },
    "en": {
        413: "What you sent is too large",
        400: "Something is wrong with this request",
        "csrf": "This page has expired",
        "paused": "Logging in to this account is paused",
    },
}
LOCALES = {"nl": "nl-NL", "en": "en-GB"}


@pytest.fixture(scope="module")
def limited_server(tmp_path_factory):
    """A server of its own: one wrong password pauses an account, and the login counters of
    the shared server stay untouched."""
    server = start_server(tmp_path_factory.mktemp("errors"), GK_RATE_LOGIN_FAILURES_PER_ACCOUNT="1")
    yield server
    server.stop()


def send_join_form(page, prepare: str):
    """Open the join form, change it in the page with `prepare` (JavaScript), send it."""
    page.goto("/doe-mee/")
    page.evaluate(prepare)
    if prepare == EXPIRED:
        page.context.clear_cookies()  # with its CSRF cookie gone, the page has expired
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()


TOO_LARGE = "document.querySelector('input[name=code]').value = 'x'.repeat(600000)"
TOO_MANY_FIELDS = """
    const form = document.querySelector('main form');
    for (let n = 0; n < 450; n++) {
        const field = document.createElement('input');
        field.type = 'hidden'; field.name = 'field' + n; field.value = 'x';
        form.appendChild(field);
    }
    document.querySelector('input[name=code]').value = 'ACDEF-GHJKM';
"""
EXPIRED = "document.querySelector('input[name=csrfmiddlewaretoken]').value = 'expired'"


@pytest.mark.parametrize("lang", ["nl", "en"])
@pytest.mark.parametrize(
    ("kind", "prepare"), [(413, TOO_LARGE), (400, TOO_MANY_FIELDS), ("csrf", EXPIRED)]
)
def test_a_refused_form_gets_a_clear_page(browser, limited_server, lang, kind, prepare):
    page = open_page(browser, limited_server, locale=LOCALES[lang])
    try:
        send_join_form(page, prepare)
        assert language(page) == lang
        assert page.locator("h1").inner_text() == HEADINGS[lang][kind]
        assert "DEBUG" not in page.content()
        assert_accessible(page)
    finally:
        page.context.close()


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_a_paused_account_is_told_plainly(browser, limited_server, lang):
    page = open_page(browser, limited_server, locale=LOCALES[lang])
    try:
        for password in ["wrong", "also-wrong"]:
            page.goto("/inloggen/")
            page.locator("input[name=username]").fill(f"niemand-{lang}")
            page.locator("input[name=password]").fill(password)
            with page.expect_navigation():
                page.locator("main form button[type=submit]").click()
        assert page.locator("h1").inner_text() == HEADINGS[lang]["paused"]
        assert_accessible(page)
    finally:
        page.context.close()

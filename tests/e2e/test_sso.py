"""Single sign-on in Chromium, against the real test identity provider (tests/oidc.py) in a
process of its own.

The demo's administrator sets up single sign-on for the demo organisation on the settings page
(bad input first, then a connection test), then logs in through the provider: the organisation
login form by keyboard, the provider's own login page, back on the dashboard. Then what must be
refused: an address in another domain, a tampered state, a lost session, and a provider that is
down. axe-core on every page of ours.
"""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import LAPTOP, start_server
from tests.e2e.flows import assert_accessible, focus_info, log_in, open_page, tab_to
from tests.oidc import CLIENT_ID, CLIENT_SECRET, PASSWORD, start_provider

LOCALE = "en-GB"
CALLBACK = re.compile(r"/inloggen/terug/\?")


@pytest.fixture
def servers(tmp_path):
    server = start_server(tmp_path / "var")
    provider = start_provider(tmp_path / "provider", [f"{server.url}/inloggen/terug/"])
    yield server, provider
    provider.stop()
    server.stop()


def test_single_sign_on_for_the_demo_organisation(browser, servers):
    server, provider = servers
    admin = open_page(browser, server, viewport=LAPTOP, locale=LOCALE)
    log_in(admin, server)
    configure(admin, server, provider)

    person = open_page(browser, server, locale=LOCALE)
    log_in_through_the_organisation(person)
    person.context.close()

    refused_domain(open_page(browser, server, locale=LOCALE))
    tampered_and_lost(open_page(browser, server, locale=LOCALE), provider)

    provider.stop()
    down = open_page(browser, server, locale=LOCALE)
    down.goto("/inloggen/organisatie/demo/")
    expect(down.get_by_role("heading", name="The login service does not answer")).to_be_visible()
    expect(down.locator("main")).to_contain_text("Demo-organisatie")
    expect(down.get_by_role("link", name="Log in with a user name and password")).to_be_visible()
    assert_accessible(down)


def configure(admin, server, provider):
    admin.goto("/organisatie/demo/inloggen/")
    expect(admin.get_by_role("heading", name="Single sign-on of Demo-organisatie")).to_be_visible()
    assert_accessible(admin)
    expect(admin.locator("#gk-redirect-uri")).to_have_text(f"{server.url}/inloggen/terug/")

    admin.get_by_label("Issuer").fill(provider.issuer)
    admin.get_by_label("Client ID").fill(CLIENT_ID)
    admin.get_by_label("Client secret").fill(CLIENT_SECRET)
    admin.get_by_label("Allowed e-mail domains").fill("demo.example, not_a_domain")
    admin.get_by_label("People can log in through this login service").check()
    admin.get_by_role("button", name="Save").click()
    expect(admin.get_by_role("alert")).to_contain_text("“not_a_domain” is not a domain")
    assert_accessible(admin)

    # The secret is never sent back to the browser; the rest of the input is kept.
    expect(admin.get_by_label("Client secret")).to_have_value("")
    expect(admin.get_by_label("Issuer")).to_have_value(provider.issuer)
    admin.get_by_label("Client secret").fill(CLIENT_SECRET)
    admin.get_by_label("Allowed e-mail domains").fill("demo.example")
    admin.get_by_role("button", name="Test the connection").click()
    expect(admin.get_by_role("status")).to_contain_text("The identity provider answered")
    assert_accessible(admin)

    admin.get_by_label("Client secret").fill(CLIENT_SECRET)
    admin.get_by_role("button", name="Save").click()
    expect(admin.get_by_role("status")).to_contain_text("The single sign-on settings are saved.")
    expect(admin.get_by_label("People can log in through this login service")).to_be_checked()
    expect(admin.get_by_label("Client secret")).to_have_value("")
    assert CLIENT_SECRET not in admin.content()
    assert_accessible(admin)


def at_the_provider(page, username):
    """The provider's own login page (Django's login in tests/oidc_provider/)."""
    expect(page.get_by_role("heading", name="Test identity provider")).to_be_visible()
    page.get_by_label("Provider user name").fill(username)
    page.get_by_label("Provider password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in at the provider").click()


def log_in_through_the_organisation(person):
    person.goto("/inloggen/")
    person.get_by_role("link", name="Log in with your organisation's account").click()
    expect(
        person.get_by_role("heading", name="Log in with your organisation's account")
    ).to_be_visible()
    assert_accessible(person)
    # Every control of the page in turn, each visibly focused.
    person.goto(person.url)
    for selector in [
        "main a[href='/inloggen/organisatie/demo/']",
        "input[name=query]",
        "main button[type=submit]",
        "main a[href='/inloggen/']",
    ]:
        tab_to(person, selector)
        focus = focus_info(person)
        assert focus["outline"] or focus["shadow"], focus

    # Keyboard only: the address, Enter, then the organisation's link.
    tab_to(person, "input[name=query]")
    person.keyboard.type("nobody@elders.example")
    person.keyboard.press("Enter")
    expect(person.get_by_role("alert")).to_contain_text("ending in @elders.example")
    assert_accessible(person)
    tab_to(person, "input[name=query]")
    person.keyboard.press("Control+A")
    person.keyboard.type("begeleider@demo.example")
    person.keyboard.press("Enter")
    expect(person.get_by_role("heading", name="Your organisation")).to_be_visible()
    assert_accessible(person)
    tab_to(person, "main a.utrecht-button-link")
    assert "Log in through Demo-organisatie" in person.evaluate(
        "document.activeElement.textContent"
    )
    person.keyboard.press("Enter")

    at_the_provider(person, "begeleider")
    expect(person.get_by_role("heading", name="Your gesprekken")).to_be_visible()
    assert person.url.endswith("/begeleiden/")
    expect(person.get_by_role("button", name="Log out (begeleider)")).to_be_visible()
    assert_accessible(person)


def refused_domain(page):
    page.goto("/inloggen/organisatie/")
    page.get_by_role("link", name="Demo-organisatie").click()
    at_the_provider(page, "vreemde")
    expect(
        page.get_by_role("heading", name="This e-mail address does not get in here")
    ).to_be_visible()
    expect(page.locator("main")).to_contain_text("@elders.example")
    expect(page.get_by_role("link", name="Log in with a user name and password")).to_be_visible()
    assert_accessible(page)
    page.goto("/begeleiden/")
    assert "/inloggen/" in page.url  # not logged in
    page.context.close()


def held_answer(page, provider, username) -> str:
    """The provider's answer for a login started in this browser, not yet delivered: log in at
    the provider first, then start a login here and let the provider answer, both through the
    browser context's own cookies (its request API) without following the way back."""
    page.goto(f"{provider.url}/accounts/login/?next=/openid/jwks")
    at_the_provider(page, username)
    start = page.request.get("/inloggen/organisatie/demo/", max_redirects=0)
    assert start.status == 302
    answer = page.request.get(start.headers["location"], max_redirects=0)
    assert answer.status == 302 and CALLBACK.search(answer.headers["location"])
    return answer.headers["location"]


def tampered_and_lost(page, provider):
    answer = held_answer(page, provider, "begeleider")
    state = re.search(r"state=([^&]+)", answer).group(1)
    page.goto(answer.replace(f"state={state}", f"state={state[:-4]}abcd"))
    expect(page.get_by_role("heading", name="This login does not match")).to_be_visible()
    expect(page.get_by_role("link", name="Log in with a user name and password")).to_be_visible()
    assert_accessible(page)

    # The same answer after the session was lost (cookies removed): too late, start again.
    page.context.clear_cookies(name="sessionid")
    page.goto(answer)
    expect(page.get_by_role("heading", name="Your login took too long")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Start again").click()
    expect(
        page.get_by_role("heading", name="Log in with your organisation's account")
    ).to_be_visible()
    page.goto("/begeleiden/")
    assert "/inloggen/" in page.url
    page.context.close()

"""Organisations in Chromium, with a real SMTP server: the demo administrator invites a new
facilitator to Demoteam by e-mail (keyboard only); the mail arrives; its link, opened on another
device, makes an account; the new facilitator creates a team and starts a gesprek in it. Then a
password reset through its mail. axe-core on every page of these parts.

The pages run in English: the Dutch texts are the same templates with their translations.
"""

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import LAPTOP, start_server
from tests.e2e.flows import CARD, assert_accessible, log_in, open_page, tab_to
from tests.mail import MailServer

LOCALE = "en-GB"
NEWCOMER = "nieuwe.begeleider@demo.example"
PASSWORD = "Koffie-en-kaarten-2026"
ADMIN_EMAIL = "begeleider@demo.example"


@pytest.fixture(scope="module")
def mail():
    with MailServer() as server:
        yield server


@pytest.fixture(scope="module")
def server(mail, tmp_path_factory):
    server = start_server(tmp_path_factory.mktemp("var"), **mail.env)
    yield server
    server.stop()


def test_an_administrator_invites_a_facilitator_who_starts_a_gesprek(browser, server, mail):
    admin = open_page(browser, server, viewport=LAPTOP, locale=LOCALE)
    log_in(admin, server)
    overview = open_overview(admin)
    invite_by_keyboard(admin, overview)
    message = mail.wait_for(NEWCOMER)
    assert "Demo-organisatie" in message["Subject"]
    assert "Demoteam" in mail.body(message)
    link = mail.link_in(message, "/uitnodiging/")

    newcomer = open_page(browser, server, viewport=LAPTOP, locale=LOCALE)  # another device
    accept_with_a_new_password(newcomer, link)
    create_team_and_start_gesprek(newcomer)

    # The link worked once.
    newcomer.goto(link)
    expect(
        newcomer.get_by_role("heading", name="This invitation link does not work")
    ).to_be_visible()
    expect(newcomer.get_by_text("already accepted")).to_be_visible()
    assert_accessible(newcomer)

    manage_the_newcomer(admin)
    revoke_an_invitation(browser, server, admin, mail)
    look_at_settings_and_archiving(admin)
    admin.context.close()
    newcomer.context.close()


def open_overview(admin):
    admin.get_by_role("link", name="Organisation", exact=True).click()
    expect(admin.get_by_role("heading", name="Your organisations")).to_be_visible()
    expect(admin.get_by_role("cell", name="Administrator")).to_be_visible()
    assert_accessible(admin)
    admin.get_by_role("link", name="Manage Demo-organisatie").click()
    expect(admin.get_by_role("heading", name="Demo-organisatie", exact=True)).to_be_visible()
    expect(admin.get_by_role("cell", name=ADMIN_EMAIL + " (you)")).to_be_visible()
    assert_accessible(admin)
    return admin.url


def invite_by_keyboard(admin, overview):
    admin.get_by_role("link", name="Invite someone").click()
    expect(admin.get_by_role("heading", name="Invite someone")).to_be_visible()
    assert_accessible(admin)
    # A bad address first: a clear message, and the page stays accessible.
    admin.get_by_label("E-mail address").fill("not an address")
    admin.get_by_role("button", name="Send the invitation").click()
    expect(admin.get_by_role("alert")).to_contain_text("name@example.nl")
    assert_accessible(admin)
    # Then keyboard only: Tab, type, Space and Enter.
    admin.goto(admin.url)
    tab_to(admin, "input[name=email]")
    admin.keyboard.type(NEWCOMER)
    tab_to(admin, "input[name=role]")
    assert admin.evaluate("document.activeElement.value") == "facilitator"  # the default
    tab_to(admin, "input[name=teams]")
    admin.keyboard.press("Space")
    expect(admin.get_by_label("Demoteam")).to_be_checked()
    tab_to(admin, "main button[type=submit]")
    admin.keyboard.press("Enter")
    expect(admin.get_by_role("status")).to_contain_text(f"The invitation is sent to {NEWCOMER}")
    assert admin.url.startswith(overview)
    expect(admin.get_by_role("cell", name=NEWCOMER, exact=True)).to_be_visible()
    assert_accessible(admin)


def accept_with_a_new_password(newcomer, link):
    newcomer.goto(link)
    expect(newcomer.get_by_role("heading", name="Accept the invitation")).to_be_visible()
    expect(newcomer.get_by_text("as Facilitator")).to_be_visible()
    assert_accessible(newcomer)
    newcomer.get_by_label("Choose a password").fill(PASSWORD)
    newcomer.get_by_label("The same password again").fill(PASSWORD + "!")
    newcomer.get_by_role("button", name="Make my account").click()
    expect(newcomer.get_by_role("alert")).to_be_visible()
    assert_accessible(newcomer)
    newcomer.get_by_label("Choose a password").fill(PASSWORD)
    newcomer.get_by_label("The same password again").fill(PASSWORD)
    newcomer.get_by_role("button", name="Make my account").click()
    expect(newcomer.get_by_role("heading", name="Your gesprekken")).to_be_visible()
    expect(newcomer.get_by_role("status")).to_contain_text("Welcome to Demo-organisatie")
    expect(newcomer.get_by_role("link", name="Agreements of Demoteam")).to_be_visible()


def create_team_and_start_gesprek(newcomer):
    newcomer.get_by_role("link", name="Organisation", exact=True).click()
    expect(newcomer.get_by_role("cell", name="Facilitator", exact=True)).to_be_visible()
    assert_accessible(newcomer)
    newcomer.get_by_role("link", name="Make a team in Demo-organisatie").click()
    expect(newcomer.get_by_role("heading", name="Make a team")).to_be_visible()
    assert_accessible(newcomer)
    newcomer.get_by_label("Name of the team").fill("Team Noord")
    newcomer.get_by_role("button", name="Make the team").click()
    expect(newcomer.get_by_role("status")).to_contain_text("The team Team Noord is made.")
    newcomer.get_by_role("link", name="Start a new gesprek").click()
    newcomer.get_by_label("Team", exact=True).select_option(label="Team Noord")
    newcomer.get_by_label("Title (optional)").fill("First gesprek of Team Noord")
    newcomer.get_by_label(CARD["title"]["en"]).check()
    newcomer.get_by_label("Behaviours for everyone").check()
    newcomer.get_by_role("button", name="Start", exact=True).click()
    expect(newcomer.get_by_role("heading", name="First gesprek of Team Noord")).to_be_visible()
    newcomer.goto("/begeleiden/")
    expect(newcomer.get_by_role("row", name="First gesprek of Team Noord")).to_contain_text(
        "Team Noord"
    )


def manage_the_newcomer(admin):
    admin.get_by_role("link", name="Organisation", exact=True).click()
    admin.get_by_role("link", name="Manage Demo-organisatie").click()
    row = admin.get_by_role("table", name="People").get_by_role("row", name=NEWCOMER)
    expect(row).to_contain_text("Demoteam")
    expect(row).to_contain_text("Team Noord")
    row.get_by_role("link", name=f"Change {NEWCOMER}").click()
    expect(admin.get_by_role("heading", name=NEWCOMER)).to_be_visible()
    assert_accessible(admin)
    # Facilitates Demoteam no more.
    admin.get_by_label("Demoteam").uncheck()
    admin.get_by_role("button", name="Save the teams").click()
    expect(admin.get_by_role("status")).to_contain_text("The teams are changed.")
    expect(admin.get_by_label("Demoteam")).not_to_be_checked()
    expect(admin.get_by_label("Team Noord")).to_be_checked()
    # Removing asks first; going back changes nothing.
    admin.get_by_role("link", name=f"Remove {NEWCOMER}…").click()
    expect(admin.get_by_role("heading", name="Remove this person?")).to_be_visible()
    assert_accessible(admin)
    admin.get_by_role("link", name="No, go back").click()
    expect(admin.get_by_role("heading", name=NEWCOMER)).to_be_visible()


def revoke_an_invitation(browser, server, admin, mail):
    admin.get_by_role("link", name="Back to Demo-organisatie").click()
    admin.get_by_role("link", name="Invite someone").click()
    admin.get_by_label("E-mail address").fill("analist@demo.example")
    admin.get_by_label("Analyst").check()
    admin.get_by_role("button", name="Send the invitation").click()
    link = mail.link_in(mail.wait_for("analist@demo.example"), "/uitnodiging/")
    # The same address again: refused, with an offer to send it again.
    admin.get_by_role("link", name="Invite someone").click()
    admin.get_by_label("E-mail address").fill("Analist@demo.example")
    admin.get_by_role("button", name="Send the invitation").click()
    expect(admin.get_by_role("alert")).to_contain_text("already has an open invitation")
    assert_accessible(admin)
    admin.get_by_role("button", name="Send the invitation again").click()
    expect(admin.get_by_role("status")).to_contain_text("The earlier link no longer works")
    new_link = mail.link_in(mail.wait_for("analist@demo.example", 2), "/uitnodiging/")
    assert new_link != link
    admin.get_by_role("link", name="Revoke analist@demo.example").click()
    expect(admin.get_by_role("heading", name="Revoke the invitation?")).to_be_visible()
    assert_accessible(admin)
    admin.get_by_role("button", name="Yes, revoke the invitation").click()
    expect(admin.get_by_role("status")).to_contain_text("is revoked")
    stranger = open_page(browser, server, locale=LOCALE)
    for address, text in [(link, "We do not know this link"), (new_link, "revoked")]:
        stranger.goto(address)
        expect(
            stranger.get_by_role("heading", name="This invitation link does not work")
        ).to_be_visible()
        expect(stranger.get_by_role("main")).to_contain_text(text)
        assert_accessible(stranger)
    stranger.context.close()


def look_at_settings_and_archiving(admin):
    admin.get_by_role("link", name="Settings").click()
    expect(admin.get_by_role("heading", name="Settings of Demo-organisatie")).to_be_visible()
    assert_accessible(admin)
    admin.get_by_role("link", name="Back to Demo-organisatie").click()
    admin.get_by_role("link", name="Archive Team Noord").click()
    expect(admin.get_by_role("heading", name="Archive this team?")).to_be_visible()
    assert_accessible(admin)
    admin.get_by_role("button", name="Yes, archive Team Noord").click()
    expect(admin.get_by_role("status")).to_contain_text("The team Team Noord is archived.")
    archived = admin.get_by_role("table", name="Archived teams")
    expect(archived.get_by_role("row", name="Team Noord")).to_contain_text(
        "Take out of the archive"
    )
    assert_accessible(admin)


def test_a_password_reset_through_the_mail(browser, server, mail):
    page = open_page(browser, server, locale=LOCALE)
    page.goto("/inloggen/")
    page.get_by_role("link", name="Forgot your password?").click()
    expect(page.get_by_role("heading", name="Forgot your password?")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Your e-mail address").fill(ADMIN_EMAIL)
    page.get_by_role("button", name="Send the link").click()
    expect(page.get_by_role("heading", name="Check your e-mail")).to_be_visible()
    assert_accessible(page)
    link = mail.link_in(mail.wait_for(ADMIN_EMAIL), "/wachtwoord-vergeten/")
    page.goto(link)
    expect(page.get_by_role("heading", name="Choose a new password")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("New password", exact=True).fill("Nieuw-wachtwoord-2026")
    page.get_by_label("New password confirmation").fill("Nieuw-wachtwoord-2026")
    page.get_by_role("button", name="Save the new password").click()
    expect(page.get_by_role("heading", name="Your password is changed")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Log in", exact=True).click()
    page.get_by_label("E-mail address or user name").fill(server.username)
    page.get_by_label("Password").fill("Nieuw-wachtwoord-2026")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Your gesprekken")).to_be_visible()
    # The link worked once.
    page.goto(link)
    expect(page.get_by_text("This link does not work")).to_be_visible()
    page.context.close()

"""Organisation insight in Chromium, on the demo data (four teams with gesprekken in past
quarters): the analyst's page and a team facilitator's comparison, each with axe-core in light
and dark, a keyboard-only pass, and with JavaScript off. No team's name is on the analyst's
page; held-back figures say so in words.
"""

import subprocess

from playwright.sync_api import expect

from tests.e2e.conftest import COMMAND, LAPTOP, new_page, start_server
from tests.e2e.flows import assert_accessible, keyboard_pass

LOCALE = "en-GB"
PASSWORD = "e2e-Insight-pass-42"
TEAMS = ["Demoteam", "Team Oost", "Team Zuid", "Team West", "Team Midden"]
# A facilitator of Team Oost, and a known password for the demo's analyst.
SETUP = f"""
from django.contrib.auth import get_user_model
from gesprekskaarten.organisations.models import Organisation, Role
from gesprekskaarten.organisations.services import add_member
from gesprekskaarten.teams.models import Team
from gesprekskaarten.teams.services import add_facilitator
users = get_user_model().objects
analyst = users.get(username="analist")
analyst.set_password("{PASSWORD}")
analyst.save()
oost = users.create_user("begeleider-oost", password="{PASSWORD}")
add_member(Organisation.objects.get(slug="demo"), oost, Role.FACILITATOR)
add_facilitator(Team.objects.get(slug="demo-oost"), oost)
"""


def log_in(browser, server, username, *, color_scheme="light", javascript=True):
    page = new_page(
        browser,
        server,
        viewport=LAPTOP,
        locale=LOCALE,
        color_scheme=color_scheme,
        javascript=javascript,
    )
    page.goto("/inloggen/")
    page.get_by_label("E-mail address or user name").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Your gesprekken")).to_be_visible()
    return page


def test_analyst_and_facilitator_see_only_k_safe_figures(browser, tmp_path):
    server = start_server(tmp_path / "var")
    try:
        subprocess.run(
            [*COMMAND, "manage", "shell", "-c", SETUP],
            env=server.env,
            check=True,
            stdin=subprocess.DEVNULL,
            timeout=60,
        )
        analyst_page(browser, server)
        facilitator_page(browser, server)
    finally:
        server.stop()


def analyst_page(browser, server):
    for scheme in ("light", "dark"):
        page = log_in(browser, server, "analist", color_scheme=scheme)
        page.goto("/organisatie/")
        page.get_by_role("link", name="Insight into Demo-organisatie").click()
        expect(page.get_by_role("heading", name="Insight into Demo-organisatie")).to_be_visible()
        expect(page.locator(".gk-bar").first).to_be_visible()
        expect(page.get_by_text("Too few teams to show.").first).to_be_visible()
        assert_accessible(page)
        main = page.locator("main").inner_text()
        for team in TEAMS:
            assert team not in main, team
        if scheme == "light":
            links = keyboard_pass(page)
            assert any(link.endswith("inzicht.csv") for link in links)
            # The older quarters, by keyboard: the oldest has too few teams for anything.
            oldest = page.get_by_role("navigation", name="Quarters").get_by_role("link").last
            oldest.focus()
            page.keyboard.press("Enter")
            expect(page.locator(".gk-hidden-result").first).to_be_visible()
            assert page.locator(".gk-counts").count() == 0
            assert_accessible(page)
        page.context.close()
    # Without JavaScript: the same page, the same pictures and numbers.
    page = log_in(browser, server, "analist", javascript=False)
    page.goto("/organisatie/demo/inzicht/")
    expect(page.get_by_role("heading", name="Insight into Demo-organisatie")).to_be_visible()
    expect(page.locator(".gk-counts").first).to_be_visible()
    page.get_by_role("navigation", name="Quarters").get_by_role("link").last.click()
    expect(page.get_by_text("Too few teams to show.").first).to_be_visible()
    page.context.close()


def facilitator_page(browser, server):
    for scheme in ("light", "dark"):
        page = log_in(browser, server, "begeleider-oost", color_scheme=scheme)
        page.goto("/teams/demo-oost/geschiedenis/")
        page.get_by_role("link", name="Team Oost beside the organisation").click()
        expect(
            page.get_by_role("heading", name="Team Oost beside the organisation")
        ).to_be_visible()
        expect(page.get_by_role("heading", name="Your team").first).to_be_visible()
        expect(page.get_by_text("Too few teams to compare.").first).to_be_visible()
        assert_accessible(page)
        if scheme == "light":
            keyboard_pass(page)
        main = page.locator("main").inner_text()
        for team in TEAMS[2:]:
            assert team not in main, team
        page.context.close()
    page = log_in(browser, server, "begeleider-oost", javascript=False)
    page.goto("/teams/demo-oost/vergelijking/")
    expect(page.get_by_role("heading", name="The organisation").first).to_be_visible()
    # The organisation's page is not for a facilitator.
    assert page.goto("/organisatie/demo/inzicht/").status == 404
    page.context.close()

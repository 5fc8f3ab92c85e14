"""Export and deletion in Chromium: the facilitator (also the demo organisation's administrator)
ends two gesprekken, deletes one through its confirmation page with the keyboard alone (bad
input first), and downloads the team's archive, which holds the other one and not the deleted
one. axe-core on the confirmation pages, also with the error shown.

The pages run in English: the Dutch texts of this part are filled in with the translations.
"""

import json
import zipfile

from playwright.sync_api import expect

from tests.e2e.conftest import LAPTOP, start_server
from tests.e2e.flows import (
    assert_accessible,
    download,
    end_gesprek,
    focus_info,
    log_in,
    open_page,
    start_gesprek,
    tab_to,
)
from tests.lifecycle.test_export import check_archive

LOCALE = "en-GB"
KEPT = "Team day we keep"
GONE = "Team day that goes"


def test_delete_a_gesprek_by_keyboard_and_download_the_team_archive(browser, tmp_path):
    server = start_server(tmp_path / "var")
    try:
        run(browser, server, tmp_path)
    finally:
        server.stop()


def tab_order(page) -> list[str]:
    """From the top of the freshly loaded page, what Tab reaches in the main content, each
    visibly focused: tag and text (or name, for a field)."""
    page.goto(page.url)
    reached = []
    for _ in range(40):
        page.keyboard.press("Tab")
        if not page.evaluate("document.querySelector('main').contains(document.activeElement)"):
            if reached:
                return reached
            continue
        info = focus_info(page)
        assert info["visible"] and (info["outline"] or info["shadow"]), info
        name = page.evaluate("document.activeElement.name") if info["tag"] == "INPUT" else ""
        reached.append(f"{info['tag']} {name or info['text']}")
    return reached


def run(browser, server, tmp_path):
    page = open_page(browser, server, viewport=LAPTOP, locale=LOCALE)
    log_in(page, server)
    start_gesprek(page, KEPT)
    end_gesprek(page)
    page.goto("/begeleiden/")
    start_gesprek(page, GONE)
    gone_url = page.url

    # A live gesprek cannot be deleted: the page says to end it first, and offers no button.
    page.goto(gone_url + "verwijderen/")
    expect(page.get_by_role("alert")).to_contain_text("End the gesprek first")
    assert page.locator("main form").count() == 0
    assert_accessible(page)
    page.goto(gone_url)
    end_gesprek(page)
    expect(page.get_by_text("This gesprek has ended.")).to_be_visible()

    # Keyboard only: from the ended gesprek's page to the confirmation page and its button.
    page.goto(page.url)
    tab_to(page, 'main a[href$="/verwijderen/"]')
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name=f"Delete the gesprek {GONE}?")).to_be_visible()
    what_goes = page.locator("main table").inner_text()
    assert "Gesprekken\t1" in what_goes and "Agreements, with their history of changes\t0" in (
        what_goes
    )
    assert_accessible(page)
    assert tab_order(page) == [
        "A Report (PDF)",  # keep the report first
        "INPUT confirm",
        "BUTTON Yes, delete this gesprek",
        "A No, go back",
    ]
    # Not ticked: a clear message, and nothing is deleted.
    tab_to(page, "main button[type=submit]")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.get_by_role("alert")).to_contain_text("Tick the box to confirm")
    assert_accessible(page)
    tab_to(page, "input[name=confirm]")
    page.keyboard.press("Space")
    expect(page.locator("input[name=confirm]")).to_be_checked()
    tab_to(page, "main button[type=submit]")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name=f"The gesprek {GONE} is deleted")).to_be_visible()
    assert_accessible(page)
    assert page.request.get(gone_url).status == 404

    # The team history: the deleted gesprek is gone; the archive holds the one that stays.
    page.get_by_role("link", name="To the team's history").click()
    expect(page.get_by_role("heading", name="History of Demoteam")).to_be_visible()
    expect(page.locator("main")).not_to_contain_text(GONE)
    expect(page.locator("main")).to_contain_text(KEPT)
    assert_accessible(page)
    archive = download(
        page,
        "Download the team's archive (ZIP: reports as PDF and JSON, agreements)",
        tmp_path,
        keyboard=True,
    )
    assert archive.name.startswith("archief-team-demoteam-") and archive.suffix == ".zip"
    document, zipped = check_archive(archive.read_bytes())
    titles = [g["report"]["gesprek"]["title"] for g in document["teams"][0]["gesprekken"]]
    assert KEPT in titles and GONE not in titles
    assert document["language"] == "en"
    assert zipfile.is_zipfile(archive)
    assert json.loads(zipped.read("archive.json"))["kind"] == "team"

    # The team's own confirmation page names what goes; the demo team still has a gesprek
    # that has not ended, so it says to end that first and offers no button.
    page.get_by_role("link", name="Delete this team").click()
    expect(page.get_by_role("heading", name="Delete the team Demoteam?")).to_be_visible()
    expect(page.locator("main table")).to_contain_text("Gesprekken")
    expect(page.get_by_role("alert")).to_contain_text("Not every gesprek has ended yet")
    assert page.locator("main form").count() == 0
    assert_accessible(page)
    page.get_by_role("link", name="Go back").click()
    expect(page.get_by_role("heading", name="History of Demoteam")).to_be_visible()

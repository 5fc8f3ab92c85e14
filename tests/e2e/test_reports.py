"""Reports in Chromium: after a whole gesprek every participant sees the summary, the facilitator
downloads the report in every format (one with the keyboard alone) and opens the team history.
axe-core and a keyboard-only pass on the closed summary pages and the team history.

The pages run in English: the Dutch texts of this part are filled in with the translations.
"""

import csv
import io
import json

from playwright.sync_api import expect

from tests.e2e.conftest import LAPTOP, start_server
from tests.e2e.flows import (
    assert_accessible,
    download,
    end_gesprek,
    join_with_code,
    keyboard_pass,
    log_in,
    mark_all,
    open_page,
    post_note,
    start_gesprek,
    step,
)
from tests.reports import pdfcheck

LOCALE = "en-GB"
TITLE = "Team day with a report"
NOTE = "We give each other too little <b>feedback</b>"
AGREEMENT = "Five minutes of feedback in every team meeting"


def test_closed_summary_downloads_and_team_history(browser, tmp_path):
    server = start_server(tmp_path / "var")
    try:
        run(browser, server, tmp_path)
    finally:
        server.stop()


def run(browser, server, tmp_path):
    facilitator = open_page(browser, server, viewport=LAPTOP, locale=LOCALE)
    log_in(facilitator, server)
    code = start_gesprek(facilitator, TITLE)
    people = [open_page(browser, server, locale=LOCALE) for _ in range(3)]
    for person in people:
        join_with_code(person, code, axe=False)
    step(facilitator, "Start marking")
    mark_all(people, "I see this")
    step(facilitator, "Close marking and show results")
    step(facilitator, "Discuss the questions")
    post_note(people[0], NOTE)
    control_url = facilitator.url
    facilitator.get_by_role("link", name="Make an agreement", exact=True).click()
    facilitator.get_by_label("What do you agree on?").fill(AGREEMENT)
    facilitator.get_by_role("button", name="Save the agreement").click()
    expect(facilitator.get_by_text("The agreement is saved.")).to_be_visible()
    facilitator.goto(control_url)
    end_gesprek(facilitator)

    # Every participant's screen turns into the summary by itself.
    for person in people:
        expect(person.get_by_role("heading", name="This gesprek has ended")).to_be_visible()
        expect(person.locator(".gk-report")).to_contain_text(AGREEMENT)
    person = people[1]
    expect(person.get_by_role("heading", name="Results", exact=True)).to_be_visible()
    expect(person.locator(".gk-report")).to_contain_text(NOTE)  # shown as text, not as HTML
    assert person.locator(".gk-report b").count() == 0
    assert person.locator("main form").count() == 0, "nothing left to change"
    assert_accessible(person)
    keyboard_pass(person)

    # The facilitator: the same summary, no controls that change anything, every download.
    expect(facilitator.get_by_role("heading", name="Download the report")).to_be_visible()
    assert facilitator.locator("main form").count() == 0
    assert_accessible(facilitator)
    links = keyboard_pass(facilitator)
    assert any(link.endswith("/verslag.pdf") for link in links)

    pdf = download(facilitator, "Report as PDF", tmp_path, keyboard=True).read_bytes()
    assert pdfcheck.xmp_value(pdf, "pdfaid:part") == ["2"]
    assert pdfcheck.xmp_value(pdf, "dc:language") == ["en"]
    assert AGREEMENT in pdfcheck.all_text(pdf)
    document = json.loads(download(facilitator, "Report as JSON", tmp_path).read_text())
    assert document["gesprek"]["title"] == TITLE and document["gesprek"]["participants"] == 3
    assert [a["what"] for a in document["agreements"]] == [AGREEMENT]
    assert document["results"][0]["totals"]["recognised"] > 0
    rows = list(
        csv.DictReader(io.StringIO(download(facilitator, "Report as CSV", tmp_path).read_text()))
    )
    assert [row["what"] for row in rows if row["section"] == "agreement"] == [AGREEMENT]
    assert AGREEMENT in download(facilitator, "Report as Markdown", tmp_path).read_text()
    html = download(facilitator, "Report as HTML", tmp_path)
    standalone = open_page(browser, server, locale=LOCALE)
    standalone.goto(html.as_uri())
    expect(standalone.get_by_role("heading", name=TITLE)).to_be_visible()
    assert_accessible(standalone)

    # The team history, from the summary and from the dashboard.
    facilitator.get_by_role("link", name="History of Demoteam").click()
    expect(facilitator.get_by_role("heading", name="History of Demoteam")).to_be_visible()
    chart = facilitator.locator("svg.gk-trend")
    expect(chart).to_have_count(1)
    assert chart.get_attribute("role") == "img"
    assert "100%" in facilitator.locator(".gk-trend-card table").inner_text()
    assert_accessible(facilitator)
    keyboard_pass(facilitator)
    history = download(facilitator, "Download the team history as PDF", tmp_path).read_bytes()
    assert "History of Demoteam" in pdfcheck.all_text(history)
    facilitator.goto("/begeleiden/")
    expect(facilitator.get_by_role("link", name="History of Demoteam")).to_be_visible()

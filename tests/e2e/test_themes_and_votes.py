"""Rode draden and dot voting in Chromium: a facilitator and three participants.

Notes become themes on the grouping page with the keyboard alone, the participants see the
themes appear live, then they spread their dots and the results (with a tie) appear on every
screen when the vote closes. Every new screen is checked with axe-core. The pages are in
English here, so the test does not depend on the Dutch wording.
"""

import re

from playwright.sync_api import expect

from tests.e2e.conftest import LAPTOP, start_server
from tests.e2e.flows import (
    assert_accessible,
    check_presenter,
    join_here,
    log_in,
    mark_live,
    not_reloaded,
    open_page,
    post_note,
    start_gesprek,
    step,
)

LOCALE = "en-GB"


def theme_box(page, name):
    return page.locator("section.gk-group--theme").filter(
        has=page.get_by_role("heading", name=re.compile(f"^{re.escape(name)} "))
    )


def tick(page, note_text):
    """Tick a note's checkbox with the keyboard."""
    page.get_by_role("checkbox", name=note_text).focus()
    page.keyboard.press("Space")


def type_into(page, field, text):
    field.focus()
    page.keyboard.press("Control+A")
    page.keyboard.type(text)


def test_notes_become_themes_then_a_dot_vote_with_a_tie(browser, tmp_path):
    server = start_server(tmp_path / "var")
    try:
        run(browser, server)
    finally:
        server.stop()


def run(browser, server):
    facilitator = open_page(browser, server, viewport=LAPTOP, locale=LOCALE)
    log_in(facilitator, server)
    code = start_gesprek(facilitator, "Rode draden")
    control_url = facilitator.url
    people = [open_page(browser, server, locale=LOCALE) for _ in range(3)]
    for person in people:
        person.goto(f"/doe-mee/{code}/")
        join_here(person, axe=False)
    step(facilitator, "Start marking")
    step(facilitator, "Close marking and show results")
    step(facilitator, "Discuss the questions")
    anna, bram, cor = people
    for person in people:
        expect(person.get_by_role("heading", name="Discussion")).to_be_visible()
    post_note(anna, "Weinig feedback")
    post_note(bram, "Feedback komt te laat")
    post_note(cor, "Te veel mail")
    facilitator.get_by_role("button", name="Next question").click()
    expect(anna.locator(".gk-note__text")).to_have_count(0)
    post_note(anna, "Mail buiten werktijd")
    post_note(bram, "Verborgen opmerking")
    for person in people:
        mark_live(person)

    # The control page: a compact list and a link to the grouping page.
    expect(facilitator.get_by_role("heading", name="Themes")).to_be_visible()
    assert_accessible(facilitator)
    facilitator.get_by_role("button", name=re.compile("^Hide.*Verborgen")).click()
    facilitator.get_by_role("link", name="Group the notes into themes").focus()
    facilitator.keyboard.press("Enter")
    page = facilitator
    expect(page.get_by_role("heading", name="Themes", exact=True)).to_be_visible()
    expect(page.locator(".gk-group-note")).to_have_count(5)  # all questions, hidden ones too
    assert_accessible(page)

    # Keyboard only from here: tick notes with Space, type a name, submit with Enter.
    tick(page, "Weinig feedback")
    tick(page, "Feedback komt te laat")
    tick(page, "Verborgen opmerking")
    type_into(page, page.get_by_label("Name", exact=True), "Feedback")
    page.keyboard.press("Enter")
    expect(page.get_by_text("Theme “Feedback” made.")).to_be_visible()
    tick(page, "Te veel mail")
    type_into(page, page.get_by_label("Name", exact=True), "Mail")
    page.keyboard.press("Enter")
    expect(theme_box(page, "Mail").locator(".gk-group-note")).to_have_count(1)

    # Put the last note into "Mail" with its select and the Move button.
    select = page.get_by_label(re.compile(r"^Theme \(Mail buiten werktijd"))
    select.focus()
    page.keyboard.press("End")  # the last option: the newest theme, "Mail"
    expect(select.locator("option:checked")).to_have_text("Mail")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(theme_box(page, "Mail").locator(".gk-group-note")).to_have_count(2)
    expect(page.locator(".gk-group-note")).to_have_count(5)

    # A duplicate name is refused with a clear message; nothing changes.
    type_into(page, page.get_by_label("Name", exact=True), "mail")
    page.keyboard.press("Enter")
    expect(page.get_by_role("alert")).to_contain_text("There is already a theme called “mail”")
    assert_accessible(page)

    # Rename "Mail" (in its "Rename, merge or delete" panel), split and merge "Feedback".
    mail = theme_box(page, "Mail")
    mail.locator("summary").focus()
    page.keyboard.press("Enter")
    type_into(page, mail.get_by_label("New name"), "E-mail")
    page.keyboard.press("Enter")
    expect(page.get_by_text("Theme renamed to “E-mail”.")).to_be_visible()
    feedback = theme_box(page, "Feedback")
    tick(page, "Feedback komt te laat")
    type_into(page, feedback.get_by_label("Name of the new theme"), "Tempo")
    page.keyboard.press("Enter")
    expect(theme_box(page, "Tempo").locator(".gk-group-note")).to_have_count(1)
    feedback = theme_box(page, "Feedback")
    feedback.locator("summary").focus()
    page.keyboard.press("Enter")
    feedback.get_by_label("Merge with").focus()
    page.keyboard.press("End")  # E-mail comes first, then Tempo
    expect(feedback.get_by_label("Merge with").locator("option:checked")).to_have_text("Tempo")
    feedback.get_by_role("button", name="Merge").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_text("Themes merged into “Feedback”.")).to_be_visible()
    expect(theme_box(page, "Feedback").locator(".gk-group-note")).to_have_count(3)

    # A theme made by mistake is deleted; its notes would stay.
    type_into(page, page.get_by_label("Name", exact=True), "Overig")
    page.keyboard.press("Enter")
    overig = theme_box(page, "Overig")
    overig.locator("summary").focus()
    page.keyboard.press("Enter")
    overig.get_by_role("button", name=re.compile("^Delete this theme")).focus()
    page.keyboard.press("Enter")
    expect(page.get_by_text("Theme deleted.")).to_be_visible()
    expect(page.locator("section.gk-group--theme")).to_have_count(2)
    assert_accessible(page)

    # The participants saw it all happen, without a reload, and never the hidden note.
    for person in people:
        themes = person.locator("#gk-themes .gk-theme")
        expect(themes).to_have_count(2)
        expect(themes.nth(0)).to_contain_text("Feedback")
        expect(themes.nth(0).locator("li")).to_have_text(
            ["Weinig feedback", "Feedback komt te laat"]
        )
        expect(themes.nth(1).locator("li")).to_have_text(["Te veel mail", "Mail buiten werktijd"])
        assert not_reloaded(person)
    assert "Verborgen" not in anna.content()
    assert_accessible(anna)

    # The room's screen: the rode draden as columns, fitting the beamer.
    presenter = page.context.new_page()
    presenter.goto(control_url + "scherm/")
    expect(presenter.locator("#gk-themes .gk-columns > li")).to_have_count(2)
    check_presenter(presenter, "rode draden")

    # The vote: both themes (ticked already) and one proposal, two dots each.
    page.goto(control_url)
    page.get_by_text("Start dot voting").click()
    assert_accessible(page)
    page.get_by_label("Proposals to vote on (optional)").fill("Vaker pauze")
    page.get_by_label("Dots per person").fill("2")
    page.get_by_role("button", name="Open the vote").click()
    expect(page.get_by_text("Round 1 is open: everyone has 2 dots to place.")).to_be_visible()
    mark_live(page)
    for person in people:
        expect(person.get_by_text("Round 1: you have 2 dots.", exact=False)).to_be_visible()
        assert not_reloaded(person)
    assert_accessible(anna)

    # Anna tries three dots: the ballot says so at once and does not send them (ballot.js;
    # without JavaScript the server refuses, see test_phones.py). Then two on Feedback.
    left = anna.locator(".gk-ballot__left")
    expect(left).to_have_text("Dots left: 2 of 2.")
    anna.get_by_label("Feedback").fill("2")
    anna.get_by_label("E-mail").fill("1")
    expect(left).to_have_text("Too many dots: you placed 3 and you have 2. Take some away.")
    anna.get_by_role("button", name="Save my dots").click()
    expect(anna.get_by_label("Feedback")).to_be_focused()
    assert not_reloaded(anna)
    assert_accessible(anna)
    anna.get_by_label("E-mail").fill("0")
    expect(left).to_have_text("Dots left: 0 of 2.")
    anna.get_by_role("button", name="Save my dots").click()
    expect(anna.get_by_text("Saved: you placed 2 of your 2 dots.")).to_be_visible()
    expect(page.locator("#gk-voters")).to_have_text("Voted so far: 1 of 3 people.")
    assert not_reloaded(page)

    # Bram uses the keyboard only: type in the number field, Enter submits.
    bram.get_by_label("E-mail").focus()
    bram.keyboard.press("Control+A")
    bram.keyboard.type("2")
    bram.keyboard.press("Enter")
    expect(bram.get_by_text("Saved: you placed 2 of your 2 dots.")).to_be_visible()
    cor.get_by_label("Feedback").fill("1")
    cor.get_by_label("E-mail").fill("1")
    cor.get_by_role("button", name="Save my dots").click()
    expect(cor.get_by_text("Saved: you placed 2 of your 2 dots.")).to_be_visible()
    expect(page.locator("#gk-voters")).to_have_text("Voted so far: 3 of 3 people.")
    assert page.locator(".gk-vote-table").count() == 0  # no totals while open
    for person in people:
        mark_live(person)

    options = ["Feedback", "E-mail", "Vaker pauze"]
    expect(presenter.locator("#gk-vote .gk-wall__item")).to_have_text(options)  # no totals
    mark_live(presenter)
    page.get_by_role("button", name="Close the vote and show the results").click()
    bars = presenter.locator("#gk-vote .gk-vbar")  # the room's screen: bars, ties as ties
    expect(bars.locator(".gk-vbar__text")).to_have_text(options)
    expect(bars.locator(".gk-vbar__dots")).to_have_text(
        ["3 dots (shared place 1)", "3 dots (shared place 1)", "0 dots"]
    )
    for screen in [*people, page]:
        rows = screen.locator(".gk-vote-table tbody tr")
        expect(rows).to_have_count(3)
        expect(rows.locator("th")).to_have_text(["Feedback", "E-mail", "Vaker pauze"])
        expect(rows.locator(".gk-vote-table__place")).to_have_text(
            ["shared place 1", "shared place 1", "place 3"]
        )
        expect(rows.locator(".gk-vote-table__number")).to_have_text(["3", "3", "0"])
    for screen in [*people, presenter]:
        assert not_reloaded(screen)
    for screen in (cor, page):
        assert_accessible(screen)
    check_presenter(presenter, "the closed vote")

    # Closed: the ballot is gone.
    cor.goto(cor.url)
    expect(cor.locator(".gk-ballot")).to_have_count(0)

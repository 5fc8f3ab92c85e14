"""A whole gesprek in Chromium: a facilitator and four participants on phones, live updates.

One participant uses only the keyboard, one has JavaScript switched off, one joins through the
QR link. Every screen is checked with axe-core.
"""

import re

from playwright.sync_api import expect

from tests.e2e.conftest import LAPTOP, start_server
from tests.e2e.flows import (
    CARD,
    DECK,
    assert_accessible,
    choose,
    counts_of,
    end_gesprek,
    join_by_keyboard,
    join_here,
    join_with_code,
    log_in,
    mark_live,
    not_reloaded,
    open_page,
    start_gesprek,
)

EVERYONE = [b["text"]["nl"] for b in CARD["behaviours"]["everyone"]]
TITLE = "Teamoverleg"


def test_complete_gesprek_with_live_updates(browser, tmp_path):
    server = start_server(tmp_path / "var")
    try:
        run_gesprek(browser, server)
    finally:
        server.stop()


def run_gesprek(browser, server):
    def context(**options):
        return open_page(browser, server, **options)

    facilitator = context(viewport=LAPTOP)
    log_in(facilitator, server)
    code = start_gesprek(facilitator, TITLE)
    presenter = facilitator.context.new_page()
    presenter.goto(facilitator.url + "scherm/")
    code_shown = presenter.locator(".gk-join-info__code [aria-hidden=true]")
    expect(code_shown).to_have_text(f"{code[:5]}-{code[5:]}")
    assert presenter.locator("img.gk-join-info__qr").evaluate("img => img.naturalWidth") > 0
    assert_accessible(presenter)
    mark_live(presenter)
    mark_live(facilitator)

    touch = context()
    join_with_code(touch, code)
    expect(presenter.locator("[data-live-participants]")).to_have_text("1")  # live, no reload

    qr = context()
    qr.goto(f"/doe-mee/{code}/")  # where the QR code leads
    join_here(qr)
    keyboard = context()
    join_by_keyboard(keyboard, code)
    no_js = context(javascript=False)
    join_with_code(no_js, code, axe=False)
    assert no_js.locator("noscript").count() >= 1
    expect(presenter.locator("[data-live-participants]")).to_have_text("4")
    expect(facilitator.locator("[data-live-participants]")).to_have_text("4")
    assert not_reloaded(presenter) and not_reloaded(facilitator)

    for page in (touch, qr, keyboard):
        assert_accessible(page)
        mark_live(page)
    facilitator.get_by_role("button", name="Start het markeren").click()
    for page in (touch, qr, keyboard):
        expect(page.get_by_role("heading", name="Markeer het gedrag")).to_be_visible()
        assert not_reloaded(page)
    assert_accessible(touch)
    expect(facilitator.locator(".gk-progress__text")).to_have_text("0 van 4 klaar")
    mark_live(facilitator)

    # Touch: every behaviour "Zie ik terug", the first two also "Wil ik bespreken".
    touch.get_by_role("link", name=CARD["title"]["nl"]).click()
    assert_accessible(touch)
    for index in range(len(EVERYONE)):
        fieldset = choose(touch, index, "Zie ik terug")
        expect(fieldset.locator("[data-status]")).to_have_text("Bewaard")
    for index in (0, 1):
        fieldset = touch.locator("fieldset.gk-mark").nth(index)
        fieldset.get_by_label("Wil ik bespreken").check()
        expect(fieldset.locator("[data-status]")).to_have_text("Bewaard")
    expect(facilitator.locator(".gk-progress__text")).to_have_text("1 van 4 klaar")
    assert not_reloaded(facilitator)
    expect(presenter.locator(".gk-progress__text")).to_have_text("1 van 4 klaar")

    # Keyboard only: Tab to each radio group and pick the second option with the arrow key.
    keyboard.get_by_role("link", name=CARD["title"]["nl"]).focus()
    keyboard.keyboard.press("Enter")
    expect(keyboard.locator("fieldset.gk-mark")).to_have_count(len(EVERYONE))
    mark_live(keyboard)
    for index in range(len(EVERYONE)):
        first_radio = (
            keyboard.locator("fieldset.gk-mark").nth(index).locator("input[type=radio]").first
        )
        first_radio.focus()
        keyboard.keyboard.press("Space")  # Zie ik terug
        keyboard.keyboard.press("ArrowRight")  # moves to and selects "Zie ik niet terug"
        status = keyboard.locator("fieldset.gk-mark").nth(index).locator("[data-status]")
        expect(status).to_have_text("Bewaard")
    expect(facilitator.locator(".gk-progress__text")).to_have_text("2 van 4 klaar")

    # No JavaScript: the same card as a normal form, "Weet ik niet" everywhere.
    no_js.goto(f"/g/{code}/")
    no_js.get_by_role("link", name=CARD["title"]["nl"]).click()
    for index in range(len(EVERYONE)):
        choose(no_js, index, "Weet ik niet")
    no_js.locator("fieldset.gk-mark").nth(2).get_by_label("Wil ik bespreken").check()
    no_js.get_by_role("button", name="Bewaar").click()
    expect(no_js.get_by_role("heading", name="Markeer het gedrag")).to_be_visible()
    expect(facilitator.locator(".gk-progress__text")).to_have_text("3 van 4 klaar")

    # QR participant answers only the first behaviour (and can still change it).
    qr.get_by_role("link", name=CARD["title"]["nl"]).click()
    choose(qr, 0, "Zie ik niet terug")
    expect(qr.locator("fieldset.gk-mark").first.locator("[data-status]")).to_have_text("Bewaard")
    mark_live(qr)
    mark_live(touch)
    mark_live(keyboard)

    facilitator.get_by_role("button", name="Sluit het markeren en toon de uitkomsten").click()
    for page in (touch, qr, keyboard):
        expect(page.get_by_role("heading", name="Uitkomsten")).to_be_visible()
        assert not_reloaded(page)
        assert_accessible(page)
    no_js.goto(f"/g/{code}/")
    expect(no_js.get_by_role("heading", name="Uitkomsten")).to_be_visible()

    expected_first = {
        "Zie ik terug": "1",
        "Zie ik niet terug": "2",
        "Weet ik niet": "1",
        "Wil ik bespreken": "1",
    }
    expected_third = {
        "Zie ik terug": "1",
        "Zie ik niet terug": "1",
        "Weet ik niet": "1",
        "Wil ik bespreken": "1",
    }
    for page in (facilitator, touch, no_js):
        results = page.locator(".gk-result")
        expect(results).to_have_count(len(EVERYONE))
        assert counts_of(results.nth(0)) == expected_first
        assert counts_of(results.nth(2)) == expected_third
        assert counts_of(results.nth(1))["Wil ik bespreken"] == "1"
    assert_accessible(facilitator)

    # Sorting by most missed puts the behaviour with 2 "missing" first.
    facilitator.get_by_role("link", name="meest gemist").click()
    assert EVERYONE[0] in facilitator.locator(".gk-result").first.inner_text()

    # Re-opening marking hides the results again, everywhere.
    facilitator.get_by_role("button", name="Open het markeren weer").click()
    expect(touch.get_by_role("heading", name="Markeer het gedrag")).to_be_visible()
    assert touch.locator(".gk-counts").count() == 0
    facilitator.get_by_role("button", name="Sluit het markeren en toon de uitkomsten").click()
    end_gesprek(facilitator)
    expect(touch.get_by_role("heading", name="Dit gesprek is afgelopen")).to_be_visible()
    assert_accessible(touch)
    response = qr.request.post(f"/g/{code}/antwoord/", form={"behaviour": "1", "choice": "missing"})
    assert response.status == 403  # no CSRF token: refused like every forged POST


def marking_with(browser, server, people, threshold):
    """A facilitator's page and `people` participant pages, marking open."""
    page = open_page(browser, server, viewport=LAPTOP)
    log_in(page, server)
    code = start_gesprek(page, TITLE, threshold=threshold)
    participants = []
    for _ in range(people):
        person = open_page(browser, server)
        join_with_code(person, code)
        participants.append(person)
    page.get_by_role("button", name="Start het markeren").click()
    return page, participants


def test_below_k_no_number_appears_anywhere(browser, tmp_path):
    server = start_server(tmp_path / "var")
    try:
        page, people = marking_with(browser, server, people=2, threshold=3)
        for person in people:
            expect(person.get_by_role("heading", name="Markeer het gedrag")).to_be_visible()
            person.get_by_role("link", name=CARD["title"]["nl"]).click()
            for index in range(len(EVERYONE)):
                choose(person, index, "Zie ik niet terug")
            person.get_by_role("button", name="Bewaar").click()
        page.get_by_role("button", name="Sluit het markeren en toon de uitkomsten").click()
        presenter = page.context.new_page()
        presenter.goto(page.url + "scherm/")
        for screen in [page, presenter, *people]:
            screen.goto(screen.url)
            expect(screen.get_by_text(re.compile("Te weinig antwoorden")).first).to_be_visible()
            assert screen.locator(".gk-counts, .gk-bar, .gk-summary, .gk-pbar").count() == 0
            assert not re.search(r"\b2 ?×", screen.content())
    finally:
        server.stop()


def test_restart_mid_gesprek_loses_nothing_and_screens_catch_up(browser, tmp_path):
    server = start_server(tmp_path / "var")
    try:
        page, people = marking_with(browser, server, people=3, threshold=2)
        for person in people:
            person.get_by_role("link", name=CARD["title"]["nl"]).click()
            fieldset = choose(person, 0, "Zie ik terug")
            expect(fieldset.locator("[data-status]")).to_have_text("Bewaard")
            mark_live(person)
        server.stop()
        server.start()  # same database, same port
        for person in people[:2]:  # answers after the restart, and one answered twice
            fieldset = choose(person, 1, "Zie ik niet terug")
            expect(fieldset.locator("[data-status]")).to_have_text("Bewaard")
        choose(people[0], 1, "Zie ik niet terug")
        page.goto(page.url)
        page.get_by_role("button", name="Sluit het markeren en toon de uitkomsten").click()
        for person in people:  # the open screens reconnected by themselves
            expect(person.get_by_role("heading", name="Uitkomsten")).to_be_visible(timeout=15000)
            assert not_reloaded(person)
        results = page.locator(".gk-result")
        assert counts_of(results.nth(0))["Zie ik terug"] == "3"
        assert counts_of(results.nth(1))["Zie ik niet terug"] == "2"
    finally:
        server.stop()


def test_discussion_with_live_notes_questions_and_timer(browser, tmp_path):
    server = start_server(tmp_path / "var")
    try:
        page, (anna, bram) = marking_with(browser, server, people=2, threshold=2)
        page.get_by_role("button", name="Sluit het markeren en toon de uitkomsten").click()
        page.get_by_role("button", name="Bespreek de vragen").click()
        first_question = DECK["method"]["questions"][0]["nl"]
        expect(page.get_by_role("heading", name=first_question)).to_be_visible()
        assert_accessible(page)
        for person in (anna, bram):
            expect(person.get_by_role("heading", name=first_question)).to_be_visible()
            mark_live(person)
        assert_accessible(anna)

        # Anna writes with the keyboard only; Bram sees the note appear without a reload,
        # while his own half-written note stays in his text box.
        bram.get_by_label("Je notitie").fill("Half af")
        anna.get_by_label("Je notitie").focus()
        anna.keyboard.type("We geven elkaar weinig feedback <b>echt</b>")
        anna.keyboard.press("Tab")
        anna.keyboard.press("Enter")
        expect(bram.locator(".gk-note__text")).to_have_text(
            ["We geven elkaar weinig feedback <b>echt</b>"]
        )
        assert bram.get_by_label("Je notitie").input_value() == "Half af"
        assert not_reloaded(bram)
        expect(bram.locator(".gk-note__own:visible")).to_have_count(0)  # not his note
        expect(anna.locator(".gk-note__own:visible")).to_have_count(1)
        expect(page.locator(".gk-note__text")).to_have_count(1)

        # Anna changes her note; the facilitator hides it; it disappears for Bram.
        anna.get_by_role("link", name="Je notitie veranderen of verwijderen").click()
        assert_accessible(anna)
        anna.get_by_label("Je notitie").fill("Meer feedback geven")
        anna.get_by_role("button", name="Bewaar").click()
        expect(anna.get_by_role("heading", name=first_question)).to_be_visible()
        mark_live(anna)  # she navigated to the edit page and back
        expect(bram.locator(".gk-note__text")).to_have_text(["Meer feedback geven"])
        expect(page.locator(".gk-note__text")).to_have_text(["Meer feedback geven"])
        page.get_by_role("button", name=re.compile("^Verberg.*Meer feedback geven")).click()
        expect(bram.locator(".gk-note__text")).to_have_count(0)
        expect(page.locator(".gk-note--hidden")).to_have_count(1)

        # A timer, visible to all and counting down; then the next question everywhere.
        page.get_by_label("Minuten").fill("3")
        page.get_by_role("button", name="Start de timer").click()
        expect(bram.locator(".gk-timer__text")).to_contain_text("Nog 2:5")

        # Bram edits his own note while Anna posts one: the update is for the discussion
        # page, not his edit page, which stays as it is, with what he typed; nothing fetched.
        fetched = []
        bram.on(
            "request",
            lambda r: (
                fetched.append(r.url) if r.resource_type == "fetch" and r.method == "GET" else None
            ),
        )
        bram.get_by_role("button", name="Plaats je notitie").click()  # his "Half af"
        bram.get_by_role("link", name="Je notitie veranderen of verwijderen").click()
        expect(bram.get_by_role("heading", name="Verander je notitie")).to_be_visible()
        mark_live(bram)
        bram.get_by_label("Je notitie").fill("Bijna klaar")
        anna.get_by_label("Je notitie").fill("Nog een")
        anna.get_by_role("button", name="Plaats je notitie").click()
        expect(page.locator(".gk-note__text")).to_have_count(3)  # with the hidden one
        mark_live(anna)  # her post was a page load of her own
        bram.wait_for_timeout(500)  # the event has reached Bram's page too by now
        expect(bram.get_by_role("heading", name="Verander je notitie")).to_be_visible()
        expect(bram.get_by_label("Je notitie")).to_have_value("Bijna klaar")
        assert not_reloaded(bram) and "/notities/" in bram.url
        bram.get_by_role("button", name="Bewaar").click()
        expect(bram.locator(".gk-note__text")).to_have_text(["Bijna klaar", "Nog een"])
        mark_live(bram)

        # A note half written when the question changes is still in the box afterwards.
        bram.get_by_label("Je notitie").fill("Voor de volgende vraag")
        page.get_by_role("button", name="Volgende vraag").click()
        second_question = DECK["method"]["questions"][1]["nl"]
        for person in (anna, bram):
            expect(person.get_by_role("heading", name=second_question)).to_be_visible()
            expect(person.locator(".gk-timer__text")).to_have_count(0)
            assert not_reloaded(person)
        expect(bram.get_by_label("Je notitie")).to_have_value("Voor de volgende vraag")
        assert fetched == [], "Bram's screen fetched a page"
        presenter = page.context.new_page()
        presenter.goto(page.url + "scherm/")
        expect(presenter.get_by_role("heading", name=second_question)).to_be_visible()
        assert_accessible(presenter)
    finally:
        server.stop()

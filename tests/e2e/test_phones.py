"""Phones that show, then tell (issue 16), in Chromium at 320 px.

Four phones (Dutch and English, light and dark) and one without JavaScript go through a whole
gesprek: every screen (lobby, marking, a card, results, the discussion with a vote, the closed
summary) fits 320 px without scrolling sideways and passes axe-core. The ballot cannot be
overspent, with JavaScript (its +/- buttons and the "dots left" line) and without it (the
server refuses). The grouping page keeps the notes you ticked, and the focus, when a new note
comes in live.
"""

import re

from playwright.sync_api import expect

from tests.e2e.conftest import LAPTOP, new_page, start_server
from tests.e2e.flows import (
    CARD,
    assert_accessible,
    end_gesprek,
    join_here,
    log_in,
    mark_live,
    not_reloaded,
    open_page,
    post_note,
    start_gesprek,
    step,
    tab_to,
    title_of,
)

NARROW = {"width": 320, "height": 640}
SEE = {"nl": "Zie ik terug", "en": "I see this"}
HEADINGS = {
    "joined": {"nl": "Je doet mee", "en": "You are in"},
    "marking": {"nl": "Markeer het gedrag", "en": "Mark the behaviours"},
    "results": {"nl": "Uitkomsten", "en": "Results"},
    "discussion": {"nl": "Bespreken", "en": "Discussion"},
    "closed": {"nl": "Dit gesprek is afgelopen", "en": "This gesprek has ended"},
}
SAVE = {"nl": "Bewaar", "en": "Save"}
SAVE_DOTS = {"nl": "Bewaar mijn stippen", "en": "Save my dots"}
LEFT = {"nl": "Stippen over: {left} van {dots}.", "en": "Dots left: {left} of {dots}."}
MORE = {"nl": "Eén stip meer bij ‘{option}’", "en": "One dot more on “{option}”"}
LESS = {"nl": "Eén stip minder bij ‘{option}’", "en": "One dot less on “{option}”"}
NONE_LEFT = {
    "nl": "Je hebt geen stippen meer over. Haal eerst ergens anders een stip weg.",
    "en": "You have no dots left. First take a dot away somewhere else.",
}
PAUSE, MAIL = "Vaker pauze", "Minder mail"


def lang(page):
    # A locator waits for the next document while a form post navigates; evaluate would
    # read a page that is between documents (documentElement is null there).
    return page.locator("html").get_attribute("lang")[:2]


def fits(page, where):
    """Nothing sticks out sideways: no horizontal scroll at this width."""
    widths = page.evaluate(
        "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert widths[0] <= widths[1], f"{where} ({lang(page)}): {widths[0]} px wide in {widths[1]}"


def load_again(page):
    """What a phone without JavaScript does to see a new step (or its page refresh does)."""
    page.goto(page.url.split("#")[0])


def screen(people, name, axe=True):
    for person in people:
        expect(person.get_by_role("heading", name=HEADINGS[name][lang(person)])).to_be_visible()
        fits(person, name)
        if axe:
            assert_accessible(person)


def test_phone_screens_fit_320px_and_the_ballot_cannot_overspend(browser, tmp_path):
    server = start_server(tmp_path / "var")
    try:
        run(browser, server)
    finally:
        server.stop()


def run(browser, server):
    facilitator = open_page(browser, server, viewport=LAPTOP, locale="en-GB")
    log_in(facilitator, server)
    code = start_gesprek(facilitator, "Phones")
    control_url = facilitator.url
    phones = [
        new_page(browser, server, viewport=NARROW, locale=locale, color_scheme=scheme)
        for locale in ("nl-NL", "en-GB")
        for scheme in ("light", "dark")
    ]
    no_js = new_page(browser, server, viewport=NARROW, locale="nl-NL", javascript=False)
    everyone = [*phones, no_js]
    for person in everyone:
        person.goto(f"/doe-mee/{code}/")
        fits(person, "join")
        join_here(person, axe=person in phones[:2])
    screen(phones, "joined")
    screen([no_js], "joined", axe=False)

    step(facilitator, "Start marking")
    screen(phones, "marking")
    load_again(no_js)  # without JavaScript: the page refreshes (or the person reloads)
    screen([no_js], "marking", axe=False)
    for person in everyone:
        person.get_by_role("link", name=title_of(person, CARD)).click()
        behaviours = person.locator("fieldset.gk-mark")
        expect(behaviours.first).to_be_visible()
        fits(person, "card")
        if person in phones:
            assert_accessible(person)
        lg = lang(person)
        for index in range(behaviours.count()):
            behaviours.nth(index).get_by_label(SEE[lg], exact=True).check()
        person.get_by_role("button", name=SAVE[lg]).click()
        expect(person.get_by_role("heading", name=HEADINGS["marking"][lg])).to_be_visible()

    step(facilitator, "Close marking and show results")
    screen(phones, "results")
    for person in phones:
        expect(person.locator(".gk-legend")).to_be_visible()
        expect(person.locator(".gk-result-card .gk-people").first).to_have_text(
            re.compile(r"^5 (mensen vulden deze kaart in|people filled in this card)\.$")
        )
        assert person.locator(".gk-results table").count() == 0

    step(facilitator, "Discuss the questions")
    screen(phones, "discussion", axe=False)
    grouping_keeps_ticks(facilitator, control_url, phones)

    facilitator.goto(control_url)
    facilitator.get_by_text("Start dot voting").click()
    facilitator.get_by_label("Proposals to vote on (optional)").fill(f"{PAUSE}\n{MAIL}")
    facilitator.get_by_label("Dots per person").fill("3")
    facilitator.get_by_role("button", name="Open the vote").click()
    for person in phones:
        expect(person.locator(".gk-ballot")).to_be_visible()
        mark_live(person)
    screen(phones, "discussion")
    ballot_with_buttons(phones[0])
    ballot_by_keyboard(phones[3])
    ballot_without_javascript(no_js)
    assert not_reloaded(phones[1]) and not_reloaded(phones[2])  # the others saved: a page load

    end_gesprek(facilitator)
    load_again(no_js)
    screen(phones, "closed")
    screen([no_js], "closed", axe=False)
    for person in everyone:
        report = person.locator(".gk-report")
        assert report.locator("table").count() == 0
        expect(report.locator(".gk-counts").first).to_be_visible()


def grouping_keeps_ticks(facilitator, control_url, phones):
    """Ticked notes stay ticked, and the focus stays put, when a new note comes in live."""
    post_note(phones[0], "Weinig feedback")
    post_note(phones[2], "Te veel mail")
    facilitator.goto(control_url + "rode-draden/")
    page = facilitator
    expect(page.locator(".gk-group-note")).to_have_count(2)
    expect(page.locator(".gk-move")).to_have_count(0)  # no theme yet: nowhere to move to
    fits_order = page.evaluate(
        """() => {
          const notes = document.querySelector("#gk-notes");
          const form = document.querySelector("#gk-theme-new");
          return Boolean(notes.compareDocumentPosition(form) & Node.DOCUMENT_POSITION_FOLLOWING);
        }"""
    )
    assert fits_order, "the make-theme form comes after the notes it acts on"
    mark_live(page)
    box = page.get_by_role("checkbox", name="Weinig feedback")
    box.focus()
    page.keyboard.press("Space")
    expect(box).to_be_checked()
    post_note(phones[1], "Feedback komt te laat")
    expect(page.locator(".gk-group-note")).to_have_count(3)
    expect(page.get_by_role("checkbox", name="Weinig feedback")).to_be_checked()
    expect(page.get_by_role("checkbox", name="Weinig feedback")).to_be_focused()
    assert not_reloaded(page)
    # A change this page does not show (a timer started from the control page in another tab)
    # leaves it alone: no fetch, no swap, the tick and the focus stay.
    fetched = []
    page.on("request", lambda r: fetched.append(r.url) if r.resource_type == "fetch" else None)
    control = page.context.new_page()
    control.goto(control_url)
    control.get_by_label("Minutes").fill("5")
    control.get_by_role("button", name="Start timer").click()
    expect(control.locator(".gk-timer__text")).to_be_visible()
    control.close()
    page.wait_for_timeout(500)  # the event has reached this page by now
    assert fetched == [] and not_reloaded(page)
    expect(page.get_by_role("checkbox", name="Weinig feedback")).to_be_checked()
    expect(page.get_by_role("checkbox", name="Weinig feedback")).to_be_focused()
    page.keyboard.press("Tab")  # on to the next note, the keyboard carries on
    page.keyboard.press("Space")
    expect(page.locator("#gk-notes input[type=checkbox]:checked")).to_have_count(2)
    page.get_by_label("Name", exact=True).fill("Feedback")
    page.get_by_role("button", name="Make theme").click()
    expect(page.get_by_text("Theme “Feedback” made.")).to_be_visible()
    expect(page.locator(".gk-move")).to_have_count(3)
    assert_accessible(page)


def ballot_with_buttons(page):
    lg = lang(page)
    left = page.locator(".gk-ballot__left")
    expect(left).to_have_text(LEFT[lg].format(left=3, dots=3))
    more = page.get_by_role("button", name=MORE[lg].format(option=PAUSE))
    for _ in range(3):
        more.click()
    expect(page.get_by_label(PAUSE)).to_have_value("3")
    expect(left).to_have_text(LEFT[lg].format(left=0, dots=3))
    page.get_by_role("button", name=MORE[lg].format(option=MAIL)).click()  # nothing left
    expect(page.get_by_label(MAIL)).to_have_value("0")
    expect(left).to_have_text(NONE_LEFT[lg])
    page.get_by_role("button", name=LESS[lg].format(option=PAUSE)).click()
    expect(left).to_have_text(LEFT[lg].format(left=1, dots=3))
    # Typing more than you have: said at once, and never sent.
    page.get_by_label(MAIL).fill("3")
    expect(left).to_contain_text("5")
    page.get_by_role("button", name=SAVE_DOTS[lg]).click()
    expect(page.get_by_label(PAUSE)).to_be_focused()
    assert not_reloaded(page)
    page.get_by_label(MAIL).fill("1")
    expect(left).to_have_text(LEFT[lg].format(left=0, dots=3))
    fits(page, "ballot")
    assert_accessible(page)
    page.get_by_role("button", name=SAVE_DOTS[lg]).click()
    expect(page.locator(".gk-ballot__status")).to_contain_text("3")
    expect(left).to_have_text(LEFT[lg].format(left=0, dots=3))


def ballot_by_keyboard(page):
    lg = lang(page)
    tab_to(
        page,
        f"button[aria-controls='{page.get_by_label(MAIL).get_attribute('id')}'][data-step='1']",
    )
    page.keyboard.press("Enter")
    page.keyboard.press("Space")
    left = page.locator(".gk-ballot__left")
    expect(left).to_have_text(LEFT[lg].format(left=1, dots=3))
    expect(page.get_by_label(MAIL)).to_have_value("2")
    tab_to(page, ".gk-ballot button[type=submit]")
    page.keyboard.press("Enter")
    expect(page.locator(".gk-ballot__status")).to_contain_text("2")
    expect(page.locator(".gk-ballot__left")).to_have_text(LEFT[lg].format(left=1, dots=3))


def ballot_without_javascript(page):
    load_again(page)
    expect(page.locator(".gk-ballot")).to_be_visible()
    expect(page.locator(".gk-stepper__button").first).to_be_hidden()  # they need JavaScript
    page.get_by_label(PAUSE).fill("2")
    page.get_by_label(MAIL).fill("2")
    page.get_by_role("button", name=SAVE_DOTS["nl"]).click()
    expect(page.get_by_role("alert")).to_be_visible()
    expect(page.locator(".gk-ballot__left")).to_have_text(
        "Te veel stippen: je zette er 4 en je hebt er 3. Haal er een paar weg."
    )
    fits(page, "ballot without JavaScript")
    page.get_by_label(MAIL).fill("1")
    page.get_by_role("button", name=SAVE_DOTS["nl"]).click()
    expect(page.locator(".gk-ballot__left")).to_have_text(LEFT["nl"].format(left=0, dots=3))

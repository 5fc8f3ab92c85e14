"""The presenter screen and the cockpit in Chromium (issue 16).

A facilitator runs a gesprek on two cards for three people; the presenter screen is checked at
1280x720 and 1920x1080 at every step: nothing scrolls, nothing posts, axe-core passes (Dutch
and English, light and dark), and the keys a clicker sends page through the results, as does
the control page. Ending the gesprek needs a confirmation, with and without JavaScript.
"""

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

from tests.e2e.conftest import LAPTOP
from tests.e2e.flows import (
    CARD,
    DECK,
    assert_accessible,
    check_presenter,
    choose,
    end_gesprek,
    join_with_code,
    keyboard_pass,
    log_in,
    open_page,
    post_note,
    start_gesprek,
    step,
    tab_to,
)

SECOND = DECK["principles"][1]


def settled_axe(page):
    """axe-core on a live page that may still swap or reload itself after a step (live.js
    falls back to a reload when a fetch fails): once more after the reload."""
    try:
        assert_accessible(page)
    except PlaywrightError as error:
        if "Execution context was destroyed" not in str(error):
            raise
        page.wait_for_load_state()
        assert_accessible(page)


def answer(person, card, choices):
    """Mark every behaviour of `card`, from whichever page the person is on."""
    labels = ["Zie ik terug", "Zie ik niet terug", "Weet ik niet"]
    if f"/kaart/{card['slug']}/" not in person.url:
        expect(person.get_by_role("heading", name="Markeer het gedrag")).to_be_visible()
        person.get_by_role("link", name=card["title"]["nl"]).click()
    behaviours = person.locator("fieldset.gk-mark")
    expect(behaviours).to_have_count(len(card["behaviours"]["everyone"]))
    for index in range(behaviours.count()):
        choose(person, index, labels[(index + choices) % 3])
    with person.expect_navigation():
        person.get_by_role("button", name="Bewaar").click()


@pytest.fixture
def room(browser, server):
    facilitator = open_page(browser, server, viewport=LAPTOP)
    log_in(facilitator, server)
    code = start_gesprek(facilitator, "Beamer", cards=(CARD, SECOND), threshold=3)
    presenter = facilitator.context.new_page()
    presenter.goto(facilitator.url + "scherm/")
    people = [open_page(browser, server) for _ in range(3)]
    for person in people:
        join_with_code(person, code, axe=False)
    yield facilitator, presenter, people
    for page in [facilitator, *people]:
        page.context.close()


def test_presenter_at_every_step(room):
    facilitator, presenter, people = room
    expect(presenter.locator("[data-live-participants]")).to_have_text("3")
    assert presenter.locator("img.gk-join-info__qr").evaluate("img => img.naturalWidth") > 0
    assert presenter.locator(".gk-header, .gk-footer, .gk-language-switch").count() == 0
    check_presenter(presenter, "lobby")

    step(facilitator, "Start het markeren")
    expect(presenter.locator(".gk-progress__text")).to_have_text("0 van 3 klaar")
    check_presenter(presenter, "marking")
    for index, person in enumerate(people):
        answer(person, CARD, index)
        answer(person, SECOND, index + 1)
    expect(presenter.locator(".gk-progress__text")).to_have_text("3 van 3 klaar")

    step(facilitator, "Sluit het markeren en toon de uitkomsten")
    expect(
        presenter.get_by_role("heading", name="Het beeld van het team: alle kaarten")
    ).to_be_visible()
    slides = presenter.locator("[data-slides]")
    pages = int(slides.get_attribute("data-pages"))
    assert pages >= 3  # the overview and at least one page per card
    for number in range(pages):
        expect(presenter.locator(f"[data-slide='{number}']")).to_be_visible()
        check_presenter(presenter, f"results page {number}")
        if number + 1 < pages:
            presenter.keyboard.press("ArrowRight" if number % 2 else "PageDown")
    presenter.keyboard.press("PageDown")  # past the end: stays on the last page
    expect(slides).to_have_attribute("data-page", str(pages - 1))
    presenter.keyboard.press("PageUp")
    presenter.keyboard.press("ArrowLeft")
    expect(slides).to_have_attribute("data-page", str(pages - 3))
    presenter.keyboard.press("Home")
    expect(presenter.locator("[data-slide='0']")).to_be_visible()

    # From the control page: the presenter follows (a facilitator-only event).
    facilitator.get_by_role("button", name="Volgende pagina").click()
    expect(facilitator.get_by_text("Pagina 2 van")).to_be_visible()
    expect(presenter.locator("[data-slide='1']")).to_be_visible()
    expect(presenter.locator("[data-slide='0']")).to_be_hidden()
    facilitator.get_by_role("button", name=SECOND["title"]["nl"]).first.click()
    expect(presenter.get_by_role("heading", name=SECOND["title"]["nl"])).to_be_visible()

    # The whole picture in English too.
    english = presenter.context.new_page()
    english.context.add_cookies([{"name": "gk_language", "value": "en", "url": presenter.url}])
    english.goto(presenter.url)
    expect(english.locator("html")).to_have_attribute("lang", "en")
    check_presenter(english, "results in English")
    english.context.clear_cookies(name="gk_language")
    english.close()

    step(facilitator, "Bespreek de vragen")
    expect(presenter.locator(".gk-stage__questiontext")).to_be_visible()
    check_presenter(presenter, "discussion without notes")
    for index, person in enumerate(people):
        for n in range(5):
            post_note(person, f"Notitie {index}-{n}: " + "we zouden vaker samen moeten kijken " * 2)
    expect(presenter.locator(".gk-wall__item")).to_have_count(12)
    check_presenter(presenter, "discussion with a wall of notes")

    end_gesprek(facilitator)
    expect(presenter.get_by_text("Dit gesprek is afgelopen. Iedereen bedankt.")).to_be_visible()
    check_presenter(presenter, "closed")


def test_presenter_by_keyboard(room):
    _facilitator, presenter, _people = room
    presenter.goto(presenter.url)
    presenter.keyboard.press("Tab")
    focused = presenter.evaluate(
        "() => [document.activeElement.textContent,"
        " getComputedStyle(document.activeElement).outlineStyle]"
    )
    assert focused == ["Volledig scherm", "solid"]


def test_ending_asks_first_with_and_without_javascript(room, browser, server):
    facilitator, presenter, people = room
    # With JavaScript: a dialog; "No" leaves everything as it was.
    facilitator.get_by_role("link", name="Beëindig het gesprek…").click()
    dialog = facilitator.get_by_role("dialog", name="Het gesprek beëindigen?")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("kun je het gesprek niet meer openen")
    assert_accessible(facilitator)
    facilitator.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    facilitator.get_by_role("link", name="Beëindig het gesprek…").click()
    dialog.get_by_role("button", name="Nee, ga terug").click()
    expect(dialog).to_be_hidden()
    assert "Wachten op de start" in facilitator.locator(".gk-facts").inner_text()

    # The confirmation page (what the link opens without JavaScript): axe, light and dark, and
    # keyboard only.
    control = facilitator.url
    facilitator.goto(control + "einde/")
    for scheme in ("light", "dark"):
        facilitator.emulate_media(color_scheme=scheme)
        assert_accessible(facilitator)
    facilitator.emulate_media(color_scheme="light")
    assert keyboard_pass(facilitator) == {urlsplit(control).path}  # "No, go back"
    facilitator.goto(control)

    # Without JavaScript: a page of its own, the same question.
    no_js = browser.new_context(
        base_url=server.url,
        viewport=LAPTOP,
        java_script_enabled=False,
        locale="nl-NL",
        storage_state=facilitator.context.storage_state(),
    ).new_page()
    no_js.goto(facilitator.url)
    no_js.get_by_role("link", name="Beëindig het gesprek…").click()
    expect(no_js.get_by_role("heading", name="Het gesprek beëindigen?")).to_be_visible()
    no_js.get_by_role("link", name="Nee, ga terug").click()
    expect(no_js.locator(".gk-facts")).to_contain_text("Wachten op de start")
    no_js.get_by_role("link", name="Beëindig het gesprek…").click()
    step(no_js, "Ja, beëindig het gesprek")
    expect(no_js.get_by_text("Dit gesprek is afgelopen.")).to_be_visible()
    no_js.context.close()
    for person in people:
        expect(person.get_by_role("heading", name="Dit gesprek is afgelopen")).to_be_visible()
    expect(presenter.get_by_text("Iedereen bedankt")).to_be_visible()


@pytest.mark.parametrize(("locale", "scheme"), [("nl-NL", "light"), ("en-GB", "dark")])
def test_cockpit_by_keyboard_and_axe(browser, server, locale, scheme):
    facilitator = open_page(browser, server, viewport=LAPTOP, locale=locale)
    facilitator.emulate_media(color_scheme=scheme)
    log_in(facilitator, server)
    start_gesprek(facilitator, "Cockpit", threshold=3)
    english = locale.startswith("en")
    step(facilitator, "Start marking" if english else "Start het markeren")
    step(
        facilitator,
        "Close marking and show results" if english else "Sluit het markeren en toon de uitkomsten",
    )
    assert_accessible(facilitator)
    # Keyboard only: reach the presenter paging and use it.
    tab_to(facilitator, "#gk-presenter-pages button")
    facilitator.keyboard.press("Enter")
    expect(facilitator.locator("#gk-presenter-pages")).to_contain_text(
        "Page 2 of" if english else "Pagina 2 van"
    )
    step(facilitator, "Discuss the questions" if english else "Bespreek de vragen")
    settled_axe(facilitator)
    # The whole control page of the discussion by keyboard alone: every link and button,
    # in order, visibly focused.
    fresh = facilitator.context.new_page()  # a page of its own: nothing focused or typed yet
    fresh.goto(facilitator.url)
    links = keyboard_pass(fresh)
    fresh.close()
    assert any(link.endswith("/rode-draden/") for link in links), links
    expect(facilitator.locator(".gk-vote__form")).to_be_visible()  # not folded away
    columns = facilitator.evaluate(
        "getComputedStyle(document.querySelector('.gk-cockpit')).gridTemplateColumns"
    )
    assert len(columns.split()) == 2, columns  # side by side on a laptop
    tab_to(facilitator, ".gk-end__link")
    facilitator.keyboard.press("Enter")
    expect(facilitator.get_by_role("dialog")).to_be_visible()
    assert_accessible(facilitator)
    facilitator.keyboard.press("Escape")
    facilitator.context.close()


@pytest.mark.parametrize(
    ("locale", "scheme", "status"),
    [("nl-NL", "light", "Status C: eerste maatregelen genomen"), ("en-GB", "dark", "Status C")],
)
def test_accessibility_statement(page_factory, locale, scheme, status):
    page = page_factory(locale=locale, color_scheme=scheme, viewport=LAPTOP)
    page.goto("/toegankelijkheid/")
    expect(page.locator("main")).to_contain_text(status)
    expect(page.locator("main")).to_contain_text("axe-core")
    assert page.locator("main h2").count() >= 6  # status, scope, tests, gaps, contact, date
    assert_accessible(page)
    keyboard_pass(page)

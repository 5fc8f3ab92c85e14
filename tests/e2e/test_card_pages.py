"""Card pages in a real browser: content, axe-core, keyboard only, JavaScript off, languages."""

import pytest

from tests.e2e.conftest import LAPTOP
from tests.e2e.flows import DECK, assert_accessible, focus_info

BASE = f"/kaarten/{DECK['slug']}/"
PAGES = {
    "home": "/",
    "decks": "/kaarten/",
    "overview": BASE,
    "method": BASE + "zo-gebruik-je-de-kaarten/",
    **{f"principle-{p['slug']}": f"{BASE}{p['slug']}/" for p in DECK["principles"]},
    "accessibility": "/toegankelijkheid/",
    "privacy": "/privacy/",
    "not-found": "/bestaat-niet/",
}


def open_in(page, path, language):
    page.context.add_cookies(
        [{"name": "gk_language", "value": language, "domain": "127.0.0.1", "path": "/"}]
    )
    response = page.goto(path)
    assert page.locator("html").get_attribute("lang") == language
    return response


# Colours do not depend on the language, so dark mode is checked in Dutch only.
@pytest.mark.parametrize(
    ("language", "color_scheme"), [("nl", "light"), ("en", "light"), ("nl", "dark")]
)
@pytest.mark.parametrize("name", PAGES)
def test_every_page_passes_axe(page_factory, name, language, color_scheme):
    page = page_factory(color_scheme=color_scheme)
    response = open_in(page, PAGES[name], language)
    assert response.status == (404 if name == "not-found" else 200)
    assert_accessible(page)


@pytest.mark.parametrize("language", ["nl", "en"])
@pytest.mark.parametrize("principle", DECK["principles"], ids=lambda p: p["slug"])
def test_principle_page_shows_every_behaviour(page, language, principle):
    open_in(page, f"{BASE}{principle['slug']}/", language)
    assert page.locator("h1").inner_text() == principle["title"][language]
    values = page.locator(".gk-values li").all_inner_texts()
    assert values == [v[language] for v in principle["values"]]
    sections = page.locator("section.gk-behaviours")
    for index, audience in enumerate(["everyone", "leaders"]):
        items = sections.nth(index).locator("li").all_inner_texts()
        assert items == [b["text"][language] for b in principle["behaviours"][audience]]
    leaders_heading = sections.nth(1).locator("h2").inner_text()
    assert leaders_heading == DECK["leaders_heading"][language]


@pytest.mark.parametrize("language", ["nl", "en"])
def test_overview_and_method_show_the_deck(page, language):
    open_in(page, BASE, language)
    titles = page.locator(".gk-card-list .gk-card__title").all_inner_texts()
    assert titles == [p["title"][language] for p in DECK["principles"]]
    open_in(page, PAGES["method"], language)
    questions = page.locator("ol.gk-questions li").all_inner_texts()
    assert questions == [q[language] for q in DECK["method"]["questions"]]
    assert DECK["method"]["closing"][language] in page.content()


@pytest.mark.parametrize("name", ["home", "overview", "principle-vertrouwen", "method"])
def test_keyboard_only(page_factory, name):
    """Skip link first, every stop visibly focused, in document order, and nothing unreachable."""
    page = page_factory(viewport=LAPTOP)
    open_in(page, PAGES[name], "nl")
    page.keyboard.press("Tab")
    first = focus_info(page)
    assert first["text"] == "Naar de inhoud"
    assert first["visible"] and (first["outline"] or first["shadow"])
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"

    focusable = page.locator("a[href], button, input:not([type=hidden]), select, textarea").count()
    seen = []
    for _ in range(focusable + 2):
        page.keyboard.press("Tab")
        info = focus_info(page)
        if info["tag"] == "BODY" or (seen and info["index"] == seen[0]["index"]):
            break
        assert info["visible"], info
        assert info["outline"] or info["shadow"], f"no visible focus on {info}"
        seen.append(info)
    indexes = [info["index"] for info in seen]
    assert indexes == sorted(indexes), "focus order follows the document"
    # After the skip link, focus starts in main; header controls come first on a new Tab round.
    assert len(seen) >= 3


def test_principle_cards_are_reachable_by_keyboard(page_factory):
    page = page_factory(viewport=LAPTOP)
    open_in(page, BASE, "nl")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")  # skip link
    target = DECK["principles"][1]["title"]["nl"]
    for _ in range(30):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.innerText") == target:
            break
    page.keyboard.press("Enter")
    page.wait_for_url(f"**{BASE}{DECK['principles'][1]['slug']}/")
    assert page.locator("h1").inner_text() == target


@pytest.mark.parametrize("javascript", [True, False])
def test_language_switch_is_remembered(page_factory, javascript):
    page = page_factory(javascript=javascript)
    page.goto(PAGES["principle-vertrouwen"])
    assert page.locator("html").get_attribute("lang") == "nl"
    page.get_by_role("button", name="English").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("h1").inner_text() == DECK["principles"][0]["title"]["en"]
    page.goto(PAGES["method"])  # remembered on the next page
    assert page.locator("html").get_attribute("lang") == "en"
    page.get_by_role("button", name="Nederlands").click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == DECK["method"]["title"]["nl"]


def test_pages_work_without_javascript(page_factory):
    page = page_factory(javascript=False)
    page.goto("/")
    page.get_by_role("link", name="Bekijk de kaarten").click()
    page.get_by_role("link", name=DECK["principles"][6]["title"]["nl"]).click()
    assert page.locator("h1").inner_text() == DECK["principles"][6]["title"]["nl"]
    page.get_by_role("link", name="Vorige kaart").click()
    assert page.locator("h1").inner_text() == DECK["principles"][5]["title"]["nl"]


def test_no_horizontal_scrolling_at_320_px(page_factory):
    """400 % zoom of a 1280 px screen is a 320 px wide layout."""
    page = page_factory(viewport={"width": 320, "height": 640})
    for path in [PAGES["home"], BASE, PAGES["principle-professionaliteit"], PAGES["method"]]:
        page.goto(path)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, path


def test_print_hides_navigation(page):
    page.goto(PAGES["principle-vertrouwen"])
    page.emulate_media(media="print")
    assert not page.locator(".gk-language-switch").is_visible()
    assert page.locator("h1").is_visible()

"""Steps the browser tests share: a device, logging in, starting and joining a gesprek, marking,
notes, keyboard-only moves, axe-core and downloads.

A page's language is chosen once, by the `locale` of `open_page` (the browser's
Accept-Language); the helpers read it back from `<html lang>` and use the interface texts of
that language, so the same steps drive a Dutch and an English test.
"""

import datetime

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from tests.e2e.conftest import PHONE, new_page
from tests.factories import default_deck_data

DECK = default_deck_data()
CARD = DECK["principles"][0]  # Werken vanuit vertrouwen
AXE = Axe()

TEXTS = {
    "nl": {
        "user name": "E-mailadres of gebruikersnaam",
        "password": "Wachtwoord",
        "log in": "Inloggen",
        "dashboard": "Je gesprekken",
        "new gesprek": "Start een nieuw gesprek",
        "title": "Titel (mag je leeg laten)",
        "everyone": "Gedrag voor iedereen",
        "threshold": "Anonimiteitsdrempel",
        "code": "Code",
        "next": "Verder",
        "join": "Meedoen",
        "joined": "Je doet mee",
        "marking": "Markeer het gedrag",
        "save": "Bewaar",
        "note": "Je notitie",
        "post note": "Plaats je notitie",
        "skip": "Naar de inhoud",
        "end": "Beëindig het gesprek…",
        "end for sure": "Ja, beëindig het gesprek",
    },
    "en": {
        "user name": "E-mail address or user name",
        "password": "Password",
        "log in": "Log in",
        "dashboard": "Your gesprekken",
        "new gesprek": "Start a new gesprek",
        "title": "Title (optional)",
        "everyone": "Behaviours for everyone",
        "threshold": "Anonymity threshold",
        "code": "Code",
        "next": "Next",
        "join": "Join",
        "joined": "You are in",
        "marking": "Mark the behaviours",
        "save": "Save",
        "note": "Your note",
        "post note": "Post note",
        "skip": "Skip to content",
        "end": "End the gesprek…",
        "end for sure": "Yes, end the gesprek",
    },
}


def open_page(browser, server, viewport=PHONE, locale="nl-NL", javascript=True):
    """A page in a browser context of its own: its own cookies, like a separate device."""
    return new_page(browser, server, viewport=viewport, locale=locale, javascript=javascript)


def language(page) -> str:
    return page.locator("html").get_attribute("lang")


def text(page, key) -> str:
    """An interface text in the language the page is shown in."""
    return TEXTS[language(page)][key]


def title_of(page, card=CARD) -> str:
    return card["title"][language(page)]


def assert_accessible(page):
    results = AXE.run(page)
    assert results.violations_count == 0, results.generate_report()


def mark_live(page):
    """Put a marker on the window: if it survives, the page was never reloaded."""
    page.evaluate("window.__stillHere = true")


_MAIN_NOW_AND_FRESH = """html => {
  const normal = main => {
    main = main.cloneNode(true);
    main.querySelectorAll("[name=csrfmiddlewaretoken]").forEach(i => i.setAttribute("value", ""));
    main.querySelectorAll("#gk-timer").forEach(timer => { timer.textContent = ""; });
    return main.outerHTML;
  };
  const fresh = new DOMParser().parseFromString(html, "text/html").querySelector("main");
  return [normal(document.querySelector("main")), normal(fresh)];
}"""


def assert_same_as_fresh(page):
    """The screen as the live events left it (content swapped in, own parts filled in by
    live.js) is what a fresh render of its page shows this person (CSRF tokens aside)."""
    fresh = page.request.get(page.url).text()  # not through the page: no fetch of its own
    now, expected = page.evaluate(_MAIN_NOW_AND_FRESH, fresh)
    assert now == expected


def not_reloaded(page):
    return page.evaluate("window.__stillHere === true")


def log_in(page, server):
    page.goto("/inloggen/")
    assert_accessible(page)
    page.get_by_label(text(page, "user name")).fill(server.username)
    page.get_by_label(text(page, "password")).fill(server.password)
    page.get_by_role("button", name=text(page, "log in")).click()
    expect(page.get_by_role("heading", name=text(page, "dashboard"))).to_be_visible()
    assert page.url.endswith("/begeleiden/")
    assert_accessible(page)


def start_gesprek(page, title, cards=(CARD,), threshold=3):
    """From the dashboard: a gesprek on `cards` (behaviours for everyone); returns its code."""
    if not page.url.endswith("/begeleiden/"):
        page.goto("/begeleiden/")
    page.get_by_role("link", name=text(page, "new gesprek")).click()
    assert_accessible(page)
    page.get_by_label(text(page, "title")).fill(title)
    for card in cards:
        page.get_by_label(title_of(page, card)).check()
    page.get_by_label(text(page, "everyone")).check()
    page.get_by_label(text(page, "threshold")).fill(str(threshold))
    page.get_by_role("button", name="Start", exact=True).click()
    expect(page.get_by_role("heading", name=title)).to_be_visible()
    assert_accessible(page)
    return page.locator(".gk-facts .gk-code").inner_text().replace("-", "")


def join_with_code(page, code, axe=True):
    """axe=False for a page without JavaScript: axe-core itself needs it (the same pages are
    checked with JavaScript on)."""
    page.goto("/doe-mee/")
    if axe:
        assert_accessible(page)
    page.get_by_label(text(page, "code")).fill(code.lower())
    page.get_by_role("button", name=text(page, "next")).click()
    join_here(page, axe)


def join_here(page, axe=True):
    """Joining asks nothing: no name field, only the button."""
    expect(page.get_by_role("heading", name=text(page, "join"))).to_be_visible()
    if axe:
        assert_accessible(page)
    expect(page.locator("main input:not([type=hidden])")).to_have_count(0)
    page.get_by_role("button", name=text(page, "join")).click()
    expect(page.get_by_role("heading", name=text(page, "joined"))).to_be_visible()


def join_by_keyboard(page, code):
    """Type the address, then only Tab, type and Enter."""
    page.goto("/doe-mee/")
    tab_to(page, "input[name=code]")
    page.keyboard.type(code)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name=text(page, "join"))).to_be_visible()
    tab_to(page, "main button[type=submit]")
    page.keyboard.press("Enter")  # submits the join form
    expect(page.get_by_role("heading", name=text(page, "joined"))).to_be_visible()


def choose(page, index, label):
    fieldset = page.locator("fieldset.gk-mark").nth(index)
    fieldset.get_by_label(label, exact=True).check()
    return fieldset


def mark_card(person, answers, card=CARD):
    """Open `card` from the marking page, give each behaviour its answer in turn, save."""
    expect(person.get_by_role("heading", name=text(person, "marking"))).to_be_visible()
    person.get_by_role("link", name=title_of(person, card)).click()
    behaviours = person.locator("fieldset.gk-mark")
    expect(behaviours).to_have_count(len(answers))
    for index, answer in enumerate(answers):
        choose(person, index, answer)
    person.get_by_role("button", name=text(person, "save")).click()
    expect(person.get_by_role("heading", name=text(person, "marking"))).to_be_visible()


def mark_all(people, answer, card=CARD):
    """Each person gives `answer` to every behaviour of `card`."""
    for person in people:
        mark_card(person, [answer] * len(card["behaviours"]["everyone"]), card)


def counts_of(result):
    """The numbers under one behaviour's result, by their label."""
    labels = result.locator(".gk-counts dt").all_inner_texts()
    values = result.locator(".gk-counts dd").all_inner_texts()
    return dict(zip(labels, values, strict=True))


def in_days(n) -> str:
    return (datetime.date.today() + datetime.timedelta(days=n)).isoformat()


def step(page, button):
    """Press one of the facilitator's buttons that move the gesprek on: a form, so wait until
    its answer, a new document, has loaded. A test that moves on sooner races the redirect:
    a `goto` sent while the answer commits can be dropped by Chromium and then waits for a
    "load" that never comes (30 s). `expect_navigation` is not enough: the page's own live.js
    may change the address while the form is on its way (`history.replaceState`), and that
    same-document navigation satisfies it. The current document's "load" comes first, so the
    next "load" is the answer's."""
    page.wait_for_load_state("load")
    with page.expect_event("load"):
        page.get_by_role("button", name=button).click()


def end_gesprek(page):
    """End the gesprek from the control page: the link opens a dialog (a page of its own
    without JavaScript) that asks to confirm."""
    page.get_by_role("link", name=text(page, "end")).click()
    step(page, text(page, "end for sure"))


def post_note(page, note):
    page.get_by_label(text(page, "note")).fill(note)
    page.get_by_role("button", name=text(page, "post note")).click()
    expect(page.locator(".gk-note__text", has_text=note)).to_be_visible()


def tab_to(page, selector, presses=200):
    """Press Tab until the element matching `selector` has the focus (keyboard only)."""
    for _ in range(presses):
        page.keyboard.press("Tab")
        if page.evaluate("s => document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"Tab never reached {selector}")


def focus_info(page):
    return page.evaluate(
        """() => {
            const el = document.activeElement;
            const style = getComputedStyle(el);
            const after = getComputedStyle(el, '::after');  // cards draw the ring on ::after
            // A choice's radio button draws its ring on its label (.gk-choice).
            const label = el.matches('input') && el.nextElementSibling?.matches('label')
                ? getComputedStyle(el.nextElementSibling) : after;
            const rect = el.getBoundingClientRect();
            const all = Array.from(document.querySelectorAll('*'));
            return {
                tag: el.tagName, id: el.id, text: (el.innerText || '').trim().slice(0, 40),
                index: all.indexOf(el),
                outline: [style, after, label].some(
                    (s) => s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2),
                shadow: style.boxShadow !== 'none',
                visible: rect.width > 0 && rect.height > 0,
            };
        }"""
    )


# The tab stops of <main>: visible links and controls, one per group of radio buttons.
TAB_STOPS = """() => {
    const radios = new Set();
    return Array.from(document.querySelectorAll(
        'main :is(a[href], button, input:not([type=hidden]), select, textarea, summary)'))
        .filter(el => el.checkVisibility() && !el.disabled && el.tabIndex >= 0)
        .filter(el => el.type !== 'radio' || (!radios.has(el.name) && radios.add(el.name)))
        .length;
}"""


def keyboard_pass(page):
    """From the top of the page, Tab visits every link and control in document order, each one
    visibly focused; returns the addresses of the links it reached. (A date field takes several
    Tabs, one per part: it counts once.)"""
    page.goto(page.url)  # focus starts at the top of a freshly loaded page
    page.keyboard.press("Tab")
    assert focus_info(page)["text"] == text(page, "skip")
    page.keyboard.press("Enter")
    stops = page.evaluate(TAB_STOPS)
    seen, links = [], set()
    for _ in range(3 * stops + 10):
        page.keyboard.press("Tab")
        info = focus_info(page)
        if info["tag"] == "BODY" or not page.evaluate(
            "document.querySelector('main').contains(document.activeElement)"
        ):
            break
        assert info["visible"], info
        assert info["outline"] or info["shadow"], f"no visible focus on {info}"
        if not seen or seen[-1] != info["index"]:
            seen.append(info["index"])
        href = page.evaluate("document.activeElement.getAttribute('href')")
        if href:
            links.add(href)
    assert seen == sorted(seen), "focus order follows the document"
    assert len(seen) == stops, f"every link and control in the page can be reached: {seen}"
    return links


def download(page, link_name, folder, keyboard=False):
    """Follow a download link (with Enter when `keyboard`); returns the saved file's path."""
    link = page.get_by_role("link", name=link_name, exact=True)
    with page.expect_download() as info:
        if keyboard:
            link.focus()
            page.keyboard.press("Enter")
        else:
            link.click()
    path = folder / info.value.suggested_filename
    info.value.save_as(path)
    return path


# -- the presenter screen --------------------------------------------------------------------

SCREENS = [{"width": 1280, "height": 720}, {"width": 1920, "height": 1080}]

FITS = """() => {
    const root = document.documentElement;
    const clipped = Array.from(document.querySelectorAll(
        '.gk-slide:not([hidden]), .gk-stage__panel, .gk-stage__join, .gk-stage__marking'))
        .filter(el => el.scrollHeight > el.clientHeight + 1)
        .map(el => el.className);
    return {scroll: root.scrollHeight - window.innerHeight, clipped};
}"""
POSTS = "document.querySelectorAll('form, [type=submit], input, select, textarea').length"
# The smallest text a person in the room has to read: every visible element with text of its
# own (text for screen readers only, and the facilitator's full-screen button, left out), its
# font size in CSS pixels. READABLE: at least 2.4% of the screen's height (17 px at 720, 26 px
# at 1080), just under the size of the behaviours themselves; smaller type does not read from
# the back of the room.
READABLE = 0.024
SMALLEST_TEXT = """() => {
    let smallest = {size: Infinity, text: ""};
    for (const el of document.body.querySelectorAll("*")) {
        const own = Array.from(el.childNodes)
            .filter(n => n.nodeType === Node.TEXT_NODE).map(n => n.textContent.trim()).join("");
        const skip = ".gk-visually-hidden, [hidden], [aria-hidden=true], button";
        if (!own || el.closest(skip)) continue;
        const box = el.getBoundingClientRect();
        if (!box.width || !box.height || !el.checkVisibility()) continue;
        const size = parseFloat(getComputedStyle(el).fontSize);
        if (size < smallest.size) smallest = {size, text: own.slice(0, 40)};
    }
    return smallest;
}"""


def check_presenter(presenter, what):
    """The presenter at 1280x720 and 1920x1080, light and dark: it fits without scrolling,
    nothing on it posts, no text is too small to read from the back, axe-core passes."""
    for screen in SCREENS:
        presenter.set_viewport_size(screen)
        for scheme in ("light", "dark"):
            presenter.emulate_media(color_scheme=scheme)
            fits = presenter.evaluate(FITS)
            assert fits == {"scroll": 0, "clipped": []}, (what, screen, fits)
            assert presenter.evaluate(POSTS) == 0, what
            smallest = presenter.evaluate(SMALLEST_TEXT)
            assert smallest["size"] >= READABLE * screen["height"], (what, screen, smallest)
            assert_accessible(presenter)
    presenter.emulate_media(color_scheme="light")

"""Solo preparation in Chromium: a phone prepares the first card alone (the marks never leave
the device), sees its own picture, joins a gesprek and fills in its answers from the
preparation; the facilitator's results count the final answers. Also: JavaScript off, axe on
every new page, keyboard only, 320-390 px without sideways scrolling, print, forgetting."""

from playwright.sync_api import expect

from tests.e2e.conftest import LAPTOP, start_server
from tests.e2e.flows import (
    CARD,
    DECK,
    assert_accessible,
    choose,
    counts_of,
    join_with_code,
    keyboard_pass,
    log_in,
    mark_card,
    open_page,
    start_gesprek,
    step,
    tab_to,
)

SLUG = DECK["slug"]
START = f"/kaarten/{SLUG}/voorbereiden/"
PICTURE = f"/kaarten/{SLUG}/voorbereiden/mijn-beeld/"
EVERYONE = CARD["behaviours"]["everyone"]
LEADERS = CARD["behaviours"]["leaders"]
# Prepared: the first "Zie ik terug", the second "Zie ik niet terug" and to discuss, the third
# "Weet ik niet", the rest "Zie ik terug"; and the first leaders' behaviour "Zie ik niet terug".
PREPARED = ["Zie ik terug", "Zie ik niet terug", "Weet ik niet"] + ["Zie ik terug"] * (
    len(EVERYONE) - 3
)
# Words that would appear in any request that carried a mark.
MARK_WORDS = ["recognised", "missing", "unsure", "discuss", f"{CARD['slug']}."]


def test_solo_preparation_carried_into_a_gesprek(browser, tmp_path):
    server = start_server(tmp_path / "var")
    try:
        run(browser, server)
    finally:
        server.stop()


def no_sideways_scroll(page):
    for width in (320, 390):
        page.set_viewport_size({"width": width, "height": 800})
        scroll = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert scroll <= 0, (page.url, width, scroll)
    page.set_viewport_size({"width": 375, "height": 812})


def stored(page):
    return page.evaluate(
        "Object.keys(localStorage).filter(k => k.startsWith('gk-prepare:'))"
        ".map(k => [k, JSON.parse(localStorage.getItem(k))])"
    )


def run(browser, server):
    phone = open_page(browser, server)
    sent = []
    phone.on("request", lambda request: sent.append(request))

    # From the deck's overview to the first card.
    phone.goto(f"/kaarten/{SLUG}/")
    phone.get_by_role("link", name="Bereid je voor").click()
    expect(phone.get_by_role("heading", name="Bereid je voor", exact=True)).to_be_visible()
    assert_accessible(phone)
    assert keyboard_pass(phone)  # every link and button, in order, visibly focused
    no_sideways_scroll(phone)
    phone.get_by_role("link", name="Begin met de eerste kaart").click()
    expect(phone.get_by_role("heading", name=CARD["title"]["nl"])).to_be_visible()
    expect(phone.locator("fieldset.gk-mark")).to_have_count(len(EVERYONE) + len(LEADERS))
    assert_accessible(phone)
    no_sideways_scroll(phone)

    for index, answer in enumerate(PREPARED):
        fieldset = choose(phone, index, answer)
        expect(fieldset.locator("[data-status]")).to_have_text("Bewaard op dit apparaat")
    phone.locator("fieldset.gk-mark").nth(1).get_by_label("Wil ik bespreken").check()
    choose(phone, len(EVERYONE), "Zie ik niet terug")  # the first leaders' behaviour
    assert_accessible(phone)
    [(key, marks)] = stored(phone)
    assert key.startswith(f"gk-prepare:{SLUG}:")
    assert marks[f"{CARD['slug']}/{EVERYONE[1]['key']}"] == {"choice": "missing", "discuss": True}
    assert len(marks) == len(EVERYONE) + 1

    # On to the next card and back: the marks are still there, filled in from the device.
    phone.get_by_role("button", name="Volgende kaart").click()
    expect(phone.get_by_role("heading", name=DECK["principles"][1]["title"]["nl"])).to_be_visible()
    phone.get_by_role("button", name="Vorige kaart").click()
    expect(phone.get_by_role("heading", name=CARD["title"]["nl"])).to_be_visible()
    first = phone.locator("fieldset.gk-mark").nth(1)
    expect(first.get_by_label("Zie ik niet terug", exact=True)).to_be_checked()
    expect(first.get_by_label("Wil ik bespreken")).to_be_checked()

    # Their own picture.
    phone.get_by_role("button", name="Toon mijn beeld").first.click()
    expect(phone.get_by_role("heading", name="Mijn beeld")).to_be_visible()
    card = phone.locator("section.gk-solo-card").first
    recognised = PREPARED.count("Zie ik terug")
    assert counts_of(card) == {
        "Zie ik terug": str(recognised),
        "Zie ik niet terug": "2",  # one for everyone, one for leaders
        "Weet ik niet": "1",
        "Wil ik bespreken": "1",
    }
    discuss = phone.locator(".gk-solo-discuss li")
    expect(discuss).to_have_count(1)
    expect(discuss).to_contain_text(EVERYONE[1]["text"]["nl"])
    expect(phone.get_by_text("Je hebt nog niets gemarkeerd.")).to_be_hidden()
    assert phone.locator("svg.gk-bar").first.locator("rect").count() == 3
    assert_accessible(phone)
    assert keyboard_pass(phone)
    no_sideways_scroll(phone)
    phone.emulate_media(media="print")
    expect(phone.locator(".gk-solo-tools")).to_be_hidden()
    expect(card).to_be_visible()
    phone.emulate_media(media="screen")

    # No request carried a mark: pages were fetched with GET, nothing was posted.
    assert sent, "the requests were seen"
    for request in sent:
        assert request.method == "GET", (request.method, request.url)
        assert not any(word in request.url for word in MARK_WORDS), request.url
    sent.clear()

    # Keyboard only on the solo card: mark the last behaviour and go on.
    phone.goto(START + f"kaart/{CARD['slug']}/")
    last = len(EVERYONE) - 1
    tab_to(phone, f"fieldset.gk-mark:nth-of-type({last + 1}) input[type=radio]")
    phone.keyboard.press("ArrowRight")  # from the checked "Zie ik terug" to "Zie ik niet terug"
    expect(
        phone.locator("fieldset.gk-mark").nth(last).get_by_label("Zie ik niet terug", exact=True)
    ).to_be_checked()
    phone.keyboard.press("Tab")
    phone.keyboard.press("Space")  # "Wil ik bespreken"
    tab_to(phone, "button[type=submit]")
    phone.keyboard.press("Enter")
    expect(phone.get_by_role("heading", name=DECK["principles"][1]["title"]["nl"])).to_be_visible()
    [(_key, marks)] = stored(phone)
    assert marks[f"{CARD['slug']}/{EVERYONE[last]['key']}"] == {
        "choice": "missing",
        "discuss": True,
    }
    PREPARED[last] = "Zie ik niet terug"
    for request in sent:
        assert request.method == "GET" and not any(w in request.url for w in MARK_WORDS)

    # A gesprek on the first card, behaviours for everyone, k = 2.
    facilitator = open_page(browser, server, viewport=LAPTOP)
    log_in(facilitator, server)
    code = start_gesprek(facilitator, "Na de voorbereiding", threshold=2)
    join_with_code(phone, code)
    other = open_page(browser, server)
    join_with_code(other, code)
    step(facilitator, "Start het markeren")
    expect(phone.get_by_role("heading", name="Markeer het gedrag")).to_be_visible()
    sent.clear()
    phone.get_by_role("link", name=CARD["title"]["nl"]).click()
    use = phone.get_by_role("button", name="Gebruik mijn voorbereiding")
    expect(use).to_be_visible()
    expect(phone.locator("fieldset.gk-mark input:checked")).to_have_count(0)  # nothing yet
    assert not [r for r in sent if r.method == "POST"], "nothing is sent before they choose"
    assert_accessible(phone)
    no_sideways_scroll(phone)

    with phone.expect_response(lambda r: "/antwoord/" in r.url):
        use.click()
    expect(phone.get_by_text("Je voorbereiding is ingevuld en bewaard.")).to_be_visible()
    fieldsets = phone.locator("fieldset.gk-mark")
    expect(fieldsets).to_have_count(len(EVERYONE))  # the leaders' behaviours are not asked
    for index, answer in enumerate(PREPARED):
        expect(fieldsets.nth(index).get_by_label(answer, exact=True)).to_be_checked()
        expect(fieldsets.nth(index).locator("[data-status]")).to_have_text("Bewaard")
    expect(fieldsets.nth(1).get_by_label("Wil ik bespreken")).to_be_checked()
    assert_accessible(phone)

    # They change one answer; autosave sends it like any change.
    with phone.expect_response(lambda r: "/antwoord/" in r.url):
        choose(phone, 0, "Weet ik niet")
    expect(fieldsets.nth(0).locator("[data-status]")).to_have_text("Bewaard")

    mark_card(other, ["Zie ik terug"] * len(EVERYONE))
    step(facilitator, "Sluit het markeren en toon de uitkomsten")
    results = facilitator.locator(".gk-result")
    expect(results).to_have_count(len(EVERYONE))
    assert counts_of(results.nth(0)) == {  # changed from "Zie ik terug"
        "Zie ik terug": "1",
        "Zie ik niet terug": "0",
        "Weet ik niet": "1",
        "Wil ik bespreken": "0",
    }
    assert counts_of(results.nth(1)) == {
        "Zie ik terug": "1",
        "Zie ik niet terug": "1",
        "Weet ik niet": "0",
        "Wil ik bespreken": "1",
    }
    assert counts_of(results.nth(2))["Weet ik niet"] == "1"
    assert counts_of(results.nth(last))["Zie ik niet terug"] == "1"

    # Forget: the device holds no preparation any more, and the picture says so.
    phone.goto(PICTURE)
    expect(phone.get_by_text("Je hebt nog niets gemarkeerd.")).to_be_hidden()
    phone.get_by_role("button", name="Vergeet mijn voorbereiding").click()
    expect(phone.get_by_text("Je voorbereiding is van dit apparaat gewist.")).to_be_visible()
    expect(phone.get_by_text("Je hebt nog niets gemarkeerd.")).to_be_visible()
    assert stored(phone) == []


def test_without_javascript_the_marks_travel_in_the_form(browser, tmp_path):
    server = start_server(tmp_path / "var")
    try:
        page = open_page(browser, server, javascript=False)
        page.goto(START)
        page.get_by_role("link", name="Begin met de eerste kaart").click()
        choose(page, 0, "Zie ik niet terug")
        page.locator("fieldset.gk-mark").nth(0).get_by_label("Wil ik bespreken").check()
        choose(page, 1, "Zie ik terug")
        page.get_by_role("button", name="Volgende kaart").click()
        second = DECK["principles"][1]
        expect(page.get_by_role("heading", name=second["title"]["nl"])).to_be_visible()
        choose(page, 0, "Weet ik niet")
        page.get_by_role("button", name="Toon mijn beeld").click()
        expect(page.get_by_role("heading", name="Mijn beeld")).to_be_visible()
        first_card, second_card = page.locator("section.gk-solo-card").all()[:2]
        assert counts_of(first_card) == {
            "Zie ik terug": "1",
            "Zie ik niet terug": "1",
            "Weet ik niet": "0",
            "Wil ik bespreken": "1",
        }
        assert counts_of(second_card)["Weet ik niet"] == "1"
        expect(page.locator(".gk-solo-discuss li")).to_contain_text(EVERYONE[0]["text"]["nl"])
        # Back to change them: the first card shows its marks again.
        page.get_by_role("button", name="Verander mijn markeringen").click()
        expect(page.get_by_role("heading", name=CARD["title"]["nl"])).to_be_visible()
        expect(
            page.locator("fieldset.gk-mark").nth(0).get_by_label("Zie ik niet terug", exact=True)
        ).to_be_checked()
        no_sideways_scroll(page)
    finally:
        server.stop()

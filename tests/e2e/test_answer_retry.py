"""An answer that did not reach the app is sent again (issue 17): when a process restarts
behind nginx, a POST gets nginx's 502 page or no connection at all, and nginx does not retry a
POST. The page tries again, and speaks plain words only when every try failed; a refusal by
the app itself (JSON) is shown as it is and not repeated.

What the browser receives in place of the app is set with Playwright's routing: the 502 page
of a proxy and a dropped connection are what a crash looks like from the browser
(tests/scaleout crashes real processes behind a real nginx).
"""

import json
import re

from playwright.sync_api import expect

from tests.e2e.conftest import LAPTOP
from tests.e2e.flows import CARD, choose, join_with_code, log_in, open_page, start_gesprek

ANSWERS = re.compile(r"/g/\w+/antwoord/$")
# The app's own refusal, as the Dutch page shows it.
REFUSED = "Dit antwoord klopt niet. Laad de pagina opnieuw en probeer het nog eens."
LIVE_JS = re.compile(r"/js/live(\.\w+)?\.js$")  # with or without the static file's hash
NGINX_502 = "<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>"


def test_an_answer_that_did_not_arrive_is_sent_again(browser, server):
    facilitator = open_page(browser, server, viewport=LAPTOP)
    log_in(facilitator, server)
    code = start_gesprek(facilitator, "Opnieuw proberen")
    person = open_page(browser, server)
    join_with_code(person, code, axe=False)
    facilitator.get_by_role("button", name="Start het markeren").click()
    person.get_by_role("link", name=CARD["title"]["nl"]).click()

    tries = []

    def crash_then_recover(route):
        tries.append(route.request.post_data)
        if len(tries) == 1:
            route.fulfill(status=502, content_type="text/html", body=NGINX_502)
        elif len(tries) == 2:
            route.abort("connectionreset")
        else:
            route.continue_()

    person.route(ANSWERS, crash_then_recover)
    fieldset = choose(person, 0, "Zie ik terug")
    expect(fieldset.locator("[data-status]")).to_have_text("Bewaard", timeout=10_000)
    assert len(tries) == 3 and len(set(tries)) == 1  # the same answer, three times
    person.unroute(ANSWERS)
    person.reload()
    expect(person.locator("fieldset.gk-mark").nth(0).get_by_label("Zie ik terug")).to_be_checked()

    # Never reaches the app: after about 7 s, plain words (not a JSON parse error).
    tries.clear()

    def always_502(route):
        tries.append(route.request.url)
        route.fulfill(status=502, content_type="text/html", body=NGINX_502)

    person.route(ANSWERS, always_502)
    fieldset = choose(person, 1, "Zie ik terug")
    status = fieldset.locator("[data-status]")
    expect(status).to_have_text(re.compile("^Niet bewaard"), timeout=15_000)
    assert len(tries) == 5  # the first try and four more
    person.unroute(ANSWERS)

    # The app refused it: its own words, once.
    tries.clear()

    def refused(route):
        tries.append(route.request.url)
        route.fulfill(
            status=400,
            content_type="application/json",
            body=json.dumps({"error": REFUSED}),
        )

    person.route(ANSWERS, refused)
    fieldset = choose(person, 2, "Zie ik niet terug")
    expect(fieldset.locator("[data-status]")).to_have_text(REFUSED)
    person.wait_for_timeout(500)
    assert len(tries) == 1


def test_a_mark_made_before_the_page_script_ran_is_saved(browser, server):
    """On a slow phone a tap can come before live.js has run: its change event is not heard,
    so the script saves what differs from the page as it came once it runs."""
    facilitator = open_page(browser, server, viewport=LAPTOP)
    log_in(facilitator, server)
    code = start_gesprek(facilitator, "Vroeg getikt")
    person = open_page(browser, server)
    held = []

    def hold(route):  # once held, the next page's script waits here
        held.append(route) if held else route.continue_()

    person.route(LIVE_JS, hold)  # routing also keeps the script out of the cache
    join_with_code(person, code, axe=False)
    facilitator.get_by_role("button", name="Start het markeren").click()
    held.append(None)
    person.get_by_role("link", name=CARD["title"]["nl"]).click()
    fieldset = choose(person, 1, "Zie ik niet terug")
    assert len(held) == 2 and person.evaluate("document.readyState") == "interactive"
    held[1].continue_()
    expect(fieldset.locator("[data-status]")).to_have_text("Bewaard")
    person.unroute(LIVE_JS)
    person.reload()
    marks = person.locator("fieldset.gk-mark")
    expect(marks.nth(1).get_by_label("Zie ik niet terug")).to_be_checked()
    expect(marks.nth(0).get_by_label("Zie ik terug")).not_to_be_checked()

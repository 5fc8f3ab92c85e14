"""A live page whose address has a #fragment, and a page being left while its form's answer
is on the way.

The facilitator's control page fetches itself when an event names no content (live.js
`refresh`). When the facilitator's own form (ending the gesprek) publishes that event, the
fetch races the form's answer. It used to rewrite the address, dropping its #fragment (e.g.
"#gk-agreements" after saving a follow-up date): a same-document navigation, which
`flows.step()` (then `expect_navigation`) took for the form's answer. The test went on while
the answer was still committing, and Chromium dropped its next `goto`, which then waited 30 s
for a "load" that never came (test_agreements, about one CI run in four).
"""

import socket
import threading
import time

from playwright.sync_api import expect

from tests.e2e.conftest import LAPTOP
from tests.e2e.flows import log_in, mark_live, not_reloaded, start_gesprek, step

ENDED = "This gesprek has ended."


def facilitator_page(page_factory, server):
    page = page_factory(viewport=LAPTOP, locale="en-GB")
    log_in(page, server)
    return page


def test_a_live_refresh_keeps_the_address_and_its_fragment(page_factory, server):
    watching = facilitator_page(page_factory, server)
    start_gesprek(watching, "Fragment kept")
    control = watching.url
    watching.goto(control + "#gk-agreements")
    mark_live(watching)
    addresses = []
    watching.on(
        "framenavigated",
        lambda frame: addresses.append(frame.url) if frame == watching.main_frame else None,
    )

    # The same facilitator on a second screen moves the gesprek on: the first one follows.
    other = facilitator_page(page_factory, server)
    other.goto(control)
    step(other, "Start marking")
    expect(watching.locator(".gk-facts")).to_contain_text("Marking")
    assert not_reloaded(watching)
    assert watching.url == control + "#gk-agreements"
    assert addresses == [], "the swap changed the address: a navigation of its own"


class SlowAnswers:
    """A TCP relay in front of the server that holds back, for `seconds`, the answer to every
    request whose request line has `marker`. Everything else passes at once, so the page's own
    fetches and its live stream go on while a form's answer is held."""

    def __init__(self, port: int, marker: bytes, seconds: float):
        self.target, self.marker, self.seconds = port, marker, seconds
        self.held = 0
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:  # closed
                return
            upstream = socket.create_connection(("127.0.0.1", self.target))
            hold = {"until": 0.0}
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(
                    target=self._pipe, args=(source, sink, hold, source is client), daemon=True
                ).start()

    def _pipe(self, source, sink, hold, from_browser):
        try:
            while data := source.recv(65536):
                if from_browser and self.marker in data.split(b"\r\n", 1)[0]:
                    hold["until"] = time.monotonic() + self.seconds  # before it goes on
                    self.held += 1
                elif not from_browser:
                    time.sleep(max(0.0, hold["until"] - time.monotonic()))
                sink.sendall(data)
        except OSError:
            pass
        finally:
            source.close()
            sink.close()

    def close(self):
        self.listener.close()


def test_step_waits_for_the_forms_answer_while_the_page_changes(browser, server):
    """The answer to "end the gesprek" is held back for 1.5 s. Meanwhile the page being left
    gets the live event, fetches and swaps in the ended screen, and changes its own address (a
    same-document navigation, as live.js does when a fetched page was redirected). `step`
    still returns the answer's new document, and the next `goto` works at once."""
    relay = SlowAnswers(server.port, b"/stap/ HTTP/1.1", seconds=1.5)
    context = browser.new_context(base_url=relay.url, viewport=LAPTOP, locale="en-GB")
    try:
        facilitator = context.new_page()
        log_in(facilitator, server)
        start_gesprek(facilitator, "Held answer")
        control = facilitator.url
        facilitator.evaluate(
            """() => document.addEventListener("submit", () => setTimeout(() => {
                history.replaceState(null, "", location.pathname + "#moved");
            }, 200))"""
        )
        mark_live(facilitator)
        facilitator.get_by_role("link", name="End the gesprek…").click()
        loaded = []
        facilitator.on("load", lambda page: loaded.append(page.url))
        step(facilitator, "Yes, end the gesprek")
        assert relay.held == 1
        assert loaded == [control], "step returned before the answer had loaded"
        assert not not_reloaded(facilitator)
        assert facilitator.url == control
        expect(facilitator.locator("main")).to_contain_text(ENDED)
        facilitator.goto("/begeleiden/", timeout=5000)
        expect(facilitator.get_by_role("heading", name="Your gesprekken")).to_be_visible()
    finally:
        context.close()
        relay.close()


def test_a_page_that_stayed_after_a_download_still_reloads_when_a_fetch_fails(page_factory, server):
    """A download link fires `beforeunload` while the page stays. live.js then took the page
    for one being left and never fell back to a reload when its own fetch failed: the screen
    stayed behind for good."""
    watching = facilitator_page(page_factory, server)
    start_gesprek(watching, "Download")
    control = watching.url
    watching.evaluate("window.dispatchEvent(new Event('beforeunload'))")  # what a download does
    watching.wait_for_timeout(3500)
    mark_live(watching)
    watching.route(
        control,
        lambda route: (
            route.abort() if route.request.resource_type == "fetch" else route.continue_()
        ),
    )
    other = facilitator_page(page_factory, server)
    other.goto(control)
    step(other, "Start marking")
    expect(watching.locator(".gk-facts")).to_contain_text("Marking")  # after the reload
    assert not not_reloaded(watching)

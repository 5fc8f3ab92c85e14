"""Agreements in Chromium: a facilitator and three participants make agreements (bad input
included), set a follow-up date and download it; the team's next gesprek reviews them live and
shows the trend. axe-core on every new screen, and a keyboard-only pass.

The pages run in English: the Dutch texts of this part are filled in with the translations.
"""

import re
from pathlib import Path

import icalendar
from playwright.sync_api import expect

from tests.e2e.conftest import LAPTOP, start_server
from tests.e2e.flows import (
    CARD,
    assert_accessible,
    check_presenter,
    end_gesprek,
    in_days,
    join_with_code,
    log_in,
    mark_all,
    mark_live,
    not_reloaded,
    open_page,
    start_gesprek,
    step,
    tab_to,
)

LOCALE = "en-GB"
TITLE = CARD["title"]["en"]
FEEDBACK = "Five minutes of feedback in every team meeting"
LUNCH = "Lunch together on Fridays"


def test_agreements_follow_up_review_and_trend(browser, tmp_path):
    server = start_server(tmp_path / "var")
    try:
        facilitator = open_page(browser, server, viewport=LAPTOP, locale=LOCALE)
        log_in(facilitator, server)
        people = [open_page(browser, server, locale=LOCALE) for _ in range(3)]
        first_gesprek(facilitator, people, tmp_path)
        follow_up_gesprek(browser, server, facilitator, people)
    finally:
        server.stop()


def first_gesprek(facilitator, people, tmp_path):
    code = start_gesprek(facilitator, "Team meeting January")
    for person in people:
        join_with_code(person, code, axe=False)
    step(facilitator, "Start marking")
    mark_all(people, "I see this")
    step(facilitator, "Close marking and show results")
    step(facilitator, "Discuss the questions")
    for person in people:
        expect(person.get_by_role("heading", name="Discussion")).to_be_visible()
        expect(person.locator("#gk-agreements")).to_contain_text("No agreements yet.")
        mark_live(person)

    # Bad input first: each gets a clear message and stores nothing.
    control_url = facilitator.url
    facilitator.get_by_role("link", name="Make an agreement", exact=True).click()
    assert_accessible(facilitator)
    facilitator.get_by_role("button", name="Save the agreement").click()
    expect(facilitator.get_by_role("alert")).to_contain_text("Write down what you agree on.")
    assert_accessible(facilitator)
    facilitator.get_by_label("What do you agree on?").fill(FEEDBACK)
    facilitator.get_by_label("By when? (optional)").fill(in_days(-1))
    facilitator.get_by_role("button", name="Save the agreement").click()
    expect(facilitator.get_by_role("alert")).to_contain_text("This date has passed.")
    # A browser without a date picker sends whatever was typed.
    facilitator.get_by_label("By when? (optional)").evaluate("input => { input.type = 'text'; }")
    facilitator.get_by_label("By when? (optional)").fill("31-02-2027")
    facilitator.get_by_role("button", name="Save the agreement").click()
    expect(facilitator.get_by_role("alert")).to_contain_text("This is not a date.")
    for person in people:
        expect(person.locator("#gk-agreements")).to_contain_text("No agreements yet.")

    facilitator.get_by_label("Who does it? (optional)").fill("the team leader")
    facilitator.get_by_label("By when? (optional)").fill(in_days(14))
    facilitator.get_by_label(TITLE).first.check()
    facilitator.get_by_role("button", name="Save the agreement").click()
    expect(facilitator.get_by_text("The agreement is saved.")).to_be_visible()
    for person in people:  # live, without a reload
        expect(person.locator("#gk-agreements")).to_contain_text(FEEDBACK)
        expect(person.locator("#gk-agreements")).to_contain_text("the team leader")
        assert not_reloaded(person)
    assert_accessible(people[0])

    # Keyboard only: the second agreement, linked to a behaviour.
    facilitator.goto(control_url)
    tab_to(facilitator, "a[href$='/afspraken/nieuw/']")
    facilitator.keyboard.press("Enter")
    expect(facilitator.get_by_role("heading", name="Make an agreement")).to_be_visible()
    tab_to(facilitator, "textarea[name=what]")
    facilitator.keyboard.type(LUNCH)
    tab_to(facilitator, "input[name=behaviours]")
    facilitator.keyboard.press("Space")
    tab_to(facilitator, "button[type=submit].utrecht-button--primary-action")
    facilitator.keyboard.press("Enter")
    expect(facilitator.get_by_text("The agreement is saved.")).to_be_visible()
    expect(people[1].locator("#gk-agreements .gk-agreement")).to_have_count(2)

    # The follow-up date: everyone sees it; the facilitator takes it home as .ics.
    facilitator.get_by_label("Follow-up date").fill(in_days(28))
    step(facilitator, "Save the follow-up date")
    expect(facilitator.get_by_text("The follow-up date is saved.")).to_be_visible()
    for person in people:
        expect(person.locator(".gk-follow-up")).to_contain_text("We meet again on")
    assert_accessible(facilitator)
    with facilitator.expect_download() as download:
        facilitator.get_by_role("link", name="Put the follow-up date in your calendar").click()
    saved = tmp_path / "follow-up.ics"
    download.value.save_as(saved)
    (event,) = icalendar.Calendar.from_ical(Path(saved).read_bytes()).walk("VEVENT")
    assert event.decoded("DTSTART").isoformat() == in_days(28)
    assert FEEDBACK in str(event["DESCRIPTION"]) and LUNCH in str(event["DESCRIPTION"])

    end_gesprek(facilitator)
    for person in people:
        expect(person.get_by_role("heading", name="This gesprek has ended")).to_be_visible()


def follow_up_gesprek(browser, server, facilitator, people):
    code = start_gesprek(facilitator, "Team meeting February")
    expect(facilitator.get_by_text("Earlier gesprekken of this team left open")).to_be_visible()
    for person in people:
        join_with_code(person, code, axe=False)
        mark_live(person)
    presenter = facilitator.context.new_page()
    step(facilitator, "Review agreements")
    for person in people:
        expect(person.get_by_role("heading", name="Review of agreements")).to_be_visible()
        expect(person.locator("#gk-agreements .gk-agreement")).to_have_count(2)
        assert not_reloaded(person)
    assert_accessible(people[0])
    assert_accessible(facilitator)
    presenter.goto(facilitator.url + "scherm/")
    expect(presenter.locator("#gk-agreements")).to_contain_text(LUNCH)
    check_presenter(presenter, "review of agreements")  # nothing posts, fits, axe
    presenter.set_viewport_size(LAPTOP)

    feedback = facilitator.locator(".gk-agreement", has_text=FEEDBACK)
    feedback.get_by_label("Status").select_option("done")
    feedback.get_by_role("button", name="Save status").click()
    for person in people:
        expect(
            person.locator(".gk-agreement", has_text=FEEDBACK).locator(".gk-status")
        ).to_have_text("Done")
        assert not_reloaded(person)

    # Keyboard only, and first without the reason that dropping needs.
    lunch = facilitator.locator(".gk-agreement", has_text=LUNCH)
    lunch.get_by_label("Status").focus()
    facilitator.keyboard.type("Dropped")
    tab_to(facilitator, ".gk-status-form button")
    facilitator.keyboard.press("Enter")
    expect(facilitator.get_by_text("Say why the agreement is dropped.")).to_be_visible()
    lunch = facilitator.locator(".gk-agreement", has_text=LUNCH)
    expect(lunch.locator(".gk-status")).to_have_text("Open")
    lunch.get_by_label("Status").focus()
    facilitator.keyboard.type("Dropped")
    facilitator.keyboard.press("Tab")
    facilitator.keyboard.type("Nobody is in on Fridays")
    facilitator.keyboard.press("Tab")
    facilitator.keyboard.press("Enter")
    for person in people:
        agreement = person.locator(".gk-agreement", has_text=LUNCH)
        expect(agreement.locator(".gk-status")).to_have_text("Dropped")
        expect(agreement).to_contain_text("Nobody is in on Fridays")
    expect(presenter.locator(".gk-agreement", has_text=LUNCH)).to_contain_text("Dropped")

    # Now the cards again, with a different picture: the results show the change.
    step(facilitator, "Start marking")
    mark_all(people, "I do not see this")
    step(facilitator, "Close marking and show results")
    expect(facilitator.get_by_text("Compared with the previous gesprek")).to_be_visible()
    first = facilitator.locator(".gk-result").first
    expect(first.locator(".gk-trend")).to_contain_text("I see this: from 100% to 0%")
    expect(first.locator(".gk-trend")).to_contain_text("down 100 percentage points")
    expect(first.locator(".gk-trend__arrow").first).to_have_attribute("aria-hidden", "true")
    assert_accessible(facilitator)
    expect(people[0].locator(".gk-result").first.locator(".gk-trend")).to_contain_text(
        "I do not see this: from 0% to 100%"
    )
    assert_accessible(people[0])

    # The team's page: every agreement with its history; filters in a plain GET form.
    facilitator.goto("/begeleiden/")
    facilitator.get_by_role("link", name="Agreements of Demoteam").click()
    expect(facilitator.locator(".gk-agreement")).to_have_count(2)
    assert_accessible(facilitator)
    facilitator.get_by_label("Status", exact=True).first.select_option("dropped")
    facilitator.get_by_role("button", name="Show", exact=True).click()
    expect(facilitator.locator(".gk-agreement")).to_have_count(1)
    facilitator.get_by_role("link", name=re.compile(f"^History.*{LUNCH}")).click()
    history = facilitator.locator(".gk-history tbody tr")
    expect(history).to_have_count(3)  # created, status, reason: the refused try left none
    expect(facilitator.locator(".gk-history")).to_contain_text("Nobody is in on Fridays")
    assert_accessible(facilitator)

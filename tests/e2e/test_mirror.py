"""A leader's mirror in Chromium: the leader (the demo facilitator) starts a mirror for the
team, marks their own view (JavaScript off, a plain form), is refused as a participant of their
own mirror, three phones mark the leader (one without JavaScript), the leader sees the
comparison, shares it with a confirmation, the presenter shows it; then the discussion, an
agreement and the end. axe-core in light and dark and a keyboard-only pass on every new screen.

The pages run in English: the Dutch texts of this part are filled in with the translations.
"""

from playwright.sync_api import expect

from tests.e2e.conftest import LAPTOP, start_server
from tests.e2e.flows import (
    CARD,
    assert_accessible,
    check_presenter,
    end_gesprek,
    join_with_code,
    log_in,
    mark_card,
    open_page,
    step,
)
from tests.e2e.flows import (
    keyboard_pass as keyboard_pass_from_top,
)

LOCALE = "en-GB"
TITLE = CARD["title"]["en"]
LEADERS = [behaviour["text"]["en"] for behaviour in CARD["behaviours"]["leaders"]]
MIRROR = "Mirror for Demoteam"
SHARED_HEADING = "Our leader's view beside the team's"


def keyboard_pass(page):
    """From the top of the page without its "#main" (the skip link of an earlier pass)."""
    page.goto(page.url.split("#")[0])
    return keyboard_pass_from_top(page)


def light_and_dark(page):
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        assert_accessible(page)
    page.emulate_media(color_scheme="light")


def test_a_leader_runs_a_mirror_with_three_team_members_and_shares_it(browser, tmp_path):
    server = start_server(tmp_path / "var")
    try:
        leader = open_page(browser, server, viewport=LAPTOP, locale=LOCALE)
        log_in(leader, server)
        self_view_url = start_mirror(leader)
        code = leader_marks_themself_without_javascript(browser, server, leader, self_view_url)
        people = team_joins(browser, server, leader, code)
        team_marks(leader, people)
        presenter = compare_and_share(leader)
        discuss_and_end(leader, people, presenter)
    finally:
        server.stop()


def start_mirror(leader) -> str:
    leader.goto("/begeleiden/nieuw/")
    leader.get_by_role("link", name="Leader's mirror").click()
    expect(leader.get_by_role("heading", name="Leader's mirror")).to_be_visible()
    light_and_dark(leader)
    keyboard_pass(leader)
    # No audience to choose: a mirror asks about the leader behaviours only.
    expect(leader.get_by_label("Behaviours for everyone")).to_have_count(0)
    leader.get_by_label("Title (optional)").fill(MIRROR)
    for box in leader.locator("input[name=principles]").all():
        box.uncheck()
    leader.get_by_role("button", name="Start the mirror").click()
    expect(leader.get_by_role("alert")).to_contain_text("Choose at least one card.")
    leader.get_by_label(TITLE).check()
    leader.get_by_role("button", name="Start the mirror").click()
    expect(leader.get_by_role("heading", name="Your own view")).to_be_visible()
    expect(leader.locator("fieldset.gk-mark")).to_have_count(len(LEADERS))
    light_and_dark(leader)
    keyboard_pass(leader)
    return leader.url


def leader_marks_themself_without_javascript(browser, server, leader, self_view_url) -> str:
    """The self-view is a plain form: the leader marks it in a browser without JavaScript."""
    plain = open_page(browser, server, viewport=LAPTOP, locale=LOCALE, javascript=False)
    plain.goto("/inloggen/")
    plain.get_by_label("E-mail address or user name").fill(server.username)
    plain.get_by_label("Password").fill(server.password)
    plain.get_by_role("button", name="Log in").click()
    plain.goto(self_view_url)
    own = ["I see this", "I do not see this"] + ["I don't know"] * (len(LEADERS) - 2)
    for index, answer in enumerate(own):
        plain.locator("fieldset.gk-mark").nth(index).get_by_label(answer, exact=True).check()
    plain.get_by_role("button", name="Save my own view").click()
    expect(plain.get_by_text("Your own view is saved. Only you can see it.")).to_be_visible()
    expect(plain.get_by_text(f"{len(LEADERS)} of {len(LEADERS)} marked.")).to_be_visible()
    plain.context.close()
    leader.reload()
    expect(leader.locator("fieldset.gk-mark").first.get_by_label("I see this")).to_be_checked()
    leader.get_by_role("link", name="Back to the mirror").click()
    expect(leader.get_by_role("heading", name=MIRROR)).to_be_visible()
    assert_accessible(leader)
    code = leader.locator(".gk-facts .gk-code").inner_text().replace("-", "")
    # The leader is not a participant of their own mirror.
    control = leader.url
    leader.goto(f"/doe-mee/{code}/")
    expect(leader.get_by_role("heading", name="This is your own mirror")).to_be_visible()
    light_and_dark(leader)
    keyboard_pass(leader)
    leader.goto(control)
    return code


def team_joins(browser, server, leader, code):
    people = [open_page(browser, server, locale=LOCALE) for _ in range(2)]
    people.append(open_page(browser, server, locale=LOCALE, javascript=False))
    for person in people:
        person.goto(f"/doe-mee/{code}/")
        expect(person.get_by_text("you mark the behaviours of your leader")).to_be_visible()
        join_with_code(person, code, axe=person is not people[-1])
        expect(person.get_by_text("This is a leader's mirror")).to_be_visible()
        assert "begeleider" not in person.content()  # the leader's name is on no phone
    assert_accessible(people[0])
    expect(leader.locator("[data-live-participants]")).to_have_text("3")
    return people


def team_marks(leader, people):
    step(leader, "Start marking")
    # The team misses the first behaviour the leader sees, and sees the second one the leader
    # misses; the rest it sees.
    answers = ["I do not see this", "I see this"] + ["I see this"] * (len(LEADERS) - 2)
    for person in people:
        if person is people[-1]:
            person.reload()  # without JavaScript the page refreshes by itself; do it now
        expect(person.get_by_text("do you see your leader do this?")).to_be_visible()
        mark_card(person, answers)
    light_and_dark(people[0])
    step(leader, "Close marking and show results")


def compare_and_share(leader):
    control = leader.url
    presenter = leader.context.new_page()
    presenter.set_viewport_size({"width": 1280, "height": 720})
    presenter.goto(control + "scherm/")
    expect(presenter.locator(".gk-stage--results")).to_be_visible()
    expect(presenter.get_by_text(SHARED_HEADING)).to_have_count(0)

    leader.get_by_role("link", name="Your view and the team's").click()
    expect(leader.get_by_role("heading", name="Your view and the team's")).to_be_visible()
    expect(leader.get_by_role("heading", name="You see it, the team does not (1)")).to_be_visible()
    expect(leader.get_by_role("heading", name="The team sees it, you do not (1)")).to_be_visible()
    differs = leader.locator(".gk-mirror__group--you_only .gk-result")
    expect(differs).to_contain_text(LEADERS[0])
    expect(differs).to_contain_text("You: I see this")
    expect(differs.locator(".gk-counts")).to_contain_text("3")  # the text alternative
    expect(leader.get_by_text("Only you see this comparison.")).to_be_visible()
    light_and_dark(leader)
    keyboard_pass(leader)

    leader.get_by_role("link", name="Share with the team").click()
    expect(leader.get_by_role("heading", name="Share with the team?")).to_be_visible()
    light_and_dark(leader)
    keyboard_pass(leader)
    leader.get_by_role("button", name="Share with the team").click()
    expect(leader.get_by_text("The team now sees the comparison")).to_be_visible()
    # Live: the presenter turns to the comparison without a reload.
    expect(presenter.get_by_role("heading", name=SHARED_HEADING)).to_be_visible()
    slide = presenter.locator(".gk-slide:not([hidden])")
    expect(slide).to_contain_text("Our leader sees it, the team does not")
    expect(slide).to_contain_text("Our leader: I see this")
    check_presenter(presenter, "a shared mirror")

    # Stopping takes it off the presenter again; sharing once more puts it back.
    leader.get_by_role("button", name="Stop sharing").click()
    expect(leader.get_by_text("You stopped sharing.")).to_be_visible()
    expect(presenter.get_by_text(SHARED_HEADING)).to_have_count(0)
    leader.get_by_role("link", name="Share with the team").click()
    leader.get_by_role("button", name="Share with the team").click()
    expect(presenter.get_by_role("heading", name=SHARED_HEADING)).to_be_visible()
    leader.goto(control)
    return presenter


def discuss_and_end(leader, people, presenter):
    step(leader, "Discuss the questions")
    leader.get_by_role("link", name="Make an agreement", exact=True).click()
    leader.get_by_label("What do you agree on?").fill("Ask the team for feedback every month")
    leader.get_by_role("button", name="Save the agreement").click()
    expect(leader.get_by_text("The agreement is saved.")).to_be_visible()
    expect(people[0].locator("#gk-agreements")).to_contain_text("feedback every month")
    end_gesprek(leader)
    expect(leader.get_by_role("heading", name=SHARED_HEADING)).to_be_visible()
    expect(people[0].get_by_role("heading", name=SHARED_HEADING)).to_be_visible()
    expect(people[0].get_by_text("Our leader: I see this")).to_be_visible()
    assert_accessible(people[0])
    check_presenter(presenter, "the end of a mirror")

"""The presenter's discussion at its fullest, in Chromium: the longest texts the forms allow,
as many as the presenter shows, under the longest guiding question with a timer. Every state
must still fit 1280x720 and 1920x1080 without scrolling or cutting off a panel, with type
readable from the back of the room (flows.check_presenter). Long texts are cut off after a few
lines on the presenter only (CSS line clamp); the full text is in the page for screen readers
and on every phone.

Typing 30 notes, six rode draden and twenty proposals through the forms would take minutes,
so the demo gesprek of a server of its own is filled through the product's services, run in
the server's environment (`gesprekskaarten manage shell`); the browser then looks at the
presenter as the facilitator sees it.
"""

import subprocess

from playwright.sync_api import expect

from tests.e2e.conftest import COMMAND, LAPTOP, start_server
from tests.e2e.flows import check_presenter, log_in, open_page

# Run inside the server's Django; STAGE is set before it. Prints the gesprek's public id.
FILL = """
from gesprekskaarten.meetings import discussion, services, themes, voting
from gesprekskaarten.meetings.models import Gesprek, Step

def text(label, length):
    words = label + " " + "we willen vaker samen bespreken wat er goed gaat en wat beter kan " * 9
    return words[:length]

gesprek = Gesprek.objects.get(join_code=CODE)
if STAGE == "notes":
    for step in (Step.MARKING, Step.RESULTS, Step.DISCUSSION):
        services.set_step(gesprek, step)
    longest = max(discussion.questions_of(gesprek), key=lambda q: len(str(q.text)))
    discussion.go_to_question(gesprek, longest.order)  # the question takes the most room
    discussion.set_timer(gesprek, 10)  # and a timer under it
    participant, _token = services.join(gesprek)
    for n in range(30):
        discussion.add_note(participant, text(f"Notitie {n}", 280))
elif STAGE == "themes":
    notes = list(gesprek.notes.order_by("pk").values_list("pk", flat=True))
    for index in range(6):
        themes.create_theme(gesprek, text(f"Draad {index}", 80), notes[index * 5 : index * 5 + 5])
elif STAGE == "open vote":
    proposals = "\\n".join(text(f"Voorstel {n}", 200) for n in range(20))
    voting.open_vote(gesprek, theme_ids=[], proposals=proposals, dots=3)
elif STAGE == "closed vote":
    vote = voting.open_vote_of(gesprek)
    options = list(vote.options.order_by("pk").values_list("pk", flat=True))
    for index in range(8):
        voter, _token = services.join(gesprek)
        voting.place_dots(voter, vote.pk, {options[index]: 2, options[index + 8]: 1})
    voting.close_vote(gesprek)
print(gesprek.public_id)
"""
STATES = {
    "notes": "a wall of the longest notes",
    "themes": "six rode draden of five of the longest notes",
    "open vote": "an open vote on twenty of the longest proposals",
    "closed vote": "the result of that vote",
}


def fill(server, stage):
    code = f"CODE = {server.join_code!r}\nSTAGE = {stage!r}\n" + FILL
    done = subprocess.run(
        [*COMMAND, "manage", "shell", "-c", code],
        env=server.env,
        check=True,
        capture_output=True,
        text=True,
    )
    return done.stdout.strip().splitlines()[-1]


def test_the_fullest_discussion_fits_and_reads_from_the_back(browser, tmp_path):
    server = start_server(tmp_path / "var")
    facilitator = open_page(browser, server, viewport=LAPTOP)
    try:
        log_in(facilitator, server)
        for stage, what in STATES.items():
            public_id = fill(server, stage)
            facilitator.goto(f"/begeleiden/{public_id}/scherm/")
            expect(facilitator.locator(".gk-stage__discussion")).to_be_visible()
            check_presenter(facilitator, what)
    finally:
        facilitator.context.close()
        server.stop()

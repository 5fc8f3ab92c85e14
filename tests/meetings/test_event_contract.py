"""The live event contract (meetings/events.py), tested as Zulip tests its events: for every
action that publishes, a participant's screen as it was, with the new events applied the way
live.js applies them, equals a fresh render of that participant's page.

`apply` below is live.js's `showStep` / `showUpdate` / `personalize` in Python, on our own
markup; the browser test (tests/e2e/test_full_gesprek.py) checks the real live.js the same
way on the screens of a whole gesprek.
"""

import datetime
import html
import json
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from gesprekskaarten.agreements import services as agreements
from gesprekskaarten.core import fragments
from gesprekskaarten.live.models import Event
from gesprekskaarten.live.services import last_seq
from gesprekskaarten.meetings import discussion, events, screens, services, themes, voting
from gesprekskaarten.meetings.models import Step
from tests.factories import make_gesprek

AUDIENCE = "participant-en"

pytestmark = pytest.mark.django_db


class Phone:
    """A participant's browser: their page, as fetched or as live events left it."""

    def __init__(self, gesprek):
        self.gesprek = gesprek
        self.client = Client()
        self.client.cookies["gk_language"] = "en"
        self.client.post(reverse("meetings:join", args=[gesprek.join_code]))
        self.participant = services.participant_for(
            gesprek, self.client.cookies[f"gk_p_{gesprek.join_code}"].value
        )
        self.load()

    def fetch(self) -> str:
        response = self.client.get(reverse("meetings:gesprek", args=[self.gesprek.join_code]))
        assert response.status_code == 200
        return response.content.decode()

    def load(self):
        page = self.fetch()
        self.main = fragments.main_of(page)
        script = re.search(r'<script id="gk-person" type="application/json">(.*?)</script>', page)
        self.person = json.loads(script.group(1))
        self.seq = last_seq(self.gesprek.channel)

    def follow(self) -> int:
        """Apply every event since the page was shown; returns how many carried content."""
        applied = 0
        for event in Event.objects.filter(channel=self.gesprek.channel, seq__gt=self.seq):
            data = json.loads(event.payloads[AUDIENCE])
            if event.type == "step":
                self.main = personalize(data["main"], self.person)
                applied += 1
            elif event.type == "update":
                for region_id, region in data["regions"].items():
                    if fragments.element_span(self.main, region_id):
                        region = personalize(region, self.person)
                        self.main = fragments.replace_element(self.main, region_id, region)
                applied += 1
            else:
                assert event.type == "progress"
                self.main = show_progress(self.main, data)
            self.seq = event.seq
        return applied


def personalize(content: str, person: dict) -> str:
    """live.js `personalize`: the person's own notes, marks per card and dots (and the "dots
    left" line that ballot.js counts again from those dots)."""

    def own_note(match):
        hidden = "" if int(match.group(1)) in person["notes"] else " hidden"
        return f'data-own-note="{match.group(1)}"{hidden}>'

    content = re.sub(r'data-own-note="(\d+)"(?: hidden)?>', own_note, content)

    def answered(match):
        done = person["answered"].get(match.group(1), 0)
        text = fill(match.group(3), done=done, total=match.group(2))
        return match.group(0).rsplit(">", 2)[0] + ">" + html.escape(text, quote=False) + "</p>"

    content = re.sub(
        r'data-answered="(\d+)" data-total="(\d+)" data-template="([^"]*)">[^<]*</p>',
        answered,
        content,
    )
    ballot = person["ballot"]
    if ballot and f'name="ballot-vote" value="{ballot["vote"]}"' in content:
        for option, dots in ballot["dots"].items():
            content = re.sub(
                rf'(name="ballot-option-{option}" value=)"\d+"', rf'\g<1>"{dots}"', content
            )
        placed = sum(ballot["dots"].values())

        def left(match):  # ballot.js: the "dots left" line, counted again from the fields
            dots = int(match.group(1))
            text = fill(match.group(2), left=dots - placed, dots=dots)
            return match.group(0).rsplit(">", 2)[0] + ">" + html.escape(text, quote=False) + "</p>"

        content = re.sub(
            r'data-dots="(\d+)" data-left-template="([^"]*)"[^>]*>[^<]*</p>', left, content
        )
        if placed:
            content = re.sub(
                r'data-placed-template="([^"]*)">[^<]*</p>',
                lambda m: (
                    f'data-placed-template="{m.group(1)}">'
                    + html.escape(fill(m.group(1), placed=placed), quote=False)
                    + "</p>"
                ),
                content,
            )
    return content


def show_progress(main: str, data: dict) -> str:
    """live.js `showProgress`: the text and the bar of the progress line."""
    template = re.search(r'data-live-progress data-template="([^"]*)"', main)
    if not template:
        return main
    text = html.escape(fill(template.group(1), **data), quote=False)
    main = re.sub(r'(class="gk-progress__text" aria-live="polite">)[^<]*', rf"\g<1>{text}", main)
    return re.sub(
        r'max="\d+" value="\d+"',
        f'max="{max(data["total"], 1)}" value="{data["done"]}"',
        main,
    )


def fill(template: str, **data) -> str:
    template = html.unescape(template)
    return re.sub(r"\{(\w+)\}", lambda m: str(data.get(m.group(1), "")), template)


def normal(main: str) -> str:
    main = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', 'name="csrfmiddlewaretoken"', main)
    return re.sub(r'value="\w+" name="csrfmiddlewaretoken"', 'name="csrfmiddlewaretoken"', main)


def assert_follows(phone, expected_events=1):
    """The phone followed from the events alone, to exactly what a fresh page shows it."""
    assert phone.follow() >= expected_events
    assert normal(phone.main) == normal(fragments.main_of(phone.fetch()))


@pytest.fixture
def room():
    """A gesprek in the lobby with three phones: `me` (whose screen we follow) and two others."""
    gesprek = make_gesprek(cards=1, audience="everyone", threshold=2)
    return gesprek, Phone(gesprek), Phone(gesprek), Phone(gesprek)


def in_step(gesprek, *steps):
    for step in steps:
        services.set_step(gesprek, step)
    gesprek.refresh_from_db()
    return gesprek


def mark(phone, choice="recognised", discuss=False):
    ids = [b.pk for b in services.behaviours_of(phone.gesprek)]
    services.save_answers(phone.participant, dict.fromkeys(ids, (choice, discuss)))


def test_every_step_change_reaches_the_screen_as_content(room):
    gesprek, me, other, third = room
    in_step(gesprek, Step.MARKING)
    assert_follows(me)
    mark(me)
    mark(other, "missing", discuss=True)
    me.load()  # the marks were made on the card pages
    in_step(gesprek, Step.RESULTS)
    assert_follows(me)
    in_step(gesprek, Step.MARKING)  # re-opened: my marks per card come from my own data
    assert_follows(me)
    total = len(services.behaviours_of(gesprek))
    assert f">{total} of {total} marked</p>" in me.main
    in_step(gesprek, Step.RESULTS, Step.DISCUSSION)
    assert_follows(me, 2)
    discussion.go_to_question(gesprek, 4)
    assert_follows(me)
    in_step(gesprek, Step.CLOSED)
    assert_follows(me)


def test_notes_timer_and_moderation(room):
    gesprek, me, other, third = room
    in_step(gesprek, Step.MARKING, Step.RESULTS, Step.DISCUSSION)
    mine = discussion.add_note(me.participant, "Mijn eigen <b>notitie</b>")
    me.load()  # posting a note is a page load of its own
    theirs = discussion.add_note(other.participant, "Van een ander")
    assert_follows(me)
    assert me.main.count('data-own-note="') == 2 and f'data-own-note="{mine.pk}">' in me.main
    discussion.edit_note(other.participant, theirs.pk, "Veranderd")
    assert_follows(me)
    discussion.set_note_hidden(gesprek, theirs.pk, True)
    assert_follows(me)
    assert "Veranderd" not in me.main
    discussion.set_timer(gesprek, 5)
    assert_follows(me)
    discussion.set_timer(gesprek, None)
    assert_follows(me)
    discussion.delete_note(me.participant, mine.pk)
    assert_follows(me)


def test_rode_draden(room):
    gesprek, me, other, third = room
    in_step(gesprek, Step.MARKING, Step.RESULTS, Step.DISCUSSION)
    a = discussion.add_note(other.participant, "Een")
    b = discussion.add_note(third.participant, "Twee")
    c = discussion.add_note(other.participant, "Drie")
    me.load()
    first = themes.create_theme(gesprek, "Werkdruk", [a.pk, b.pk])
    assert_follows(me)
    themes.rename_theme(gesprek, first.pk, "Druk")
    assert_follows(me)
    second = themes.create_theme(gesprek, "Mail", [])
    themes.move_note(gesprek, c.pk, second.pk)
    assert_follows(me, 2)
    merged = themes.merge_themes(gesprek, first.pk, second.pk, "Samen")
    assert_follows(me)
    split = themes.split_theme(gesprek, merged.pk, [c.pk], "Apart")
    assert_follows(me)
    themes.delete_theme(gesprek, split.pk)
    assert_follows(me)


def test_dot_voting_keeps_my_own_dots(room):
    gesprek, me, other, third = room
    in_step(gesprek, Step.MARKING, Step.RESULTS, Step.DISCUSSION)
    vote = voting.open_vote(gesprek, proposals="Alfa\nBeta", dots=3)
    assert_follows(me)
    alfa, beta = vote.options.order_by("pk").values_list("pk", flat=True)
    voting.place_dots(me.participant, vote.pk, {alfa: 2, beta: 1})
    me.load()  # saving my dots is a page load of its own
    voting.place_dots(other.participant, vote.pk, {beta: 3})
    assert_follows(me)  # the number of voters
    discussion.go_to_question(gesprek, 2)  # the whole screen is swapped: my dots stay mine
    assert_follows(me)
    assert 'value="2"' in me.main and "you placed 3 of your 3 dots" in me.main
    voting.place_dots(third.participant, vote.pk, {alfa: 1})
    voting.close_vote(gesprek)
    assert_follows(me, 2)


def test_agreements_and_the_follow_up_date(room):
    gesprek, me, other, third = room
    in_step(gesprek, Step.MARKING, Step.RESULTS, Step.DISCUSSION)
    me.load()
    user = gesprek.created_by
    agreement = agreements.create_agreement(gesprek, user, what="Elke week feedback", who="Ik")
    assert_follows(me)
    agreements.update_agreement(agreement, user, what="Elke maand", during=gesprek)
    assert_follows(me)
    agreements.set_status(agreement, user, "in_progress", during=gesprek)
    assert_follows(me)
    agreements.set_follow_up(gesprek, datetime.date.today() + datetime.timedelta(days=28))
    assert_follows(me)


def test_a_region_the_page_does_not_show_is_left_out():
    gesprek = in_step(make_gesprek(cards=1), Step.MARKING)
    events.regions_changed(gesprek, events.NOTES_REGION)  # no notes while marking
    event = Event.objects.filter(channel=gesprek.channel).last()
    for audience in ("participant-nl", "participant-en"):
        assert json.loads(event.payloads[audience])["regions"] == {}
    with pytest.raises(ValueError, match="Unknown page regions"):
        events.regions_changed(gesprek, "gk-nowhere")


def test_each_language_gets_its_own_render(room):
    gesprek, me, other, third = room
    in_step(gesprek, Step.MARKING)
    event = Event.objects.filter(channel=gesprek.channel, type="step").last()
    dutch = json.loads(event.payloads["participant-nl"])
    english = json.loads(event.payloads["participant-en"])
    assert "Markeer het gedrag" in dutch["main"] and "Mark the behaviours" in english["main"]
    assert dutch["url"] == english["url"] == f"/g/{gesprek.join_code}/"
    assert english["title"] == "Gesprek · Gesprekskaarten"
    in_step(gesprek, Step.RESULTS, Step.DISCUSSION)
    discussion_screen = Event.objects.filter(channel=gesprek.channel, type="step").last()
    for audience in ("participant-nl", "participant-en"):  # each browser puts in its own token
        main = json.loads(discussion_screen.payloads[audience])["main"]
        assert 'name="csrfmiddlewaretoken" value="gk-csrf"' in main
    card = gesprek.principles.get().title
    for publisher in ("nl", "en"):  # the summary is written in each reader's language
        gesprek.step = Step.DISCUSSION
        gesprek.save(update_fields=["step"])
        with translation.override(publisher):
            in_step(gesprek, Step.CLOSED)
        closed = Event.objects.filter(channel=gesprek.channel, type="step").last().payloads
        for language in ("nl", "en"):
            main = json.loads(closed[f"participant-{language}"])["main"]
            other = "en" if language == "nl" else "nl"
            assert html.escape(card[language]) in main and card[other] not in main


@pytest.mark.django_db(transaction=True)  # outside a transaction, as a server reads
def test_results_are_computed_once_per_state_of_the_gesprek(monkeypatch):
    gesprek = make_gesprek(cards=1, audience="everyone", threshold=2)
    phones = [Phone(gesprek) for _ in range(3)]
    in_step(gesprek, Step.MARKING)
    mark(phones[0])
    mark(phones[1], "missing")
    computed = []
    results_for = screens.results_for
    monkeypatch.setattr(screens, "results_for", lambda *a: computed.append(a) or results_for(*a))
    in_step(gesprek, Step.RESULTS)
    assert len(computed) == 1  # the event's content, rendered after the commit
    pages = [phone.fetch() for phone in phones]
    assert len(computed) == 1 and pages[0].count("gk-counts") == pages[2].count("gk-counts") > 0
    in_step(gesprek, Step.MARKING, Step.RESULTS)  # new states
    assert len(computed) == 2  # once more: for the new results state, not for the pages
    phones[0].fetch()
    phones[1].fetch()
    assert len(computed) == 2


@pytest.mark.django_db(transaction=True)
def test_screens_that_want_the_same_value_at_once_wait_for_one_computation():
    """A room's phones opening the card the facilitator just started ask for the same page in
    the same moment: one thread computes it, the others wait for it."""
    import threading
    import time

    from django.db import connection

    gesprek = make_gesprek(cards=1, audience="everyone", threshold=2)
    in_step(gesprek, Step.MARKING)
    computed, values, start = [], [], threading.Barrier(8)

    def slow():
        computed.append(1)
        time.sleep(0.3)  # long enough for every other thread to arrive meanwhile
        return object()

    def screen():
        try:
            start.wait()
            values.append(screens.once_per_state(gesprek, "page", slow))
        finally:
            connection.close()

    threads = [threading.Thread(target=screen) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(computed) == 1 and len(values) == 8 and len({id(v) for v in values}) == 1
    kept = [key for key in screens._shared if key[0] == gesprek.pk]
    in_step(gesprek, Step.RESULTS)
    screens.once_per_state(gesprek, "page", object)
    newer = [key for key in screens._shared if key[0] == gesprek.pk]
    assert kept and not set(kept) & set(newer)  # the older state's values went
    assert [key[2] for key in newer].count("page") == 1

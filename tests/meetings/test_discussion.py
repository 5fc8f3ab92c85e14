"""The guided discussion: questions, timer, anonymous notes and moderation."""

import pytest
from django.test import Client
from django.urls import reverse

from gesprekskaarten.live.models import Event
from gesprekskaarten.meetings import discussion, services
from gesprekskaarten.meetings.models import Note, Step
from gesprekskaarten.meetings.services import MeetingError
from tests.factories import make_gesprek

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    from django.utils import translation

    with translation.override("en"):
        yield


def in_discussion(**options):
    gesprek = make_gesprek(step="results", **options)
    return services.set_step(gesprek, Step.DISCUSSION)


def test_questions_can_be_skipped_and_revisited():
    gesprek = in_discussion()
    assert len(discussion.questions_of(gesprek)) == 9
    assert discussion.current_question(gesprek).order == 1
    discussion.go_to_question(gesprek, 5)
    discussion.go_to_question(gesprek, 2)
    assert discussion.current_question(gesprek).order == 2
    with pytest.raises(MeetingError, match="does not exist"):
        discussion.go_to_question(gesprek, 10)
    gesprek = services.set_step(gesprek, Step.RESULTS)  # back to the picture, and on again
    services.set_step(gesprek, Step.DISCUSSION)
    assert discussion.current_question(gesprek).order == 2


def test_questions_only_during_the_discussion():
    gesprek = make_gesprek(step="marking")
    with pytest.raises(MeetingError, match="not started"):
        discussion.go_to_question(gesprek, 2)
    with pytest.raises(MeetingError, match="not started"):
        discussion.set_timer(gesprek, 5)


def test_timer_is_set_stopped_and_reset_by_the_next_question():
    gesprek = in_discussion()
    discussion.set_timer(gesprek, 5)
    assert gesprek.timer_ends_at is not None
    for minutes in (0, 121):
        with pytest.raises(MeetingError, match="from 1 to 120"):
            discussion.set_timer(gesprek, minutes)
    discussion.go_to_question(gesprek, 2)
    gesprek.refresh_from_db()
    assert gesprek.timer_ends_at is None
    discussion.set_timer(gesprek, 3)
    discussion.set_timer(gesprek, None)
    gesprek.refresh_from_db()
    assert gesprek.timer_ends_at is None


def test_notes_are_added_edited_deleted_only_by_their_author():
    gesprek = in_discussion()
    anna, _ = services.join(gesprek)
    bram, _ = services.join(gesprek)
    note = discussion.add_note(anna, "  We zeggen te weinig tegen elkaar.  ")
    assert note.text == "We zeggen te weinig tegen elkaar." and note.question == 1
    with pytest.raises(MeetingError, match="only change your own"):
        discussion.edit_note(bram, note.pk, "Gekaapt")
    with pytest.raises(MeetingError, match="only change your own"):
        discussion.delete_note(bram, note.pk)
    discussion.edit_note(anna, note.pk, "We zeggen te weinig.")
    assert Note.objects.get().text == "We zeggen te weinig."
    discussion.delete_note(anna, note.pk)
    assert not Note.objects.exists()


@pytest.mark.parametrize(("text", "message"), [("", "empty"), ("   ", "empty"), ("x" * 281, "281")])
def test_bad_notes_change_nothing(text, message):
    gesprek = in_discussion()
    anna, _ = services.join(gesprek)
    with pytest.raises(MeetingError, match=message):
        discussion.add_note(anna, text)
    note = discussion.add_note(anna, "Goed")
    with pytest.raises(MeetingError, match=message):
        discussion.edit_note(anna, note.pk, text)
    assert Note.objects.get().text == "Goed"


def test_notes_only_while_discussing_the_current_question():
    gesprek = make_gesprek(step="results")
    anna, _ = services.join(gesprek)
    with pytest.raises(MeetingError, match="during the discussion"):
        discussion.add_note(anna, "Te vroeg")
    services.set_step(gesprek, Step.DISCUSSION)
    note = discussion.add_note(anna, "Vraag 1")
    discussion.go_to_question(gesprek, 2)
    with pytest.raises(MeetingError, match="question is over"):
        discussion.edit_note(anna, note.pk, "Later")
    services.set_step(gesprek, Step.CLOSED)
    with pytest.raises(MeetingError, match="ended"):
        discussion.add_note(anna, "Na afloop")
    with pytest.raises(MeetingError, match="ended"):
        discussion.set_note_hidden(gesprek, note.pk, True)


def test_hidden_notes_only_for_the_facilitator_and_events_carry_no_author():
    gesprek = in_discussion()
    anna, token = services.join(gesprek)
    note = discussion.add_note(anna, "Geheim voorstel")
    discussion.set_note_hidden(gesprek, note.pk, True)
    assert discussion.notes_for(gesprek, 1, viewer=None) == []
    (moderated,) = discussion.notes_for(gesprek, 1, viewer=None, moderator=True)
    assert moderated["hidden"] and not moderated["own"]
    assert "author" not in moderated
    (own,) = discussion.notes_for(gesprek, 1, viewer=anna, moderator=True)
    assert own["own"]
    events = list(Event.objects.filter(channel=gesprek.channel).order_by("seq"))
    for event in events:
        text = str(event.payloads)
        for secret in ["Anna", token, f'data-own-note="{note.pk}">']:  # nobody's own note
            assert secret not in text
    assert "Geheim" in str(events[-2].payloads)  # while shown: on everyone's screen
    assert "Geheim" not in str(events[-1].payloads)  # hidden: off every participant screen


def join(gesprek):
    client = Client()
    client.post(reverse("meetings:join", args=[gesprek.join_code]))
    return client


def test_participant_pages_show_text_inert_and_own_notes_only_to_their_author():
    gesprek = in_discussion()
    author, other = join(gesprek), join(gesprek)
    author.post(
        reverse("meetings:note_add", args=[gesprek.join_code]), {"text": "<script>x()</script>"}
    )
    note = Note.objects.get()
    page = reverse("meetings:gesprek", args=[gesprek.join_code])
    edit = reverse("meetings:note_edit", args=[gesprek.join_code, note.pk])
    mine = author.get(page).content.decode()
    theirs = other.get(page).content.decode()
    for html in (mine, theirs):
        assert "&lt;script&gt;x()&lt;/script&gt;" in html and "<script>x()" not in html
    # Every note has the link (live screens get one render for everyone); only one's own shows.
    assert f'data-own-note="{note.pk}"><a class="utrecht-link" href="{edit}">' in mine
    assert f'data-own-note="{note.pk}" hidden><a class="utrecht-link" href="{edit}">' in theirs
    (event,) = Event.objects.filter(channel=gesprek.channel, type="update")
    for payload in event.payloads.values():
        assert "<script>x()" not in payload and f'data-own-note="{note.pk}">' not in payload
    assert other.get(edit).status_code == 404
    assert other.post(edit, {"delete": "1"}).status_code == 404
    assert author.post(edit, {"text": "y" * 300}).status_code == 400
    assert Note.objects.get().text == "<script>x()</script>"
    author.post(edit, {"delete": "1"})
    assert not Note.objects.exists()


def test_oversized_note_gets_a_friendly_message():
    gesprek = in_discussion()
    client = join(gesprek)
    client.cookies["gk_language"] = "nl"
    response = client.post(
        reverse("meetings:note_add", args=[gesprek.join_code]), {"text": "x" * 300}
    )
    assert response.status_code == 400
    assert "300 tekens" in response.content.decode()
    assert not Note.objects.exists()


def test_facilitator_moves_questions_sets_timer_and_hides_notes():
    gesprek = in_discussion()
    facilitator = Client()
    facilitator.force_login(gesprek.created_by)
    author = join(gesprek)
    author.post(reverse("meetings:note_add", args=[gesprek.join_code]), {"text": "Onaardig"})
    note = Note.objects.get()
    args = [gesprek.public_id]
    facilitator.post(reverse("meetings:hide_note", args=[*args, note.pk]), {"hidden": "1"})
    assert Note.objects.get().hidden
    assert (
        "Onaardig"
        not in author.get(reverse("meetings:gesprek", args=[gesprek.join_code])).content.decode()
    )
    presenter = facilitator.get(reverse("meetings:presenter", args=args)).content.decode()
    assert "Onaardig" not in presenter  # the room does not see hidden notes
    assert "Onaardig" in facilitator.get(reverse("meetings:control", args=args)).content.decode()
    facilitator.post(reverse("meetings:question", args=args), {"question": "3"})
    facilitator.post(reverse("meetings:timer", args=args), {"minutes": "4"})
    gesprek.refresh_from_db()
    assert gesprek.question == 3 and gesprek.timer_ends_at is not None
    response = facilitator.post(reverse("meetings:question", args=args), {"question": "abc"})
    assert response.status_code == 302
    gesprek.refresh_from_db()
    assert gesprek.question == 3

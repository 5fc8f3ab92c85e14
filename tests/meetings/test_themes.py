"""Rode draden: the facilitator groups notes into themes; everyone sees them live."""

import json

import pytest
from django.test import Client
from django.urls import reverse

from gesprekskaarten.live.models import Event
from gesprekskaarten.meetings import discussion, services, themes
from gesprekskaarten.meetings.models import Note, Step, Theme
from gesprekskaarten.meetings.services import MeetingError
from tests.factories import make_facilitator
from tests.meetings.test_discussion import in_discussion, join

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    from django.utils import translation

    with translation.override("en"):
        yield


def with_notes(*texts, **options):
    """A gesprek in discussion with these notes, spread over questions 1 and 2."""
    gesprek = in_discussion(**options)
    author, _token = services.join(gesprek)
    notes = []
    for index, text in enumerate(texts):
        discussion.go_to_question(gesprek, 1 + index % 2)
        notes.append(discussion.add_note(author, text))
    return gesprek, notes


def state(gesprek):
    """Everything a theme change may touch: which note is where, and every theme's name."""
    return (
        sorted(Note.objects.filter(gesprek=gesprek).values_list("pk", "text", "theme_id")),
        sorted(Theme.objects.filter(gesprek=gesprek).values_list("pk", "name")),
    )


def test_group_rename_move_merge_split_and_delete_lose_no_note():
    gesprek, (a, b, c, d) = with_notes("Weinig feedback", "Te veel mail", "Geen tijd", "Stress")
    work = themes.create_theme(gesprek, "  Feedback  ", [a.pk, c.pk])
    assert work.name == "Feedback"
    assert [(t.name, t.notes) for t in themes.themes_of(gesprek)] == [
        ("Feedback", ["Weinig feedback", "Geen tijd"])
    ]
    themes.rename_theme(gesprek, work.pk, "Elkaar feedback geven")
    themes.rename_theme(gesprek, work.pk, "elkaar FEEDBACK geven")  # its own name, other case
    mail = themes.create_theme(gesprek, "Mail")
    themes.move_note(gesprek, b.pk, mail.pk)  # into a theme
    themes.move_note(gesprek, c.pk, mail.pk)  # from one theme to another
    themes.move_note(gesprek, d.pk, work.pk)
    themes.move_note(gesprek, d.pk, None)  # out again
    assert {t.name: t.notes for t in themes.themes_of(gesprek)} == {
        "elkaar FEEDBACK geven": ["Weinig feedback"],
        "Mail": ["Te veel mail", "Geen tijd"],
    }

    merged = themes.merge_themes(gesprek, mail.pk, work.pk)  # keeps its own name
    assert merged.name == "Mail" and not Theme.objects.filter(pk=work.pk).exists()
    assert sorted(themes.themes_of(gesprek)[0].notes) == sorted(
        ["Weinig feedback", "Te veel mail", "Geen tijd"]
    )

    split = themes.split_theme(gesprek, mail.pk, [c.pk], "Tijd")
    assert {t.name: t.notes for t in themes.themes_of(gesprek)} == {
        "Mail": ["Weinig feedback", "Te veel mail"],
        "Tijd": ["Geen tijd"],
    }
    renamed = themes.merge_themes(gesprek, split.pk, mail.pk, "Werkdruk")
    assert renamed.name == "Werkdruk" and Theme.objects.get().name == "Werkdruk"

    themes.delete_theme(gesprek, renamed.pk)
    assert not Theme.objects.exists()
    assert Note.objects.filter(gesprek=gesprek, theme=None).count() == 4  # nothing lost


def test_merging_may_take_the_name_of_the_theme_that_goes():
    gesprek, (a, b) = with_notes("Een", "Twee")
    one = themes.create_theme(gesprek, "Een", [a.pk])
    two = themes.create_theme(gesprek, "Twee", [b.pk])
    kept = themes.merge_themes(gesprek, one.pk, two.pk, "twee")
    assert kept.name == "twee" and Theme.objects.get().notes.count() == 2


@pytest.mark.parametrize(
    ("name", "message"),
    [("", "no name"), ("   \n ", "no name"), ("x" * 81, "81 characters"), ("werkdruk", "already")],
)
def test_bad_names_get_a_clear_message_and_change_nothing(name, message):
    gesprek, (a, b) = with_notes("Een", "Twee")
    theme = themes.create_theme(gesprek, "Werkdruk", [a.pk])
    other = themes.create_theme(gesprek, "Overleg")
    before = state(gesprek)
    events = Event.objects.count()
    calls = [
        lambda: themes.create_theme(gesprek, name, [b.pk]),
        lambda: themes.rename_theme(gesprek, other.pk, name),
        lambda: themes.split_theme(gesprek, theme.pk, [a.pk], name),
    ]
    if len(name) > 80:  # when merging, an empty name keeps the old one and the name of the
        # theme that goes is free
        calls.append(lambda: themes.merge_themes(gesprek, other.pk, theme.pk, name))
    for call in calls:
        with pytest.raises(MeetingError, match=message):
            call()
    assert state(gesprek) == before
    assert Event.objects.count() == events


def test_eighty_characters_fit():
    gesprek, _notes = with_notes("Een")
    assert len(themes.create_theme(gesprek, "x" * 80).name) == 80


def test_wrong_notes_and_themes_are_refused():
    gesprek, (a, b) = with_notes("Een", "Twee")
    elsewhere, (foreign,) = with_notes("Andere groep")
    theme = themes.create_theme(gesprek, "Een", [a.pk])
    other = themes.create_theme(gesprek, "Twee", [b.pk])
    foreign_theme = themes.create_theme(elsewhere, "Vreemd")
    before = state(gesprek)
    with pytest.raises(MeetingError, match="notes does not exist"):
        themes.create_theme(gesprek, "Nieuw", [a.pk, foreign.pk])
    with pytest.raises(MeetingError, match="theme does not exist"):
        themes.move_note(gesprek, a.pk, foreign_theme.pk)
    with pytest.raises(MeetingError, match="notes does not exist"):
        themes.move_note(gesprek, foreign.pk, theme.pk)
    with pytest.raises(MeetingError, match="theme does not exist"):
        themes.rename_theme(elsewhere, theme.pk, "Gekaapt")
    with pytest.raises(MeetingError, match="another theme"):
        themes.merge_themes(gesprek, theme.pk, theme.pk)
    with pytest.raises(MeetingError, match="Only notes of this theme"):
        themes.split_theme(gesprek, theme.pk, [a.pk, b.pk], "Nieuw")
    with pytest.raises(MeetingError, match="Tick the notes"):
        themes.split_theme(gesprek, theme.pk, [], "Nieuw")
    with pytest.raises(MeetingError, match="theme does not exist"):
        themes.delete_theme(gesprek, foreign_theme.pk)
    assert state(gesprek) == before
    assert [t.name for t in themes.themes_of(elsewhere)] == ["Vreemd"]
    assert other.notes.count() == 1


def test_only_during_the_discussion_and_never_after_the_end():
    gesprek, (a,) = with_notes("Een")
    theme = themes.create_theme(gesprek, "Een", [a.pk])
    services.set_step(gesprek, Step.RESULTS)
    with pytest.raises(MeetingError, match="during the discussion"):
        themes.create_theme(gesprek, "Later")
    services.set_step(gesprek, Step.CLOSED)
    before = state(gesprek)
    for call in [
        lambda: themes.create_theme(gesprek, "Na afloop"),
        lambda: themes.rename_theme(gesprek, theme.pk, "Na afloop"),
        lambda: themes.move_note(gesprek, a.pk, None),
        lambda: themes.split_theme(gesprek, theme.pk, [a.pk], "Na afloop"),
        lambda: themes.delete_theme(gesprek, theme.pk),
    ]:
        with pytest.raises(MeetingError, match="This gesprek has ended"):
            call()
    assert state(gesprek) == before


def test_hidden_notes_stay_with_the_facilitator_and_off_every_event():
    gesprek, (a, b) = with_notes("Zichtbaar", "Verborgen tekst")
    discussion.set_note_hidden(gesprek, b.pk, True)
    themes.create_theme(gesprek, "Samen", [a.pk, b.pk])
    assert themes.themes_of(gesprek)[0].notes == ["Zichtbaar"]
    grouping = themes.grouping_of(gesprek)
    assert [(n.text, n.hidden) for n in grouping.themes[0].notes] == [
        ("Zichtbaar", False),
        ("Verborgen tekst", True),
    ]
    assert grouping.ungrouped == []
    assert not hasattr(grouping.themes[0].notes[0], "author")
    event = Event.objects.filter(channel=gesprek.channel).last()
    assert event.type == "update"
    assert event.payloads["facilitator"] == '{"regions":["gk-themes"]}'
    for audience in ("participant-nl", "participant-en"):
        data = json.loads(event.payloads[audience])
        assert list(data["regions"]) == ["gk-themes"]
        assert "Zichtbaar" in data["regions"]["gk-themes"]
        assert "Verborgen" not in event.payloads[audience]


# --- pages ---------------------------------------------------------------------------------


def facilitator_of(gesprek):
    client = Client()
    client.force_login(gesprek.created_by)
    client.cookies["gk_language"] = "en"
    return client


def test_grouping_page_only_for_the_team_facilitators():
    gesprek, _notes = with_notes("Een")
    url = reverse("meetings:themes", args=[gesprek.public_id])
    assert Client().get(url).status_code == 302  # to the login page
    stranger = Client()
    stranger.force_login(make_facilitator()[0])
    assert stranger.get(url).status_code == 404
    create = reverse("meetings:theme_create", args=[gesprek.public_id])
    assert stranger.post(create, {"name": "Gekaapt"}).status_code == 404
    assert not Theme.objects.exists()
    assert facilitator_of(gesprek).get(url).status_code == 200


def test_facilitator_groups_with_plain_forms():
    gesprek, (a, b, c) = with_notes("Weinig <b>feedback</b>", "Te veel mail", "Geen tijd")
    discussion.set_note_hidden(gesprek, c.pk, True)
    client = facilitator_of(gesprek)
    args = [gesprek.public_id]
    page = reverse("meetings:themes", args=args)

    response = client.post(
        reverse("meetings:theme_create", args=args), {"name": "Feedback", "notes": [a.pk, b.pk]}
    )
    assert response.status_code == 302 and response.url == page
    theme = Theme.objects.get()
    html = client.get(page).content.decode()
    assert "Theme “Feedback” made." in html
    assert "Weinig &lt;b&gt;feedback&lt;/b&gt;" in html and "<b>feedback" not in html
    assert "Geen tijd" in html and "hidden for participants" in html  # the facilitator sees it
    assert f'form="gk-split-{theme.pk}"' in html and 'form="gk-theme-new"' in html

    response = client.post(reverse("meetings:note_theme", args=[*args, b.pk]), {"theme": ""})
    assert response.url == f"{page}#gk-note-{b.pk}"
    assert Note.objects.get(pk=b.pk).theme is None
    client.post(reverse("meetings:note_theme", args=[*args, b.pk]), {"theme": theme.pk})
    client.post(reverse("meetings:theme_rename", args=[*args, theme.pk]), {"name": "Elkaar"})
    client.post(
        reverse("meetings:theme_split", args=[*args, theme.pk]), {"name": "Mail", "notes": [b.pk]}
    )
    assert {t.name: t.notes for t in themes.themes_of(gesprek)} == {
        "Elkaar": ["Weinig <b>feedback</b>"],
        "Mail": ["Te veel mail"],
    }
    mail = Theme.objects.get(name="Mail")
    client.post(
        reverse("meetings:theme_merge", args=[*args, theme.pk]), {"other": mail.pk, "name": ""}
    )
    assert [(t.name, len(t.notes)) for t in themes.themes_of(gesprek)] == [("Elkaar", 2)]
    client.post(reverse("meetings:theme_delete", args=[*args, theme.pk]))
    assert not Theme.objects.exists() and Note.objects.count() == 3


def test_refused_changes_show_why_keep_what_was_typed_and_change_nothing():
    gesprek, (a, b) = with_notes("Een", "Twee")
    themes.create_theme(gesprek, "Werkdruk")
    client = facilitator_of(gesprek)
    args = [gesprek.public_id]
    before = state(gesprek)
    response = client.post(
        reverse("meetings:theme_create", args=args), {"name": "WERKDRUK", "notes": [a.pk]}
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert "There is already a theme called “WERKDRUK”" in html
    assert 'value="WERKDRUK"' in html  # what was typed stays
    assert f'value="{a.pk}" id="gk-pick-{a.pk}" form="gk-theme-new" checked' in html
    for url, data in [
        (reverse("meetings:theme_create", args=args), {"name": "x" * 81}),
        (reverse("meetings:theme_create", args=args), {"name": "Ok", "notes": ["abc"]}),
        (reverse("meetings:note_theme", args=[*args, a.pk]), {"theme": "abc"}),
        (reverse("meetings:note_theme", args=[*args, a.pk]), {"theme": str(2**70)}),
        (reverse("meetings:theme_rename", args=[*args, 2**40]), {"name": "Nieuw"}),
        (reverse("meetings:theme_merge", args=[*args, 1]), {"other": ""}),
    ]:
        response = client.post(url, data)
        assert response.status_code == 400, url
        assert 'role="alert"' in response.content.decode()
    huge = reverse("meetings:theme_rename", args=[*args, 1]).replace("/1/", f"/{2**70}/")
    assert client.post(huge, {"name": "Nieuw"}).status_code == 404  # not found, no overflow
    assert state(gesprek) == before


def test_closed_gesprek_shows_themes_read_only():
    gesprek, (a,) = with_notes("Een")
    theme = themes.create_theme(gesprek, "Afgesloten", [a.pk])
    services.set_step(gesprek, Step.CLOSED)
    client = facilitator_of(gesprek)
    html = client.get(reverse("meetings:themes", args=[gesprek.public_id])).content.decode()
    assert "Afgesloten" in html and "This gesprek has ended" in html
    assert '<form method="post" action="/begeleiden' not in html  # no change forms
    response = client.post(
        reverse("meetings:theme_rename", args=[gesprek.public_id, theme.pk]), {"name": "Later"}
    )
    assert response.status_code == 400
    assert Theme.objects.get().name == "Afgesloten"


def test_everyone_sees_the_themes_but_not_hidden_notes():
    gesprek = in_discussion()
    author = join(gesprek)
    author.post(reverse("meetings:note_add", args=[gesprek.join_code]), {"text": "Open <i>x</i>"})
    author.post(reverse("meetings:note_add", args=[gesprek.join_code]), {"text": "Verborgen"})
    visible, hidden = Note.objects.all()
    discussion.set_note_hidden(gesprek, hidden.pk, True)
    themes.create_theme(gesprek, "Rode <draad>", [visible.pk, hidden.pk])
    other = join(gesprek)
    participant = other.get(reverse("meetings:gesprek", args=[gesprek.join_code])).content.decode()
    client = facilitator_of(gesprek)
    presenter = client.get(reverse("meetings:presenter", args=[gesprek.public_id])).content.decode()
    control = client.get(reverse("meetings:control", args=[gesprek.public_id])).content.decode()
    for html in (participant, presenter):
        assert 'id="gk-themes"' in html
        assert "Rode &lt;draad&gt;" in html and "<draad>" not in html
        assert "Open &lt;i&gt;x&lt;/i&gt;" in html
        assert "Verborgen" not in html
    assert "Rode &lt;draad&gt;" in control
    assert reverse("meetings:themes", args=[gesprek.public_id]) in control
    assert reverse("meetings:themes", args=[gesprek.public_id]) not in presenter + participant


def test_grouping_page_acts_below_what_it_acts_on_and_moves_only_once_a_theme_exists():
    gesprek, (a, _b) = with_notes("Weinig feedback", "Te veel mail")
    client = facilitator_of(gesprek)
    args = [gesprek.public_id]
    html = client.get(reverse("meetings:themes", args=args)).content.decode()
    # The "make theme" button comes after the notes it needs ticked; nowhere to move to yet.
    assert html.index('id="gk-pick-') < html.index('id="gk-theme-new"')
    assert 'class="gk-move"' not in html and 'name="theme"' not in html
    # Live: the facilitator's stream, and regions that updates swap (new notes, themes).
    assert 'name="gk-stream"' in html and "js/live.js" in html
    assert 'id="gk-notes"' in html and 'id="gk-themes"' in html
    assert html.index('id="gk-notes"') < html.index('id="gk-theme-new"')
    client.post(reverse("meetings:theme_create", args=args), {"name": "Feedback", "notes": [a.pk]})
    html = client.get(reverse("meetings:themes", args=args)).content.decode()
    assert html.count('class="gk-move"') == 2  # now each note can move


def test_a_new_note_updates_the_notes_region_of_the_grouping_page():
    gesprek, _notes = with_notes("Weinig feedback")
    client = facilitator_of(gesprek)
    author = services.join(gesprek)[0]
    before = Event.objects.filter(channel=gesprek.channel).count()
    discussion.add_note(author, "Nog een notitie")
    (event,) = Event.objects.filter(channel=gesprek.channel).order_by("seq")[before:]
    assert json.loads(event.payloads["facilitator"]) == {"regions": ["gk-notes"]}
    html = client.get(reverse("meetings:themes", args=[gesprek.public_id])).content.decode()
    notes = html[html.index('id="gk-notes"') : html.index('id="gk-theme-new"')]
    assert "Nog een notitie" in notes

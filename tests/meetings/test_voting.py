"""Dot voting: N dots per person, several on one option, totals only once closed and from k."""

import json
import logging
import re

import pytest
from django.test import Client
from django.urls import reverse

from gesprekskaarten.live.models import Event
from gesprekskaarten.meetings import services, themes, voting
from gesprekskaarten.meetings.models import (
    DotVote,
    Note,
    Participant,
    PlacedDots,
    Step,
    VoteOption,
)
from gesprekskaarten.meetings.services import MeetingError
from tests.meetings.test_discussion import in_discussion, join

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    from django.utils import translation

    with translation.override("en"):
        yield


def people(gesprek, n):
    return [services.join(gesprek)[0] for _ in range(n)]


def options_of(vote):
    return {option.text: option.pk for option in vote.options.all()}


def test_open_a_vote_on_themes_and_proposals():
    gesprek = in_discussion()
    werkdruk = themes.create_theme(gesprek, "Werkdruk")
    themes.create_theme(gesprek, "Overleg")
    vote = voting.open_vote(
        gesprek, theme_ids=[werkdruk.pk], proposals="  Vaker   feedback \n\n Minder mail\n", dots=5
    )
    assert vote.is_open and vote.dots == 5
    assert [(o.text, o.theme_id) for o in vote.options.all()] == [
        ("Werkdruk", werkdruk.pk),
        ("Vaker feedback", None),
        ("Minder mail", None),
    ]
    assert voting.open_vote_of(gesprek) == vote
    event = Event.objects.filter(channel=gesprek.channel).last()
    assert event.payloads["facilitator"] == '{"regions":["gk-vote"]}'
    regions = json.loads(event.payloads["participant-en"])["regions"]
    assert list(regions) == ["gk-vote"] and "Vaker feedback" in regions["gk-vote"]
    assert 'name="ballot-option-' in regions["gk-vote"]  # everyone's ballot, still empty


@pytest.mark.parametrize(
    ("proposals", "dots", "message"),
    [
        ("Alleen een", 3, "at least 2 options"),
        ("\n   \n", 3, "at least 2 options"),
        ("\n".join(f"Voorstel {n}" for n in range(21)), 3, "at most 20 options; this one has 21"),
        ("Kort\n" + "x" * 201, 3, "Proposal 2 has 201 characters; at most 200"),
        ("Mail\nmail", 3, "“mail” is on the list twice"),
        ("Een\nTwee", 0, "from 1 to 10 dots"),
        ("Een\nTwee", 11, "from 1 to 10 dots"),
    ],
)
def test_bad_votes_are_refused_with_a_clear_message(proposals, dots, message):
    gesprek = in_discussion()
    with pytest.raises(MeetingError, match=message):
        voting.open_vote(gesprek, proposals=proposals, dots=dots)
    assert not DotVote.objects.exists() and not VoteOption.objects.exists()


def test_limits_are_inclusive():
    gesprek = in_discussion()
    proposals = "\n".join(f"{n} " + "x" * 190 for n in range(20))
    vote = voting.open_vote(gesprek, proposals=proposals, dots=10)
    assert vote.options.count() == 20


def test_a_theme_and_a_proposal_with_the_same_name_are_one_option_too_many():
    gesprek = in_discussion()
    theme = themes.create_theme(gesprek, "Werkdruk")
    with pytest.raises(MeetingError, match="twice"):
        voting.open_vote(gesprek, theme_ids=[theme.pk], proposals="werkdruk")
    with pytest.raises(MeetingError, match="themes does not exist"):
        voting.open_vote(gesprek, theme_ids=[theme.pk + 100], proposals="Een\nTwee")


def test_one_open_vote_at_a_time_and_new_rounds_keep_old_ones():
    gesprek = in_discussion()
    first = voting.open_vote(gesprek, proposals="Een\nTwee")
    with pytest.raises(MeetingError, match="already open"):
        voting.open_vote(gesprek, proposals="Drie\nVier")
    voting.close_vote(gesprek)
    with pytest.raises(MeetingError, match="no open vote"):
        voting.close_vote(gesprek)
    second = voting.open_vote(gesprek, proposals="Drie\nVier")
    box = voting.vote_box(gesprek)
    assert box.open == second and box.number == 2
    assert [r.number for r in box.rounds] == [1] and box.rounds[0].result.vote == first
    first.refresh_from_db()
    assert not first.is_open


def test_votes_only_during_the_discussion_and_never_after_the_end():
    gesprek = in_discussion()
    vote = voting.open_vote(gesprek, proposals="Een\nTwee")
    (anna,) = people(gesprek, 1)
    services.set_step(gesprek, Step.RESULTS)
    with pytest.raises(MeetingError, match="during the discussion"):
        voting.place_dots(anna, vote.pk, {})
    services.set_step(gesprek, Step.CLOSED)
    with pytest.raises(MeetingError, match="This gesprek has ended"):
        voting.open_vote(gesprek, proposals="Drie\nVier")
    with pytest.raises(MeetingError, match="This gesprek has ended"):
        voting.close_vote(gesprek)
    with pytest.raises(MeetingError, match="This gesprek has ended. Your dots were not saved"):
        voting.place_dots(anna, vote.pk, dict.fromkeys(options_of(vote).values(), 1))
    assert not PlacedDots.objects.exists()


def test_a_vote_still_open_closes_with_the_gesprek():
    gesprek = in_discussion(threshold=2)
    vote = voting.open_vote(gesprek, proposals="Een\nTwee")
    for person in people(gesprek, 2):
        voting.place_dots(person, vote.pk, {options_of(vote)["Een"]: 1})
    assert voting.closed_vote_results(gesprek) == []
    voting.close_open_votes(gesprek)
    (result,) = voting.closed_vote_results(gesprek)
    assert result.shown and result.options[0].dots == 2


def test_dots_are_spread_changed_and_checked():
    gesprek = in_discussion()
    vote = voting.open_vote(gesprek, proposals="Een\nTwee\nDrie", dots=3)
    one, two, three = options_of(vote).values()
    anna, bram = people(gesprek, 2)
    assert voting.place_dots(anna, vote.pk, {one: 3}) == 3  # all on one option is fine
    assert voting.dots_of(anna, vote) == {one: 3}
    assert voting.place_dots(anna, vote.pk, {one: 1, two: 2, three: 0}) == 3  # changed
    assert voting.dots_of(anna, vote) == {one: 1, two: 2}
    for counts, message in [
        ({one: 2, two: 2}, r"^You placed 4 dots; you have 3 dots\.$"),
        ({one: -1, two: 2}, "cannot be below 0"),
        ({one: 1, two + three + 100: 1}, "not part of the vote"),
    ]:
        with pytest.raises(MeetingError, match=message):
            voting.place_dots(bram, vote.pk, counts)
    assert voting.dots_of(anna, vote) == {one: 1, two: 2}
    assert voting.dots_of(bram, vote) == {}
    voting.close_vote(gesprek)
    with pytest.raises(MeetingError, match="This vote is closed. Your dots were not saved"):
        voting.place_dots(bram, vote.pk, {one: 1})
    assert voting.dots_of(bram, vote) == {}


def test_a_vote_of_another_gesprek_is_no_vote():
    gesprek, elsewhere = in_discussion(), in_discussion()
    vote = voting.open_vote(elsewhere, proposals="Een\nTwee")
    (anna,) = people(gesprek, 1)
    with pytest.raises(MeetingError, match="closed"):
        voting.place_dots(anna, vote.pk, {})


def test_only_the_number_of_voters_is_news_while_open():
    gesprek = in_discussion()
    vote = voting.open_vote(gesprek, proposals="Een\nTwee")
    one, two = options_of(vote).values()
    (anna,) = people(gesprek, 1)

    def regions():
        return [e.payloads for e in Event.objects.filter(channel=gesprek.channel, type="update")]

    before = len(regions())
    voting.place_dots(anna, vote.pk, {one: 2})  # a new voter
    voting.place_dots(anna, vote.pk, {one: 1, two: 2})  # same number of voters: no event
    voting.place_dots(anna, vote.pk, {})  # took all dots back: one voter less
    new = regions()[before:]
    assert [payloads["facilitator"] for payloads in new] == ['{"regions":["gk-voters"]}'] * 2
    voters = [json.loads(payloads["participant-en"])["regions"] for payloads in new]
    assert [list(region) for region in voters] == [["gk-voters"]] * 2
    assert "Voted so far: 1 of 1 people." in voters[0]["gk-voters"]
    assert "Voted so far: 0 of 1 people." in voters[1]["gk-voters"]
    assert voting.vote_box(gesprek).voters == 0


def test_results_only_when_closed_and_from_k_voters_ties_shown_as_ties():
    gesprek = in_discussion(threshold=3)
    vote = voting.open_vote(gesprek, proposals="Feedback\nMail\nTijd\nStilte", dots=3)
    feedback, mail, tijd, stilte = options_of(vote).values()
    anna, bram, cor = people(gesprek, 3)
    voting.place_dots(anna, vote.pk, {feedback: 2, mail: 1})
    voting.place_dots(bram, vote.pk, {mail: 2, feedback: 1})
    result = voting.vote_result(vote, gesprek.threshold)
    assert result.voters == 2 and not result.shown  # open
    voting.place_dots(cor, vote.pk, {tijd: 3})
    assert not voting.vote_result(vote, 3).shown  # still open
    voting.close_vote(gesprek)
    vote.refresh_from_db()
    result = voting.vote_result(vote, 3)
    assert [(o.text, o.dots, o.rank, o.tied, o.share) for o in result.options] == [
        ("Feedback", 3, 1, True, 100),
        ("Mail", 3, 1, True, 100),
        ("Tijd", 3, 1, True, 100),
        ("Stilte", 0, 4, False, 0),
    ]
    assert not voting.vote_result(vote, 4).shown  # below k: nothing
    (closed,) = voting.closed_vote_results(gesprek)
    assert closed.shown and closed.voters == 3


# --- pages ---------------------------------------------------------------------------------


def facilitator_of(gesprek):
    client = Client()
    client.force_login(gesprek.created_by)
    client.cookies["gk_language"] = "en"
    return client


def participant_client(gesprek):
    client = join(gesprek)
    client.cookies["gk_language"] = "en"
    return client


def test_facilitator_opens_and_closes_votes_with_plain_forms():
    gesprek = in_discussion(threshold=2)
    theme = themes.create_theme(gesprek, "Werk <druk>")
    client = facilitator_of(gesprek)
    control = reverse("meetings:control", args=[gesprek.public_id])
    html = client.get(control).content.decode()
    assert 'name="vote-themes"' in html and 'name="vote-proposals"' in html
    response = client.post(
        reverse("meetings:vote_open", args=[gesprek.public_id]),
        {"vote-themes": [theme.pk], "vote-proposals": "Vaker pauze", "vote-dots": "2"},
    )
    assert response.status_code == 302 and response.url == control + "#gk-vote"
    vote = DotVote.objects.get()
    assert [o.text for o in vote.options.all()] == ["Werk <druk>", "Vaker pauze"]
    html = client.get(control).content.decode()
    assert "Round 1 is open: everyone has 2 dots to place." in html
    assert "Voted so far: 0 of 0 people." in html
    assert "Werk &lt;druk&gt;" in html and "Werk <druk>" not in html
    presenter = client.get(reverse("meetings:presenter", args=[gesprek.public_id])).content
    assert b"Werk &lt;druk&gt;" in presenter and b"<form" not in presenter  # acts: control page
    response = client.post(
        reverse("meetings:vote_close", args=[gesprek.public_id]), {"next": "presenter"}
    )
    assert response.url.endswith("/scherm/#gk-vote")
    vote.refresh_from_db()
    assert not vote.is_open


def test_a_refused_vote_keeps_what_was_typed():
    gesprek = in_discussion()
    client = facilitator_of(gesprek)
    typed = "Een voorstel\n" + "x" * 201
    url = reverse("meetings:vote_open", args=[gesprek.public_id])
    response = client.post(url, {"vote-proposals": typed, "vote-dots": "3"})
    html = response.content.decode()
    assert response.status_code == 400
    assert "Proposal 2 has 201 characters" in html and "x" * 201 in html
    assert 'class="gk-form gk-vote__form"' in html and '<details class="gk-vote__start' not in html
    response = client.post(url, {"vote-proposals": "Een\nTwee", "vote-dots": "99"})
    assert (
        response.status_code == 400 and b"Choose from 1 to 10 dots per person." in response.content
    )
    assert not DotVote.objects.exists()
    # The refused form's page, fetched again by live.js or reloaded: the control page.
    assert client.get(url).url == reverse("meetings:control", args=[gesprek.public_id]) + "#gk-vote"


def test_participant_spreads_dots_with_a_plain_form():
    gesprek = in_discussion()
    vote = voting.open_vote(gesprek, proposals="Feedback\nMail", dots=3)
    feedback, mail = options_of(vote).values()
    anna = participant_client(gesprek)
    page = reverse("meetings:gesprek", args=[gesprek.join_code])
    html = anna.get(page).content.decode()
    assert f'name="ballot-option-{feedback}"' in html and 'name="ballot-vote"' in html
    assert "You have not placed any dots yet." in html
    ballot = reverse("meetings:ballot", args=[gesprek.join_code])
    response = anna.post(
        ballot,
        {"ballot-vote": vote.pk, f"ballot-option-{feedback}": "2", f"ballot-option-{mail}": "2"},
    )
    assert response.status_code == 400
    assert "You placed 4 dots; you have 3 dots." in response.content.decode()
    assert not PlacedDots.objects.exists()
    assert anna.get(ballot).url == page  # its page, fetched again by live.js or reloaded
    for bad in ["-1", "abc", "4"]:
        response = anna.post(ballot, {"ballot-vote": vote.pk, f"ballot-option-{mail}": bad})
        assert response.status_code == 400 and b'role="alert"' in response.content
    assert not PlacedDots.objects.exists()
    response = anna.post(
        ballot,
        {"ballot-vote": vote.pk, f"ballot-option-{feedback}": "2", f"ballot-option-{mail}": ""},
    )
    assert response.status_code == 302 and response.url == page + "#gk-vote"
    html = anna.get(page).content.decode()
    assert "Saved: you placed 2 of your 3 dots." in html
    assert "Voted so far: 1 of 1 people." in html

    voting.close_vote(gesprek)
    response = anna.post(ballot, {"ballot-vote": vote.pk, f"ballot-option-{mail}": "1"})
    assert response.status_code == 302
    html = anna.get(page).content.decode()
    assert "This vote is closed. Your dots were not saved." in html
    assert voting.dots_of(PlacedDots.objects.get().participant, vote) == {feedback: 2}


def test_results_on_every_screen_as_a_table_and_not_below_k():
    gesprek = in_discussion(threshold=3)
    vote = voting.open_vote(gesprek, proposals="Feedback\nMail\nTijd", dots=2)
    feedback, mail, tijd = options_of(vote).values()
    clients = [participant_client(gesprek) for _ in range(3)]
    ballot = reverse("meetings:ballot", args=[gesprek.join_code])
    for client, option in zip(clients[:2], [feedback, mail], strict=True):
        client.post(ballot, {"ballot-vote": vote.pk, f"ballot-option-{option}": "2"})
    facilitator = facilitator_of(gesprek)
    screens = [
        reverse("meetings:control", args=[gesprek.public_id]),
        reverse("meetings:presenter", args=[gesprek.public_id]),
    ]
    page = reverse("meetings:gesprek", args=[gesprek.join_code])

    def pages():
        return [facilitator.get(url).content.decode() for url in screens] + [
            clients[2].get(page).content.decode()
        ]

    for html in pages():  # open: no totals anywhere
        assert "gk-vote-table" not in html and "Voted so far: 2 of 3 people." in html
    voting.close_vote(gesprek)
    for html in pages():  # closed with 2 voters, k = 3: no totals
        assert "gk-vote-table" not in html
        assert "Only 2 people voted. Totals appear only when at least 3 people vote" in html

    second = voting.open_vote(gesprek, proposals="Feedback\nMail\nTijd", dots=2)
    feedback, mail, tijd = options_of(second).values()
    for client, option in zip(clients, [feedback, mail, tijd], strict=True):
        client.post(ballot, {"ballot-vote": second.pk, f"ballot-option-{option}": "1"})
    clients[0].post(
        ballot,
        {"ballot-vote": second.pk, f"ballot-option-{feedback}": "1", f"ballot-option-{mail}": "1"},
    )
    voting.close_vote(gesprek)
    control, presenter, participant = pages()
    for html in (control, participant):
        assert "Round 2: results" in html and "Round 1: results" in html
        # Mail 2 dots, Feedback and Tijd 1 each: a tie for the second place.
        assert '<td class="gk-vote-table__place">place 1</td>' in html
        assert html.count("shared place 2") == 2 and "shared place 1" not in html
    # The presenter shows the newest round as bars, ties as ties.
    assert "Round 2: results" in presenter and "Round 1: results" not in presenter
    assert presenter.count("shared place 2") == 2 and "shared place 1" not in presenter


NAMES = ["Quirinus", "Wilhelmina", "Xaverius"]


def test_no_page_event_admin_page_or_log_reveals_dots_or_note_authors(admin_client, caplog):
    """Three people with names write notes and vote; the facilitator groups the notes. Nobody
    may learn who wrote which note or who put which dots where: only totals, once closed."""
    caplog.set_level(logging.DEBUG)
    gesprek = in_discussion(threshold=3)
    bodies = []
    clients = []
    for _ in NAMES:
        client = Client()
        client.cookies["gk_language"] = "en"
        client.post(reverse("meetings:join", args=[gesprek.join_code]))
        clients.append(client)
    tokens = [c.cookies[f"gk_p_{gesprek.join_code}"].value for c in clients]
    hashes = list(Participant.objects.values_list("token_hash", flat=True))
    for index, client in enumerate(clients):
        client.post(
            reverse("meetings:note_add", args=[gesprek.join_code]), {"text": f"Notitie {index}"}
        )
    theme = themes.create_theme(gesprek, "Samen", Note.objects.values_list("pk", flat=True))
    vote = voting.open_vote(gesprek, theme_ids=[theme.pk], proposals="Alfa\nBeta", dots=9)
    samen, alfa, beta = options_of(vote).values()
    # Counts nobody else could guess: 7 on Alfa by the first, 5 on Beta by the second.
    ballot = reverse("meetings:ballot", args=[gesprek.join_code])
    for client, option, count in [(clients[0], alfa, 7), (clients[1], beta, 5)]:
        client.post(ballot, {"ballot-vote": vote.pk, f"ballot-option-{option}": count})
    facilitator = Client()
    facilitator.cookies["gk_language"] = "en"
    facilitator.force_login(gesprek.created_by)
    staff_pages = [
        reverse("meetings:control", args=[gesprek.public_id]),
        reverse("meetings:presenter", args=[gesprek.public_id]),
        reverse("meetings:themes", args=[gesprek.public_id]),
    ]
    page = reverse("meetings:gesprek", args=[gesprek.join_code])
    third = clients[2].get(page).content.decode()
    assert 'value="7"' not in third and 'value="5"' not in third  # not their dots
    assert 'value="7"' in clients[0].get(page).content.decode()  # your own, to change them
    assert "gk-note__own" not in third.split('id="gk-themes"')[1]  # no "yours" in themes
    open_pages = [facilitator.get(url).content.decode() for url in staff_pages] + [third]
    for html in open_pages:
        assert ">7<" not in html and ">5<" not in html
    for html in [*open_pages[:2], third]:
        assert "Voted so far: 2 of 3 people." in html
    clients[2].post(ballot, {"ballot-vote": vote.pk, f"ballot-option-{samen}": "1"})
    voting.close_vote(gesprek)
    closed_pages = [facilitator.get(url).content.decode() for url in staff_pages] + [
        client.get(page).content.decode() for client in clients
    ]
    assert '<span class="gk-vote-table__number">7</span>' in closed_pages[0]  # totals only
    bodies += open_pages + closed_pages
    for url in [
        "/beheer/",
        "/beheer/meetings/gesprek/",
        f"/beheer/meetings/gesprek/{gesprek.pk}/change/",
    ]:
        bodies.append(admin_client.get(url).content.decode())
    for model in ["placeddots", "voteoption", "dotvote", "note", "theme"]:
        response = admin_client.get(f"/beheer/meetings/{model}/")
        assert response.status_code == 404, model
    events = [str(e.payloads) for e in Event.objects.filter(channel=gesprek.channel)]
    for text in bodies + events + [caplog.text]:
        for secret in NAMES + tokens + hashes:
            assert secret not in text
    for text in events:  # what everyone sees, never whose it is or anyone's own dots
        assert 'value="7"' not in text and 'value="5"' not in text
        assert not re.search(r'data-own-note="\d+">', text)

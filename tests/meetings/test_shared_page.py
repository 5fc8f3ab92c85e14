"""A participant's page request served from the page everyone shares in a state of the gesprek
(screens.page_for): it equals the page rendered for that person alone, in every step and both
languages, and a shared page never reaches another language, gesprek, address or state."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from gesprekskaarten.meetings import discussion, screens, services, themes, voting
from gesprekskaarten.meetings.models import Step
from gesprekskaarten.meetings.views import participant as participant_views
from tests.factories import make_gesprek

pytestmark = pytest.mark.django_db(transaction=True)  # outside a transaction: the cache is used


class Phone:
    def __init__(self, gesprek, language="nl"):
        self.gesprek = gesprek
        self.client = Client()
        self.client.cookies["gk_language"] = language
        self.client.post(reverse("meetings:join", args=[gesprek.join_code]))
        self.participant = services.participant_for(
            gesprek, self.client.cookies[f"gk_p_{gesprek.join_code}"].value
        )

    def get(self, query=""):
        path = reverse("meetings:gesprek", args=[self.gesprek.join_code])
        response = self.client.get(path + query)
        assert response.status_code == 200
        return response.content.decode()

    def shared_and_alone(self, query=""):
        """The page as served (from the shared page) and as rendered for this person alone (an
        extra parameter makes the view render it alone); the language switch's `next` field
        is the only part that names the address."""
        shared = self.get(query)
        alone = self.get(query + ("&" if query else "?") + "alone=1")
        next_field = re.compile(r'name="next" value="[^"]*"')
        return next_field.sub("next", normal(shared)), next_field.sub("next", normal(alone))


def normal(page: str) -> str:
    """Each response has its own masked CSRF token (the same secret); a stream token made in
    another second differs in its time stamp."""
    page = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "csrf", page)
    page = re.sub(r"\?t=[^&]*&amp;", "?t=token&amp;", page)  # signed with a time stamp
    return re.sub(r'"csrf": "[^"]*"', '"csrf"', page)


def to_discussion(gesprek):
    for step in (Step.MARKING, Step.RESULTS, Step.DISCUSSION):
        services.set_step(gesprek, step)


@pytest.fixture
def counted(monkeypatch):
    renders = []
    original = screens.participant_context

    def counting(gesprek, participant=None, **kwargs):
        renders.append((gesprek.pk, participant))
        return original(gesprek, participant, **kwargs)

    monkeypatch.setattr(screens, "participant_context", counting)
    return renders


def test_the_shared_page_equals_the_page_rendered_alone_in_every_step():
    gesprek = make_gesprek(cards=2, audience="everyone", threshold=2)
    me, other = Phone(gesprek, "nl"), Phone(gesprek, "en")
    for phone in (me, other):
        shared, alone = phone.shared_and_alone()
        assert shared == alone and 'id="gk-person"' in shared
    services.set_step(gesprek, Step.MARKING)
    first_card = services.behaviours_of(gesprek)[0].principle_id
    mine = [b.pk for b in services.behaviours_of(gesprek) if b.principle_id == first_card]
    services.save_answers(me.participant, dict.fromkeys(mine[:2], ("recognised", False)))
    ids = [b.pk for b in services.behaviours_of(gesprek)]
    services.save_answers(other.participant, dict.fromkeys(ids, ("missing", True)))
    for phone in (me, other):
        shared, alone = phone.shared_and_alone()
        assert shared == alone
    assert "2 van " in me.get()  # my own marks on the first card
    services.set_step(gesprek, Step.RESULTS)
    for query in ("", "?sort=recognised"):
        for phone in (me, other):
            shared, alone = phone.shared_and_alone(query)
            assert shared == alone
    services.set_step(gesprek, Step.DISCUSSION)
    mine = discussion.add_note(me.participant, "Mijn notitie")
    theirs = discussion.add_note(other.participant, "Their note")
    themes.create_theme(gesprek, "Werkdruk", [theirs.pk])
    vote = voting.open_vote(gesprek, proposals="Alfa\nBeta", dots=3)
    alfa, beta = vote.options.order_by("pk").values_list("pk", flat=True)
    voting.place_dots(me.participant, vote.pk, {alfa: 2, beta: 1})
    for phone in (me, other):
        shared, alone = phone.shared_and_alone()
        assert shared == alone
    page = me.get()
    assert f'data-own-note="{mine.pk}">' in page  # my note's link shown, the other's hidden
    assert f'data-own-note="{theirs.pk}" hidden>' in page
    assert f'name="ballot-option-{alfa}" value="2"' in page
    assert f'name="ballot-option-{alfa}" value="0"' in other.get()
    services.set_step(gesprek, Step.CLOSED)
    for phone in (me, other):
        shared, alone = phone.shared_and_alone()
        assert shared == alone


def test_a_shared_page_is_rendered_once_per_state_language_and_address(counted):
    gesprek = make_gesprek(cards=1, audience="everyone", threshold=2)
    services.set_step(gesprek, Step.MARKING)
    dutch = [Phone(gesprek, "nl") for _ in range(3)]
    english = Phone(gesprek, "en")
    counted.clear()
    pages = [phone.get() for phone in dutch]
    assert len(counted) == 1 and counted[0][1] is None  # once, for no one in particular
    assert all('<html lang="nl"' in page for page in pages)
    assert '<html lang="en"' in english.get() and len(counted) == 2
    dutch[0].get("?sort=missing")
    assert len(counted) == 3  # another address: its own page
    services.set_step(gesprek, Step.RESULTS)  # a new state
    counted.clear()
    assert "Uitkomsten" in dutch[1].get() and len(counted) == 1


def test_a_shared_page_never_reaches_another_gesprek_or_an_older_state():
    one = make_gesprek(cards=1, audience="everyone", threshold=2)
    two = make_gesprek(cards=1, audience="everyone", threshold=2)
    for gesprek in (one, two):
        to_discussion(gesprek)
    a, b = Phone(one), Phone(two)
    assert one.join_code in a.get() and one.join_code not in b.get()
    assert two.join_code in b.get()
    discussion.add_note(b.participant, "Nieuw in twee")
    assert "Nieuw in twee" in b.get() and "Nieuw in twee" not in a.get()
    discussion.add_note(a.participant, "Nieuw in een")
    assert "Nieuw in een" in a.get()


def test_a_message_or_a_signed_in_user_gets_the_page_rendered_alone(counted, django_user_model):
    gesprek = make_gesprek(cards=1, audience="everyone", threshold=2)
    to_discussion(gesprek)
    phone = Phone(gesprek, "en")
    phone.get()
    counted.clear()
    # A ballot for a vote that is not open: a message for this person on their next page.
    phone.client.post(reverse("meetings:ballot", args=[gesprek.join_code]), {"ballot-vote": "1"})
    page = phone.get()
    assert "Your dots were not saved." in page
    assert counted == [(gesprek.pk, phone.participant)]  # rendered for them alone
    counted.clear()
    assert "Your dots were not saved." not in phone.get() and counted == []  # shared again
    signed_in = Client()
    for name, morsel in phone.client.cookies.items():  # the same phone, a facilitator too
        signed_in.cookies[name] = morsel.value
    signed_in.force_login(django_user_model.objects.create_user("someone", password="x" * 20))
    page = signed_in.get(reverse("meetings:gesprek", args=[gesprek.join_code])).content.decode()
    assert "Log out (someone)" in page and counted == [(gesprek.pk, phone.participant)]
    assert "someone" not in phone.get()  # nothing of that user in the shared page


@pytest.fixture
def cards_counted(monkeypatch):
    """Who each card was made for: None for the card everyone shares (nothing ticked)."""
    made = []
    original = participant_views._card_context

    def counting(gesprek, slug, data=None, marks=None):
        made.append((gesprek.pk, None if data is None and marks is None else "someone"))
        return original(gesprek, slug, data, marks)

    monkeypatch.setattr(participant_views, "_card_context", counting)
    return made


def test_a_card_to_mark_is_shared_and_shows_each_person_their_own_marks(cards_counted):
    gesprek = make_gesprek(cards=2, audience="everyone", threshold=2)
    services.set_step(gesprek, Step.MARKING)
    me, you, english = Phone(gesprek, "nl"), Phone(gesprek, "nl"), Phone(gesprek, "en")
    behaviours = list(services.behaviours_of(gesprek))
    first = [b for b in behaviours if b.principle_id == behaviours[0].principle_id]
    services.save_answers(
        me.participant,
        {
            first[0].pk: ("recognised", False),
            first[1].pk: ("missing", True),
            first[2].pk: ("", True),
        },
    )
    services.save_answers(you.participant, {first[0].pk: ("unsure", True)})
    slugs = list(gesprek.principles.order_by("order").values_list("slug", flat=True))
    addresses = [reverse("meetings:card", args=[gesprek.join_code, slug]) for slug in slugs]
    for address in addresses:
        for phone in (me, you, english):
            shared = phone.client.get(address).content.decode()
            alone = phone.client.get(address + "?alone=1").content.decode()
            next_field = re.compile(r'name="next" value="[^"]*"')  # names the address
            assert next_field.sub("", normal(shared)) == next_field.sub("", normal(alone))
    # Rendered for no one per card and language (2 cards x 2 languages); alone, once per GET.
    assert sum(1 for _, person in cards_counted if person is None) == 4
    mine = me.client.get(addresses[0]).content.decode()
    assert (
        f'name="choice-{first[0].pk}" value="recognised" id="id_choice-{first[0].pk}_0" checked>'
        in mine
    )
    assert f'name="discuss-{first[1].pk}" id="id_discuss-{first[1].pk}" checked>' in mine
    assert f'value="unsure" id="id_choice-{first[0].pk}_2" checked' not in mine  # not yours
    yours = you.client.get(addresses[0]).content.decode()
    assert yours.count(" checked>") == 2 and f'id="id_discuss-{first[0].pk}" checked>' in yours
    assert english.client.get(addresses[0]).content.decode().count(" checked>") == 0
    assert me.client.get(addresses[0][:-2] + "x/").status_code == 404  # no such card

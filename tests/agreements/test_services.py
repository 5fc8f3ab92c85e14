"""Agreements: making, changing, status, history, review, follow-up date and live events."""

import pytest

from gesprekskaarten.agreements import services
from gesprekskaarten.agreements.models import Agreement, AgreementChange, Status
from gesprekskaarten.agreements.services import AgreementError
from gesprekskaarten.decks.services import import_deck
from gesprekskaarten.live.models import Event
from gesprekskaarten.meetings import services as meetings
from gesprekskaarten.meetings.models import Step, Theme
from tests.factories import make_gesprek, minimal_deck

from .helpers import days, in_step

pytestmark = pytest.mark.django_db


def agreement_events(gesprek) -> int:
    return sum(
        "gk-agreements" in str(event.payloads)
        for event in Event.objects.filter(channel=gesprek.channel, type="update")
    )


def make(gesprek, what="Elke week vijf minuten feedback", **fields):
    return services.create_agreement(gesprek, gesprek.created_by, what=what, **fields)


def test_an_agreement_links_cards_and_records_who_made_it_when_and_where():
    gesprek = in_step()
    principle = gesprek.principles.order_by("order").first()
    behaviour = meetings.behaviours_of(gesprek).first()
    agreement = make(
        gesprek,
        what="  Elke week   vijf minuten feedback ",
        who="de teamleider",
        due_on=days(14),
        principles=[str(principle.pk)],
        behaviours=[behaviour.pk],
    )
    assert agreement.what == "Elke week vijf minuten feedback"
    assert agreement.team == gesprek.team and agreement.status == Status.OPEN
    assert list(agreement.principles.all()) == [principle]
    assert list(agreement.behaviours.all()) == [behaviour]
    (created,) = agreement.changes.all()
    assert created.field == "created" and created.new_value == agreement.what
    assert created.changed_by == gesprek.created_by and created.gesprek == gesprek
    assert agreement_events(gesprek) == 1  # participants see it live
    assert services.agreements_of(gesprek) == [agreement]


def test_an_agreement_from_a_rode_draad_keeps_the_link():
    gesprek = in_step()
    theme = Theme.objects.create(gesprek=gesprek, name="Feedback")
    agreement = make(gesprek, what=theme.name, theme=theme.pk)
    assert agreement.theme == theme


def test_agreements_are_made_after_the_results_and_never_in_a_closed_gesprek():
    gesprek = in_step(Step.RESULTS)
    make(gesprek)  # fine in the results step
    assert agreement_events(gesprek) == 0  # nobody's screen shows agreements in this step
    with pytest.raises(AgreementError, match="after the results"):
        make(make_gesprek(step="marking"))
    with pytest.raises(AgreementError, match="has ended"):
        make(meetings.set_step(make_gesprek(), Step.CLOSED))
    assert Agreement.objects.count() == 1


def other_deck_principle():
    version, _ = import_deck(minimal_deck())
    return version.principles.first()


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"what": ""}, "what", "Write down what you agree on"),
        ({"what": "   "}, "what", "Write down what you agree on"),
        ({"what": "x" * 301}, "what", "301 characters; at most 300"),
        ({"who": "y" * 121}, "who", "121 characters; at most 120"),
        ({"due_on": days(-1)}, "due_on", "has passed"),
        ({"principles": "other deck"}, "principles", "cards of this gesprek"),
        ({"behaviours": "not asked"}, "behaviours", "asked about"),
        ({"theme": "other gesprek"}, None, "not part of this gesprek"),
    ],
)
def test_bad_input_gets_a_clear_message_and_changes_nothing(fields, field, message):
    gesprek = in_step(cards=1)
    if fields.get("principles") == "other deck":
        fields["principles"] = [other_deck_principle().pk]
    if fields.get("behaviours") == "not asked":
        second_card = gesprek.deck_version.principles.get(order=2)
        fields["behaviours"] = [second_card.behaviours.first().pk]
    if fields.get("theme") == "other gesprek":
        fields["theme"] = Theme.objects.create(gesprek=in_step(), name="Elders").pk
    fields = {"what": "Goed plan", **fields}
    with pytest.raises(AgreementError, match=message) as problem:
        services.create_agreement(gesprek, gesprek.created_by, **fields)
    assert problem.value.field == field
    assert not Agreement.objects.exists() and not AgreementChange.objects.exists()
    assert agreement_events(gesprek) == 0


def test_every_change_is_recorded_with_old_and_new_value_as_readable_text():
    gesprek = in_step()
    first, second = gesprek.principles.order_by("order")
    agreement = make(gesprek, who="Anna", due_on=days(7), principles=[first.pk])
    user = gesprek.created_by
    changed = services.update_agreement(
        agreement,
        user,
        what="Elke week tien minuten feedback",
        who="Anna",
        due_on=days(10),
        principles=[first.pk, second.pk],
        during=gesprek,
    )
    assert changed == 3
    changes = {c.field: c for c in agreement.changes.exclude(field="created")}
    assert set(changes) == {"what", "due_on", "principles"}
    assert changes["what"].old_value == "Elke week vijf minuten feedback"
    assert changes["due_on"].old_value == days(7).isoformat()
    assert changes["due_on"].new_value == days(10).isoformat()
    assert changes["principles"].new_value == f"{first}, {second}"
    assert all(c.gesprek == gesprek and c.changed_by == user for c in changes.values())
    assert changes["due_on"].field_label == "by when"
    events = agreement_events(gesprek)
    assert (
        services.update_agreement(
            agreement,
            user,
            what="Elke week tien minuten feedback",
            who="Anna",
            due_on=days(10),
            principles=[first.pk, second.pk],
        )
        == 0
    )  # nothing changed: nothing recorded, nobody disturbed
    assert agreement.changes.count() == 4 and agreement_events(gesprek) == events


def test_a_date_that_has_passed_may_stay_but_not_be_chosen_anew():
    gesprek = in_step()
    agreement = make(gesprek, due_on=days(3))
    Agreement.objects.filter(pk=agreement.pk).update(due_on=days(-3))
    agreement.refresh_from_db()
    assert agreement.is_overdue()
    services.update_agreement(agreement, gesprek.created_by, what="Nieuw", due_on=days(-3))
    with pytest.raises(AgreementError, match="has passed"):
        services.update_agreement(agreement, gesprek.created_by, what="Nieuw", due_on=days(-2))
    agreement.refresh_from_db()
    assert agreement.due_on == days(-3)


def test_dropping_needs_a_reason_and_each_status_change_is_recorded():
    gesprek = in_step()
    agreement = make(gesprek)
    user = gesprek.created_by
    with pytest.raises(AgreementError, match="Say why") as problem:
        services.set_status(agreement, user, Status.DROPPED, "  ")
    assert problem.value.field == "reason"
    with pytest.raises(AgreementError, match="301 characters"):
        services.set_status(agreement, user, Status.DROPPED, "r" * 301)
    with pytest.raises(AgreementError, match="does not exist"):
        services.set_status(agreement, user, "forgotten")
    agreement.refresh_from_db()
    assert agreement.status == Status.OPEN and agreement.changes.count() == 1

    services.set_status(agreement, user, Status.IN_PROGRESS)
    services.set_status(agreement, user, Status.DROPPED, "Niet meer nodig")
    assert agreement.status == Status.DROPPED and agreement.drop_reason == "Niet meer nodig"
    services.set_status(agreement, user, Status.OPEN)  # picked up again: the reason goes
    agreement.refresh_from_db()
    assert agreement.drop_reason == ""
    history = [(c.field, c.old_text, c.new_text) for c in agreement.changes.all()][1:]
    assert history == [
        ("status", "Open", "In progress"),
        ("status", "In progress", "Dropped"),
        ("drop_reason", "", "Niet meer nodig"),
        ("status", "Dropped", "Open"),
        ("drop_reason", "Niet meer nodig", ""),
    ]
    # Stored as the value, so it reads in each viewer's language and compares over time.
    assert agreement.changes.filter(field="status").first().new_value == Status.IN_PROGRESS
    assert services.set_status(agreement, user, Status.OPEN) == 0


def test_changes_during_a_gesprek_must_happen_in_an_open_gesprek_of_the_same_team():
    gesprek = in_step()
    agreement = make(gesprek)
    user = gesprek.created_by
    with pytest.raises(AgreementError, match="another team"):
        services.set_status(agreement, user, Status.DONE, during=in_step())
    closed = meetings.set_step(make_gesprek(team=gesprek.team, user=user), Step.CLOSED)
    with pytest.raises(AgreementError, match="team's agreements page"):
        services.set_status(agreement, user, Status.DONE, during=closed)
    services.set_status(agreement, user, Status.DONE)  # from the team page: always possible
    assert agreement.changes.last().gesprek is None


def earlier_and_next(**next_options):
    """A closed gesprek that made agreements, and the team's next gesprek."""
    earlier = in_step()
    open_one = make(earlier, what="Open")
    busy = make(earlier, what="Bezig")
    done = make(earlier, what="Klaar")
    services.set_status(busy, earlier.created_by, Status.IN_PROGRESS)
    services.set_status(done, earlier.created_by, Status.DONE)
    meetings.set_step(earlier, Step.CLOSED)
    following = make_gesprek(team=earlier.team, user=earlier.created_by, **next_options)
    return earlier, following, (open_one, busy, done)


def test_the_next_gesprek_reviews_what_is_open_and_keeps_what_it_settled():
    earlier, following, (open_one, busy, done) = earlier_and_next()
    assert services.has_review(following) and not services.has_review(earlier)
    assert services.review_agreements(following) == [open_one, busy]
    meetings.set_step(following, Step.REVIEW)
    services.set_status(open_one, following.created_by, Status.DONE, during=following)
    assert agreement_events(following) == 1
    assert services.review_agreements(following) == [open_one, busy]  # done now, still shown
    assert open_one.changes.last().gesprek == following
    services.set_status(busy, following.created_by, Status.DONE, during=following)
    later = make_gesprek(team=earlier.team, user=earlier.created_by)
    assert not services.has_review(later)
    assert not services.has_review(make_gesprek())  # another team: nothing of this team


def test_a_change_from_the_team_page_reaches_a_gesprek_that_is_reviewing():
    earlier, following, (open_one, _busy, _done) = earlier_and_next()
    meetings.set_step(following, Step.REVIEW)
    before = agreement_events(earlier)
    services.set_status(open_one, following.created_by, Status.IN_PROGRESS)
    assert agreement_events(following) == 1
    assert agreement_events(earlier) == before  # closed: no screen to update


def test_follow_up_date_not_in_the_past_and_frozen_when_closed():
    gesprek = in_step()
    with pytest.raises(AgreementError, match="has passed"):
        services.set_follow_up(gesprek, days(-1))
    services.set_follow_up(gesprek, days(28))
    gesprek.refresh_from_db()
    assert gesprek.follow_up_on == days(28)
    assert agreement_events(gesprek) == 1
    services.set_follow_up(gesprek, None)
    gesprek.refresh_from_db()
    assert gesprek.follow_up_on is None
    meetings.set_step(gesprek, Step.CLOSED)
    with pytest.raises(AgreementError, match="has ended"):
        services.set_follow_up(gesprek, days(3))


def test_team_agreements_filter_by_status_principle_and_due_date():
    gesprek = in_step()
    first, second = gesprek.principles.order_by("order")
    overdue = make(gesprek, what="Te laat", due_on=days(1), principles=[first.pk])
    Agreement.objects.filter(pk=overdue.pk).update(due_on=days(-1))
    soon = make(gesprek, what="Binnenkort", due_on=days(20), principles=[second.pk])
    later = make(gesprek, what="Later", due_on=days(60))
    undated = make(gesprek, what="Zonder datum")
    done = make(gesprek, what="Klaar", due_on=days(2))
    Agreement.objects.filter(pk=done.pk).update(due_on=days(-2), status=Status.DONE)
    make(in_step(), what="Ander team")

    def whats(**filters):
        return [a.what for a in services.team_agreements(gesprek.team, **filters)]

    assert whats() == ["Klaar", "Te laat", "Binnenkort", "Later", "Zonder datum"]
    assert whats(due="overdue") == ["Te laat"]  # done is never overdue
    assert whats(due="soon") == ["Binnenkort"]
    assert whats(due="none") == ["Zonder datum"]
    assert whats(status="done") == ["Klaar"]
    assert whats(status="active", due="overdue") == ["Te laat"]
    assert whats(principle=second.slug) == ["Binnenkort"]
    assert soon in services.open_agreements(gesprek.team)
    assert later in services.open_agreements(gesprek.team)
    assert undated in services.open_agreements(gesprek.team)


def test_nothing_about_participants_is_part_of_an_agreement():
    gesprek = in_step()
    meetings.join(gesprek)
    agreement = make(gesprek)
    for event in Event.objects.filter(channel=gesprek.channel, type="update"):
        assert "Quirinus" not in str(event.payloads)
    fields = {f.name for f in Agreement._meta.get_fields()} | {
        f.name for f in AgreementChange._meta.get_fields()
    }
    assert not {"participant", "author", "answer"} & fields
    assert str(agreement) == agreement.what

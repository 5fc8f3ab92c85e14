"""Agreement pages over HTTP: making and changing, the team page, the review step, .ics."""

import re

import icalendar
import pytest
from django.test import Client
from django.urls import reverse

from gesprekskaarten.agreements import services
from gesprekskaarten.agreements.models import Agreement, AgreementChange, Status
from gesprekskaarten.meetings import services as meetings
from gesprekskaarten.meetings.models import Step, Theme
from tests.factories import make_facilitator, make_gesprek

from .helpers import days, english_client, facilitator_of, in_step

pytestmark = pytest.mark.django_db


def new_url(gesprek):
    return reverse("agreements:new", args=[gesprek.public_id])


def control(client, gesprek, presenter=False) -> str:
    name = "meetings:presenter" if presenter else "meetings:control"
    return client.get(reverse(name, args=[gesprek.public_id])).content.decode()


def join(gesprek) -> Client:
    client = english_client()
    client.post(reverse("meetings:join", args=[gesprek.join_code]))
    return client


def participant_page(client, gesprek) -> str:
    return client.get(reverse("meetings:gesprek", args=[gesprek.join_code])).content.decode()


def test_facilitator_makes_an_agreement_from_a_rode_draad():
    gesprek = in_step()
    theme = Theme.objects.create(gesprek=gesprek, name="Feedback <geven>")
    client = facilitator_of(gesprek)
    assert f"{new_url(gesprek)}?theme={theme.pk}" in control(client, gesprek)
    form = client.get(new_url(gesprek), {"theme": theme.pk})
    assert form.context["form"]["what"].value() == "Feedback <geven>"
    principle = gesprek.principles.order_by("order").first()
    behaviour = meetings.behaviours_of(gesprek).first()
    html = form.content.decode()
    # A multi-line field, filled in with the rode draad's name (escaped).
    assert re.search(r'<textarea name="what"[^>]*>\s*Feedback &lt;geven&gt;</textarea>', html)
    assert html.count('type="checkbox"') >= 2
    assert f'value="{behaviour.pk}"' in html
    response = client.post(
        new_url(gesprek),
        {
            "what": "Feedback <geven>",
            "who": "iedereen",
            "due_on": days(30).isoformat(),
            "principles": [principle.pk],
            "behaviours": [behaviour.pk],
            "theme": theme.pk,
        },
    )
    assert response.status_code == 302
    agreement = Agreement.objects.get()
    assert agreement.theme == theme and agreement.due_on == days(30)
    page = control(client, gesprek)
    assert "Feedback &lt;geven&gt;" in page and "Feedback <geven>" not in page
    assert "The agreement is saved." in page


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"what": ""}, "Write down what you agree on"),
        ({"what": "x" * 320}, "320 characters; at most 300 fit"),
        ({"who": "y" * 130}, "130 characters; at most 120 fit"),
        ({"due_on": "31-02-2027"}, "This is not a date"),
        ({"due_on": "morgen"}, "This is not a date"),
        ({"due_on": "01-01-2020"}, "This date has passed"),
        ({"principles": ["999999"]}, "Select a valid choice"),
    ],
)
def test_bad_agreement_input_is_explained_and_stores_nothing(data, message):
    gesprek = in_step()
    client = facilitator_of(gesprek)
    response = client.post(new_url(gesprek), {"what": "Plan", **data})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Agreement.objects.exists()


def test_a_day_month_year_date_is_understood():
    gesprek = in_step()
    client = facilitator_of(gesprek)
    date = days(10)
    client.post(new_url(gesprek), {"what": "Plan", "due_on": date.strftime("%d-%m-%Y")})
    assert Agreement.objects.get().due_on == date


def test_no_agreements_in_a_closed_gesprek_or_before_the_results():
    marking = make_gesprek(step="marking")
    closed = meetings.set_step(make_gesprek(), Step.CLOSED)
    for gesprek, message in [(marking, "after the results"), (closed, "has ended")]:
        client = facilitator_of(gesprek)
        response = client.post(new_url(gesprek), {"what": "Te laat"}, follow=True)
        assert message in response.content.decode()
    assert not Agreement.objects.exists()


def test_only_the_teams_facilitators_see_or_change_agreements():
    gesprek = in_step()
    agreement = services.create_agreement(gesprek, gesprek.created_by, what="Geheim plan")
    stranger = english_client()
    user, _other_team = make_facilitator()
    stranger.force_login(user)
    urls = [
        new_url(gesprek),
        reverse("agreements:detail", args=[agreement.pk]),
        reverse("agreements:edit", args=[agreement.pk]),
        reverse("agreements:team", args=[gesprek.team.slug]),
        reverse("agreements:calendar", args=[gesprek.public_id]),
    ]
    for url in urls:
        assert stranger.get(url).status_code == 404
        assert Client().get(url).status_code == 302  # to the login page
    status = reverse("agreements:status", args=[agreement.pk])
    assert stranger.post(status, {f"a{agreement.pk}-status": "done"}).status_code == 404
    owner = facilitator_of(gesprek)
    assert owner.get(f"/afspraken/{10**30}/").status_code == 404  # no overflow
    agreement.refresh_from_db()
    assert agreement.status == Status.OPEN


def status_data(agreement, status, reason=""):
    return {f"a{agreement.pk}-status": status, f"a{agreement.pk}-reason": reason}


def test_review_step_live_for_participants_with_progress_marked_by_the_facilitator():
    earlier = in_step()
    agreement = services.create_agreement(
        earlier, earlier.created_by, what="Samen lunchen", who="Bram"
    )
    meetings.set_step(earlier, Step.CLOSED)
    following = make_gesprek(team=earlier.team, user=earlier.created_by)
    client = facilitator_of(following)
    lobby = control(client, following)
    assert 'value="review"' in lobby  # there is something to review
    assert 'value="review"' not in control(client, make_gesprek())

    client.post(reverse("meetings:step", args=[following.public_id]), {"step": "review"})
    person = join(following)
    page = participant_page(person, following)
    assert "Review of agreements" in page and "Samen lunchen" in page
    assert 'id="gk-agreements"' in page and "<form" not in page.split('id="gk-agreements"')[1]
    assert "Samen lunchen" in control(client, following, presenter=True)

    url = reverse("agreements:status_during", args=[following.public_id, agreement.pk])
    response = client.post(url, status_data(agreement, "dropped"))
    assert response.status_code == 302
    assert "Say why the agreement is dropped" in control(client, following)
    agreement.refresh_from_db()
    assert agreement.status == Status.OPEN
    client.post(url, status_data(agreement, "dropped", "Lukt niet in de agenda"))
    agreement.refresh_from_db()
    assert agreement.status == Status.DROPPED
    assert agreement.changes.filter(field="status").get().gesprek == following
    page = participant_page(person, following)
    assert "Dropped" in page and "Lukt niet in de agenda" in page


def test_participants_see_agreements_and_the_follow_up_date_in_the_discussion():
    gesprek = in_step()
    person = join(gesprek)
    assert "No agreements yet." in participant_page(person, gesprek)
    services.create_agreement(gesprek, gesprek.created_by, what="<script>x()</script>")
    client = facilitator_of(gesprek)
    client.post(
        reverse("agreements:follow_up", args=[gesprek.public_id]),
        {"follow_up_on": days(21).isoformat()},
    )
    page = participant_page(person, gesprek)
    assert "&lt;script&gt;x()&lt;/script&gt;" in page and "<script>x()" not in page
    assert "We meet again on" in page
    assert gesprek.created_by.get_username() not in page  # no account names for participants


def test_follow_up_date_bad_input_is_explained():
    gesprek = in_step()
    client = facilitator_of(gesprek)
    url = reverse("agreements:follow_up", args=[gesprek.public_id])
    for value, message in [("gisteren", "This is not a date"), ("2020-01-01", "has passed")]:
        response = client.post(url, {"follow_up_on": value}, follow=True)
        assert message in response.content.decode()
    gesprek.refresh_from_db()
    assert gesprek.follow_up_on is None


def test_edit_records_the_change_and_the_history_page_shows_it():
    gesprek = in_step()
    agreement = services.create_agreement(gesprek, gesprek.created_by, what="Oud plan")
    client = facilitator_of(gesprek)
    url = reverse("agreements:edit_during", args=[gesprek.public_id, agreement.pk])
    assert client.get(url).context["form"]["what"].value() == "Oud plan"
    assert client.post(url, {"what": ""}).status_code == 400
    response = client.post(url, {"what": "Nieuw plan", "who": "Chris"})
    assert response.status_code == 302
    detail = client.get(reverse("agreements:detail", args=[agreement.pk])).content.decode()
    assert "Oud plan" in detail and "Nieuw plan" in detail and "Chris" in detail
    assert gesprek.created_by.get_username() in detail
    assert AgreementChange.objects.filter(field="what", gesprek=gesprek).exists()


def test_team_page_filters_and_marks_overdue_agreements_in_words():
    gesprek = in_step()
    late = services.create_agreement(gesprek, gesprek.created_by, what="Te laat", due_on=days(1))
    Agreement.objects.filter(pk=late.pk).update(due_on=days(-5))
    services.create_agreement(gesprek, gesprek.created_by, what="Op tijd", due_on=days(5))
    client = facilitator_of(gesprek)
    url = reverse("agreements:team", args=[gesprek.team.slug])
    page = client.get(url).content.decode()
    assert "Te laat" in page and "Op tijd" in page
    assert page.count("gk-agreement--overdue") == 1 and "Overdue" in page
    assert url in client.get(reverse("meetings:dashboard")).content.decode()
    overdue = client.get(url, {"due": "overdue"}).content.decode()
    assert "Te laat" in overdue and "Op tijd" not in overdue
    response = client.get(url, {"status": "forgotten"})
    assert response.status_code == 400 and "Select a valid choice" in response.content.decode()
    client.post(
        reverse("agreements:status", args=[late.pk]),
        {**status_data(late, "done"), "next": "team"},
    )
    late.refresh_from_db()
    assert late.status == Status.DONE and late.changes.last().gesprek is None
    assert "gk-agreement--overdue" not in client.get(url).content.decode()


def test_follow_up_calendar_file_parses_and_lists_the_open_agreements():
    gesprek = in_step()
    what = "Feedback geven; elke week, ook op vrijdag — met een heel lange zin " + "é" * 40
    services.create_agreement(gesprek, gesprek.created_by, what=what, who="Anna")
    done = services.create_agreement(gesprek, gesprek.created_by, what="Al klaar")
    services.set_status(done, gesprek.created_by, Status.DONE)
    client = facilitator_of(gesprek)
    url = reverse("agreements:calendar", args=[gesprek.public_id])
    assert client.get(url).status_code == 302  # no date yet
    services.set_follow_up(gesprek, days(40))
    response = client.get(url)
    assert response["Content-Type"].startswith("text/calendar")
    assert "attachment" in response["Content-Disposition"]
    body = response.content
    assert all(len(line) <= 75 for line in body.split(b"\r\n"))
    assert b"\n" not in body.replace(b"\r\n", b"")
    calendar = icalendar.Calendar.from_ical(body)
    (event,) = calendar.walk("VEVENT")
    assert event.decoded("DTSTART") == days(40)
    assert str(event["UID"]).startswith(f"follow-up-{gesprek.public_id}")
    assert event.decoded("DTSTAMP") is not None
    description = str(event["DESCRIPTION"])
    assert what in description and "Anna" in description and "Al klaar" not in description
    assert str(gesprek) in str(event["SUMMARY"])

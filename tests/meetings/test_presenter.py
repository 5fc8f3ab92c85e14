"""The presenter screen and the cockpit (issue 16) over HTTP: nothing on the presenter posts,
its pages come from results.py (never a number below k), the control page pages it with a
CSRF-protected POST and a facilitator-only event, and ending the gesprek needs a confirmation."""

import json
import re

import pytest
from django.test import Client, override_settings
from django.urls import reverse

from gesprekskaarten.live.models import Event
from gesprekskaarten.meetings import presenter, services
from gesprekskaarten.meetings.models import Step
from gesprekskaarten.meetings.results import results_for
from gesprekskaarten.meetings.views.facilitator import public_url
from tests.factories import make_gesprek

pytestmark = pytest.mark.django_db


def facilitator_of(gesprek, **options):
    client = Client(**options)
    client.cookies["gk_language"] = "en"
    client.force_login(gesprek.created_by)
    return client


def answered(people: int, threshold=3):
    """`people` answer every behaviour: the first behaviour 'missing' and wanted to discuss,
    the others 'recognised'; then the results are shown."""
    gesprek = make_gesprek(cards=2, audience="everyone", threshold=threshold, step="marking")
    behaviours = list(services.behaviours_of(gesprek))
    for _person in range(people):
        participant, _token = services.join(gesprek)
        answers = {b.pk: ("recognised", False) for b in behaviours}
        answers[behaviours[0].pk] = ("missing", True)
        services.save_answers(participant, answers)
    return services.set_step(gesprek, Step.RESULTS)


def presenter_html(gesprek, client=None) -> str:
    client = client or facilitator_of(gesprek)
    url = reverse("meetings:presenter", args=[gesprek.public_id])
    return client.get(url).content.decode()


def test_presenter_has_no_site_chrome_and_nothing_that_posts():
    gesprek = answered(3)
    client = facilitator_of(gesprek)
    for step in [Step.RESULTS, Step.DISCUSSION, Step.CLOSED]:
        services.set_step(gesprek, step)
        html = presenter_html(gesprek, client)
        assert "<form" not in html and 'type="submit"' not in html, step
        assert "Log out" not in html and 'class="gk-nav' not in html and "<footer" not in html
        assert "presenter.js" in html and "data-fullscreen" in html


def test_results_pages_overview_then_cards_with_highlights():
    gesprek = answered(3)
    pages = presenter.pages(results_for(gesprek))
    assert pages[0].card is None and len(pages[0].bars) == 2
    assert [page.number for page in pages] == list(range(len(pages)))
    first_card = pages[1]
    assert first_card.rows[0].most_discussed and first_card.rows[0].most_missed
    assert not any(row.most_missed for row in first_card.rows[1:])
    html = presenter_html(gesprek)
    assert html.count("data-slide=") == len(pages)
    assert html.count(" hidden>") >= len(pages) - 1  # only the current page shows
    assert "most to discuss" in html and "most missed" in html
    # Every bar has its text alternative.
    assert html.count('class="gk-pbar"') == html.count("Answers: ")
    assert "3 people answered. Answers: " in html


def test_no_number_below_k_on_the_presenter():
    gesprek = answered(2, threshold=3)
    html = presenter_html(gesprek)
    assert "gk-pbar" not in html and "× to discuss" not in html
    assert "Too few answers (at least 3 needed)" in html
    pages = presenter.pages(results_for(gesprek))
    assert all(bar is None for _card, bar in pages[0].bars)
    assert all(not page.rows for page in pages[1:])


def test_the_control_page_pages_the_presenter_with_an_event_for_facilitators_only():
    gesprek = answered(3)
    client = facilitator_of(gesprek)
    url = reverse("meetings:presenter_page", args=[gesprek.public_id])
    response = client.post(url, {"page": "2"})
    assert response.status_code == 302 and response.url.endswith("#gk-presenter-pages")
    gesprek.refresh_from_db()
    assert gesprek.presenter_page == 2
    event = Event.objects.filter(channel=gesprek.channel).latest("seq")
    assert event.type == "page" and set(event.payloads) == {"facilitator"}
    assert json.loads(event.payloads["facilitator"]) == {"page": 2}
    html = presenter_html(gesprek, client)
    assert re.search(r'data-slide="2" aria-labelledby="gk-slide-2">', html)  # shown
    assert 'data-slide="0" aria-labelledby="gk-slide-0" hidden>' in html
    client.post(url, {"page": "99"})  # brought in range
    gesprek.refresh_from_db()
    assert gesprek.presenter_page == len(presenter.pages(results_for(gesprek))) - 1
    services.set_step(gesprek, Step.DISCUSSION)
    services.set_step(gesprek, Step.RESULTS)
    gesprek.refresh_from_db()
    assert gesprek.presenter_page == 0  # the results start with the overview again


def test_paging_needs_csrf_and_the_results_step():
    gesprek = answered(3)
    url = reverse("meetings:presenter_page", args=[gesprek.public_id])
    strict = facilitator_of(gesprek, enforce_csrf_checks=True)
    assert strict.post(url, {"page": "1"}).status_code == 403
    assert Client().post(url, {"page": "1"}).status_code == 302  # to the login page
    services.set_step(gesprek, Step.DISCUSSION)
    client = facilitator_of(gesprek)
    client.post(url, {"page": "1"})
    gesprek.refresh_from_db()
    assert gesprek.presenter_page == 0


def test_ending_needs_a_confirmation():
    gesprek = answered(3)
    client = facilitator_of(gesprek)
    step = reverse("meetings:step", args=[gesprek.public_id])
    end = reverse("meetings:end", args=[gesprek.public_id])
    control = client.get(reverse("meetings:control", args=[gesprek.public_id])).content.decode()
    assert f'href="{end}"' in control and 'value="closed"' in control  # link; form in dialog
    response = client.post(step, {"step": "closed"})  # one click: not enough
    assert response.status_code == 302 and response.url == end
    gesprek.refresh_from_db()
    assert gesprek.step == Step.RESULTS
    page = client.get(end).content.decode()
    assert "End the gesprek?" in page and "you cannot open the gesprek again" in page
    response = client.post(step, {"step": "closed", "confirm": "1"})
    gesprek.refresh_from_db()
    assert gesprek.step == Step.CLOSED
    control = client.get(reverse("meetings:control", args=[gesprek.public_id])).content.decode()
    assert gesprek.display_code not in control and "Join link" not in control
    assert control.count(">Anonymity threshold<") == 1 and control.count(">Team<") == 1
    assert client.get(end).status_code == 302  # nothing left to end


def test_cockpit_secondary_actions_and_vote_form_in_view():
    gesprek = answered(3)
    client = facilitator_of(gesprek)
    control = reverse("meetings:control", args=[gesprek.public_id])
    html = client.get(control).content.decode()
    page, dialog = html.split("<dialog", 1)
    primary = re.findall(r"utrecht-button--primary-action[^>]*>([^<]+)<", page)
    assert primary == ["Discuss the questions"]  # one primary action; ending is apart
    assert "Yes, end the gesprek" in dialog
    assert re.search(r'utrecht-button--subtle[^"]*"[^>]*value="marking">Re-open marking', html)
    services.set_step(gesprek, Step.DISCUSSION)
    html = client.get(control).content.decode()
    assert 'class="gk-cockpit"' in html and "gk-vote__start" not in html
    assert "Open the vote" in html


@override_settings(GK_BASE_URL="http://192.168.1.20:8000", ALLOWED_HOSTS=["*"])
def test_join_address_for_the_room_when_the_facilitator_is_on_localhost(rf):
    request = rf.get("/", HTTP_HOST="127.0.0.1:8000")
    assert public_url(request, "/doe-mee/") == "http://192.168.1.20:8000/doe-mee/"
    request = rf.get("/", HTTP_HOST="gesprek.example.nl")
    assert public_url(request, "/doe-mee/") == "http://gesprek.example.nl/doe-mee/"


def test_join_address_stays_the_requests_without_a_room_address(rf):
    assert public_url(rf.get("/", HTTP_HOST="localhost:8000"), "/x/") == "http://localhost:8000/x/"

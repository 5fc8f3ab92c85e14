"""Phones that show, then tell (issue 16), over HTTP: results and the closed summary as bars
with their numbers in a list (no wide table), nothing to sort or colour below k, one sentence
for the people and one for their answers, and a ballot that cannot be overspent."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from gesprekskaarten.meetings import services, voting
from gesprekskaarten.meetings.models import PlacedDots, Step
from tests.factories import make_gesprek
from tests.meetings.test_discussion import in_discussion
from tests.reports.builders import closed_gesprek

pytestmark = pytest.mark.django_db


def participant(gesprek, token=None) -> Client:
    client = Client()
    client.cookies["gk_language"] = "en"
    if token:
        client.cookies[f"gk_p_{gesprek.join_code}"] = token
    else:
        client.post(reverse("meetings:join", args=[gesprek.join_code]))
    return client


def results_page(answering, people=3, threshold=3):
    gesprek = make_gesprek(cards=1, audience="everyone", threshold=threshold, step="marking")
    clients = [participant(gesprek) for _ in range(people)]
    ids = list(services.behaviours_of(gesprek).values_list("pk", flat=True))
    for client in clients[:answering]:
        for pk in ids:
            client.post(
                reverse("meetings:answer", args=[gesprek.join_code]),
                {"behaviour": pk, "choice": "recognised"},
            )
    services.set_step(gesprek, Step.RESULTS)
    return clients[0].get(reverse("meetings:gesprek", args=[gesprek.join_code])).content.decode()


def test_below_k_nothing_to_sort_and_no_colour_key():
    html = results_page(answering=2)
    assert "Too few answers to show anything (at least 3 are needed)." in html
    for shown in ("?sort=", "gk-legend", "gk-sort", "gk-counts", "gk-bar", "×", "people filled"):
        assert shown not in html, shown


def test_results_one_sentence_for_people_one_for_answers():
    html = results_page(answering=3)
    assert "?sort=missing" in html and "gk-legend" in html
    people = re.search(r'<p class="utrecht-paragraph gk-people">([^<]*)</p>', html).group(1)
    answers = re.search(r'<p class="utrecht-paragraph gk-answers">([^<]*)</p>', html).group(1)
    assert people == "3 people filled in this card."
    assert answers.startswith("Their answers: ") and "people" not in answers
    # Every bar (a picture, hidden from screen readers) has its numbers as text next to it.
    assert html.count('<svg class="gk-bar"') == html.count('<dl class="gk-counts">') + 1


def test_closed_summary_is_a_list_not_a_wide_table():
    built = closed_gesprek(people=4, cards=2, threshold=3)
    page = participant(built.gesprek, built.tokens[0])
    html = page.get(reverse("meetings:gesprek", args=[built.gesprek.join_code])).content.decode()
    assert "<table" not in html
    assert html.count('<dl class="gk-counts">') > 0
    assert html.count('<svg class="gk-bar"') >= html.count('<dl class="gk-counts">')
    assert "people filled in this card." in html and "In total" not in html


def ballot_form(html):
    return re.search(r'<form[^>]*class="gk-form gk-ballot".*?</form>', html, re.S).group(0)


def test_ballot_has_steppers_and_a_dots_left_line_that_counts_own_dots():
    gesprek = in_discussion(threshold=2)
    voting.open_vote(gesprek, theme_ids=[], proposals="Vaker pauze\nMinder mail", dots=3)
    client = participant(gesprek)
    page = reverse("meetings:gesprek", args=[gesprek.join_code])
    form = ballot_form(client.get(page).content.decode())
    assert form.count('data-step="-1"') == 2 and form.count('data-step="1"') == 2
    assert "One dot more on “Vaker pauze”" in form
    assert 'aria-live="polite"' in form and "Dots left: 3 of 3." in form
    vote = voting.open_vote_of(gesprek)
    first, second = (option.pk for option in vote.options.all())
    response = client.post(
        reverse("meetings:ballot", args=[gesprek.join_code]),
        {"ballot-vote": vote.pk, f"ballot-option-{first}": "2", f"ballot-option-{second}": ""},
    )
    assert response.status_code == 302
    assert "Dots left: 1 of 3." in ballot_form(client.get(page).content.decode())


def test_ballot_without_javascript_cannot_overspend():
    gesprek = in_discussion(threshold=2)
    voting.open_vote(gesprek, theme_ids=[], proposals="Vaker pauze\nMinder mail", dots=3)
    client = participant(gesprek)
    vote = voting.open_vote_of(gesprek)
    first, second = (option.pk for option in vote.options.all())
    response = client.post(
        reverse("meetings:ballot", args=[gesprek.join_code]),
        {"ballot-vote": vote.pk, f"ballot-option-{first}": "2", f"ballot-option-{second}": "2"},
    )
    assert response.status_code == 400
    assert not PlacedDots.objects.exists()
    form = ballot_form(response.content.decode())
    assert "Too many dots: you placed 4 and you have 3. Take some away." in form
    assert "You placed 4 dots; you have 3 dots." in form

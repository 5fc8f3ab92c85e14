"""The presenter screen at every step, and the cockpit, pass the Nu HTML Checker (vnu, pinned
in package.json; it needs Java). Without them the test is skipped, except under CI=true."""

import pytest
from django.urls import reverse

from gesprekskaarten.meetings import discussion, services, themes, voting
from gesprekskaarten.meetings.models import Step
from tests.factories import make_gesprek
from tests.htmlcheck import checker, html_errors
from tests.meetings.test_presenter import answered, facilitator_of

pytestmark = pytest.mark.django_db


def test_presenter_and_cockpit_pass_the_nu_html_checker(tmp_path):
    checker()  # skips early when the checker cannot run
    gesprek = answered(3)
    services.set_step(gesprek, Step.MARKING)
    client = facilitator_of(gesprek)
    presenter = reverse("meetings:presenter", args=[gesprek.public_id])
    control = reverse("meetings:control", args=[gesprek.public_id])
    end = reverse("meetings:end", args=[gesprek.public_id])
    pages = {}

    def keep(name, url):
        response = client.get(url)
        assert response.status_code == 200, url
        pages[name] = response.content

    keep("presenter-marking", presenter)
    keep("control-marking", control)
    services.set_step(gesprek, Step.RESULTS)
    keep("presenter-results", presenter)
    keep("control-results", control)
    services.set_step(gesprek, Step.DISCUSSION)
    participant, _token = services.join(gesprek)
    note = discussion.add_note(participant, "Een notitie <met> tekens & zo")
    keep("presenter-discussion", presenter)
    keep("control-discussion", control)
    keep("end", end)
    theme = themes.create_theme(gesprek, "Samen <werken>", [note.pk])
    keep("presenter-themes", presenter)
    vote = voting.open_vote(gesprek, theme_ids=[theme.pk], proposals="Vaker pauze", dots=2)
    keep("presenter-vote-open", presenter)
    keep("control-vote-open", control)
    options = list(vote.options.values_list("pk", flat=True))
    for index in range(3):
        voter, _token = services.join(gesprek)
        voting.place_dots(voter, vote.pk, {options[index % 2]: 2})
    voting.close_vote(gesprek)
    keep("presenter-vote-closed", presenter)
    keep("control-vote-closed", control)
    services.set_step(gesprek, Step.CLOSED)
    keep("presenter-closed", presenter)
    lobby = make_gesprek()
    client = facilitator_of(lobby)
    keep("presenter-lobby", reverse("meetings:presenter", args=[lobby.public_id]))
    keep("control-lobby", reverse("meetings:control", args=[lobby.public_id]))
    assert b'class="gk-columns"' in pages["presenter-themes"]
    assert b'class="gk-vbars"' in pages["presenter-vote-closed"]  # 3 voters, k = 3: bars
    assert html_errors(pages, tmp_path) == []

"""The analyst's page and exports, a facilitator's comparison: what they show, what they never
show (a team's name, an agreement's or note's text, a zero where a figure is held back)."""

import csv
import io

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from gesprekskaarten.audit.models import Action, AuditEvent
from gesprekskaarten.meetings.models import Gesprek, Note
from gesprekskaarten.organisations.models import Role
from gesprekskaarten.organisations.services import add_member
from gesprekskaarten.teams.services import add_facilitator
from tests.htmlcheck import html_errors
from tests.reports.pdfcheck import all_text, xmp_value

PAGE = "/organisatie/{slug}/inzicht/"


def client_for(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    client.cookies["gk_language"] = "en"
    return client


def secrets_of(world) -> list[str]:
    """What must never appear: team names and slugs, agreement and note texts."""
    found = [team.name for team in world["teams"]] + [team.slug for team in world["teams"]]
    found += ["Afspraak over kaart", "Een geheime notitie"]
    return found


@pytest.fixture
def world(insight_world, at_now):
    """With a note in one of the gesprekken (written straight in, as if made in it)."""
    gesprek = Gesprek.objects.filter(team__organisation=insight_world["organisation"]).first()
    participant = gesprek.participants.first()
    Note.objects.create(gesprek=gesprek, question=1, author=participant, text="Een geheime notitie")
    return insight_world


def test_the_analyst_sees_pictures_then_numbers_and_no_team(world):
    response = client_for(world["analyst"]).get(PAGE.format(slug=world["organisation"].slug))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Quarter 2026 Q3" in html
    assert html.index('class="gk-bar"') < html.index('class="gk-counts"')  # picture first
    assert "Too few teams to show." in html  # the leader behaviours of Q3
    for secret in secrets_of(world):
        assert secret not in html, secret


def test_a_quarter_with_too_few_teams_shows_a_message_never_a_zero(world):
    client = client_for(world["analyst"])
    html = client.get(PAGE.format(slug=world["organisation"].slug) + "?periode=2026-k1")
    html = html.content.decode()
    assert "Quarter 2026 Q1" in html
    assert html.count("Too few teams to show.") == 7  # every card of the deck
    assert 'class="gk-counts"' not in html and 'class="gk-bar"' not in html
    assert ">0<" not in html  # no agreement count or total either: words, not a zero
    table = html[html.index('id="gk-insight-agreements"') : html.index('id="gk-insight-trend"')]
    assert table.count("too few teams") == 8 * 5 + 4  # every cell and total of the table
    assert (
        client.get(PAGE.format(slug=world["organisation"].slug) + "?periode=2026-k4").status_code
        == 404
    )


def test_the_pages_are_valid_html(world, tmp_path):
    analyst = client_for(world["analyst"])
    facilitator = get_user_model().objects.create_user("oost", password="a-Long-pass-123")
    team = world["teams"][2]
    add_member(world["organisation"], facilitator, Role.FACILITATOR)
    add_facilitator(team, facilitator)
    pages = {
        "insight": analyst.get(PAGE.format(slug=world["organisation"].slug)),
        "insight-q1": analyst.get(
            PAGE.format(slug=world["organisation"].slug) + "?periode=2026-k1"
        ),
        "compare": client_for(facilitator).get(f"/teams/{team.slug}/vergelijking/"),
    }
    assert all(page.status_code == 200 for page in pages.values())
    assert html_errors(pages, tmp_path) == []


def test_the_csv_holds_exactly_the_published_figures(world):
    response = client_for(world["analyst"]).get(
        PAGE.format(slug=world["organisation"].slug) + "inzicht.csv"
    )
    assert response.status_code == 200
    text = response.content.decode()
    rows = list(csv.DictReader(io.StringIO(text)))
    periods = {row["period"] for row in rows}
    assert periods == {"2026-k2", "2026-k3"}  # nothing of Q1 was published
    behaviours = [row for row in rows if row["figure"] == "behaviour"]
    assert behaviours and all(row["teams"] == "4" for row in behaviours)
    assert not [
        row
        for row in behaviours
        if row["behaviour"].rsplit("/", 1)[1].startswith("l") and row["period"] == "2026-k3"
    ]
    cells = [row for row in rows if row["figure"] == "agreements"]
    assert {(row["period"], row["status"], row["agreements"]) for row in cells} == {
        ("2026-k2", "done", "4"),
        ("2026-k3", "open", "4"),
    }
    for secret in secrets_of(world):
        assert secret not in text, secret
    event = AuditEvent.objects.get(action=Action.INSIGHT_DOWNLOADED)
    assert event.actor == world["analyst"] and event.details == {"format": "csv"}


def test_the_pdf_is_pdf_a_with_the_published_figures_only(world):
    response = client_for(world["analyst"]).get(
        PAGE.format(slug=world["organisation"].slug) + "inzicht.pdf"
    )
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    pdf = response.content
    assert xmp_value(pdf, "pdfaid:part") == ["2"]
    text = all_text(pdf)
    assert "Quarter 2026 Q3" in text and "Quarter 2026 Q2" in text
    assert "Too few teams to show anything for this quarter." in text  # Q1
    for secret in secrets_of(world):
        assert secret not in text, secret
    assert AuditEvent.objects.filter(
        action=Action.INSIGHT_DOWNLOADED, details__format="pdf"
    ).exists()


def test_a_facilitator_sees_their_team_beside_the_organisation(world):
    facilitator = get_user_model().objects.create_user("west", password="a-Long-pass-123")
    add_member(world["organisation"], facilitator, Role.FACILITATOR)
    oost = next(t for t in world["teams"] if t.slug == "demo-oost")
    add_facilitator(oost, facilitator)
    client = client_for(facilitator)
    html = client.get(f"/teams/{oost.slug}/vergelijking/").content.decode()
    assert "Your team" in html and "The organisation" in html
    # Team Oost answered the leader behaviours in Q3, but only three teams did: no comparison.
    assert "Too few teams to compare." in html
    assert html.count('class="gk-bar"') > html.count("Too few teams to compare.")
    for other in world["teams"]:
        if other != oost:
            assert other.name not in html
    # Another team's comparison, or the organisation's page: not found.
    west = next(t for t in world["teams"] if t.slug == "demo-west")
    assert client.get(f"/teams/{west.slug}/vergelijking/").status_code == 404
    assert client.get(PAGE.format(slug=world["organisation"].slug)).status_code == 404


def test_an_administrator_may_read_it_too_another_organisation_may_not(world):
    assert (
        client_for(world["admin"]).get(PAGE.format(slug=world["organisation"].slug)).status_code
        == 200
    )
    stranger = get_user_model().objects.create_user("vreemde", password="a-Long-pass-123")
    assert client_for(stranger).get(PAGE.format(slug=world["organisation"].slug)).status_code == 404

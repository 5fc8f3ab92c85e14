"""The close summary pages, the report downloads and the team history over HTTP."""

import json
import re

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import make_facilitator
from tests.reports import pdfcheck
from tests.reports.builders import closed_gesprek

pytestmark = pytest.mark.django_db


@pytest.fixture
def built():
    return closed_gesprek(people=4, cards=2, threshold=3)


def facilitator_of(gesprek) -> Client:
    client = Client()
    client.force_login(gesprek.created_by)
    client.cookies["gk_language"] = "en"
    return client


def participant_of(gesprek, token) -> Client:
    client = Client()
    client.cookies[f"gk_p_{gesprek.join_code}"] = token
    client.cookies["gk_language"] = "en"
    return client


def report_url(gesprek, extension):
    return reverse("reports:gesprek_report", args=[gesprek.public_id, extension])


def post_forms(html: str) -> list[str]:
    """The action of every POST form on a page."""
    return re.findall(r'<form[^>]*method="post"[^>]*action="([^"]*)"', html) + re.findall(
        r'<form[^>]*action="([^"]*)"[^>]*method="post"', html
    )


ALLOWED_FORMS = {"/taal/", "/uitloggen/"}  # the language switch and logging out


def test_addresses_are_stable():
    uuid = "5f0e5a4e-0000-4000-8000-000000000000"
    assert reverse("reports:gesprek_report", args=[uuid, "pdf"]) == (
        f"/begeleiden/{uuid}/verslag.pdf"
    )
    assert reverse("reports:team_history", args=["team-noord"]) == "/teams/team-noord/geschiedenis/"
    assert reverse("reports:team_history_pdf", args=["team-noord"]) == (
        "/teams/team-noord/geschiedenis.pdf"
    )


@pytest.mark.parametrize(
    ("extension", "content_type", "start"),
    [
        ("pdf", "application/pdf", b"%PDF-"),
        ("html", "text/html; charset=utf-8", b"<!DOCTYPE html>"),
        ("md", "text/markdown; charset=utf-8", b"# Report of the gesprek"),
        ("csv", "text/csv; charset=utf-8", b"section,card,"),
        ("json", "application/json", b"{"),
    ],
)
def test_facilitator_downloads_every_format(built, extension, content_type, start):
    response = facilitator_of(built.gesprek).get(report_url(built.gesprek, extension))
    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    slug, date = built.gesprek.team.slug, f"{built.gesprek.created_at:%Y-%m-%d}"
    assert response["Content-Disposition"] == (
        f'attachment; filename="gesprek-{slug}-{date}.{extension}"'
    )
    assert response.content.startswith(start)


def test_downloads_follow_the_interface_language(built):
    client = facilitator_of(built.gesprek)
    client.cookies["gk_language"] = "nl"
    document = json.loads(client.get(report_url(built.gesprek, "json")).content)
    assert document["language"] == "nl"
    pdf = client.get(report_url(built.gesprek, "pdf")).content
    assert pdfcheck.xmp_value(pdf, "dc:language") == ["nl"]


def test_an_open_gesprek_has_no_report_yet_409():
    built = closed_gesprek(people=3, close=False)
    response = facilitator_of(built.gesprek).get(report_url(built.gesprek, "pdf"))
    assert response.status_code == 409
    assert "This gesprek has not ended yet" in response.content.decode()
    assert response["Content-Type"].startswith("text/html")


def test_unknown_format_is_not_found(built):
    assert facilitator_of(built.gesprek).get(report_url(built.gesprek, "docx")).status_code == 404


def test_only_the_teams_facilitators_get_the_report(built):
    other, _team = make_facilitator()
    client = Client()
    client.force_login(other)
    assert client.get(report_url(built.gesprek, "pdf")).status_code == 404
    anonymous = Client().get(report_url(built.gesprek, "pdf"))
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/inloggen/")
    participant = participant_of(built.gesprek, built.tokens[0])
    assert participant.get(report_url(built.gesprek, "json")).status_code == 302


def test_reports_refuse_writes(built):
    response = facilitator_of(built.gesprek).post(report_url(built.gesprek, "pdf"))
    assert response.status_code == 405


def test_participant_sees_the_summary_without_any_write_control(built):
    url = reverse("meetings:gesprek", args=[built.gesprek.join_code])
    response = participant_of(built.gesprek, built.tokens[1]).get(url)
    html = response.content.decode()
    assert response.status_code == 200
    assert "This gesprek has ended" in html
    for heading in ("Results", "Themes", "Dot votes", "Agreements", "Follow-up"):
        assert f">{heading}</h2>" in html
    assert "Rode draad 1: feedback" in html and "Afspraak 3" in html
    assert "&lt;script&gt;x&lt;/script&gt;" in html
    assert built.hidden_note not in html
    assert set(post_forms(html)) <= ALLOWED_FORMS
    assert "verslag." not in html  # downloads are for facilitators


def test_facilitator_control_page_shows_summary_and_downloads_and_no_write_control(built):
    url = reverse("meetings:control", args=[built.gesprek.public_id])
    html = facilitator_of(built.gesprek).get(url).content.decode()
    for extension in ("pdf", "html", "md", "csv", "json"):
        assert f'href="{report_url(built.gesprek, extension)}"' in html
    assert reverse("reports:team_history", args=[built.gesprek.team.slug]) in html
    assert "Afspraak 2" in html and ">Results</h2>" in html
    assert set(post_forms(html)) <= ALLOWED_FORMS, post_forms(html)
    assert "End the gesprek" not in html and "Join link" not in html


def test_summary_below_k_shows_no_number():
    built = closed_gesprek(people=4, answering=2, cards=1, threshold=3)
    url = reverse("meetings:gesprek", args=[built.gesprek.join_code])
    html = participant_of(built.gesprek, built.tokens[0]).get(url).content.decode()
    assert "Too few answers to show anything (at least 3 are needed)." in html
    assert "gk-report-table" not in html and "gk-bar" not in html
    assert "gk-counts" not in html and "gk-people" not in html and "×" not in html


# --- team history --------------------------------------------------------------------------


def test_team_history_lists_gesprekken_agreements_and_trends(built):
    team = built.gesprek.team
    user = built.gesprek.created_by
    second = closed_gesprek(people=3, cards=1, threshold=3, team=team, user=user)
    open_one = closed_gesprek(people=3, team=team, user=user, close=False)
    response = facilitator_of(built.gesprek).get(reverse("reports:team_history", args=[team.slug]))
    html = response.content.decode()
    assert response.status_code == 200
    assert f"History of {team.name}" in html
    for gesprek in (built.gesprek, second.gesprek):
        assert f'href="{report_url(gesprek, "pdf")}"' in html
    assert report_url(open_one.gesprek, "pdf") not in html
    assert "Discussion" in html  # the open one's step
    assert html.count('role="img"') == 2  # one chart per principle: vertrouwen, dienstbaarheid
    for chart in re.findall(r"<svg[^>]*>", html):
        ids = re.search(r'aria-labelledby="([^"]+)"', chart).group(1).split()
        for element_id in ids:
            assert f'id="{element_id}"' in html
    assert "Trend for Working from trust as a table" in html
    assert reverse("reports:team_history_pdf", args=[team.slug]) in html
    assert set(post_forms(html)) <= ALLOWED_FORMS


def test_team_history_is_for_the_teams_facilitators_only(built):
    url = reverse("reports:team_history", args=[built.gesprek.team.slug])
    other, _team = make_facilitator()
    client = Client()
    client.force_login(other)
    assert client.get(url).status_code == 404
    assert client.get(url.rstrip("/") + ".pdf").status_code == 404
    assert Client().get(url).status_code == 302


def test_team_history_pdf(built):
    url = reverse("reports:team_history_pdf", args=[built.gesprek.team.slug])
    response = facilitator_of(built.gesprek).get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    pdf = response.content
    assert pdfcheck.xmp_value(pdf, "pdfaid:part") == ["2"]
    assert pdfcheck.xmp_value(pdf, "dc:language") == ["en"]
    text = pdfcheck.all_text(pdf)
    assert f"History of {built.gesprek.team.name}" in text
    assert "Working from trust" in text


def test_dashboard_links_to_the_team_history(built):
    html = facilitator_of(built.gesprek).get(reverse("meetings:dashboard")).content.decode()
    assert reverse("reports:team_history", args=[built.gesprek.team.slug]) in html


def test_the_form_check_sees_the_write_controls_of_an_open_gesprek():
    built = closed_gesprek(people=3, close=False)
    url = reverse("meetings:control", args=[built.gesprek.public_id])
    forms = set(post_forms(facilitator_of(built.gesprek).get(url).content.decode()))
    assert reverse("meetings:step", args=[built.gesprek.public_id]) in forms
    assert not forms <= ALLOWED_FORMS

"""The summary of a closed gesprek and its report in every format: what is in it, what is not."""

import csv
import datetime
import io
import json
from importlib import resources

import jsonschema
import pytest
from django.utils import timezone, translation
from pypdf import PdfReader

from gesprekskaarten.agreements import services as agreement_services
from gesprekskaarten.agreements.models import Status
from gesprekskaarten.meetings.results import results_for
from gesprekskaarten.reports.gesprek_report import (
    CSV_COLUMNS,
    FORMATS,
    ReportError,
    md,
    render_report,
)
from gesprekskaarten.reports.summary import build_summary, summary_context
from tests.reports import pdfcheck
from tests.reports.builders import closed_gesprek

pytestmark = pytest.mark.django_db

SCHEMA = json.loads(
    (resources.files("gesprekskaarten.reports") / "schemas" / "gesprek-report-v1.json").read_text()
)


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def built():
    # Four people, all of them answered both cards; k = 3.
    return closed_gesprek(people=4, cards=2, threshold=3)


def report(built, extension, language="en"):
    return render_report(built.gesprek, extension, language)


# --- the summary ---------------------------------------------------------------------------


def test_summary_takes_the_results_with_the_k_rule_from_results_for():
    built = closed_gesprek(people=4, answering=2, cards=1, threshold=3)
    summary = build_summary(built.gesprek, "en")
    assert summary.participants == 4
    assert [row.shown for row in summary.results] == [False]
    assert summary.results[0].totals is None
    assert all(b.counts is None for b in summary.results[0].behaviours)


def test_summary_holds_visible_notes_themes_votes_agreements_and_follow_up(built):
    summary = build_summary(built.gesprek, "en")
    notes = [note for question in summary.questions for note in question.notes]
    assert sorted(notes) == sorted(built.notes)
    assert built.hidden_note not in notes
    assert all(built.hidden_note not in theme.notes for theme in summary.themes)
    assert [theme.name for theme in summary.themes] == [
        "Rode draad 1: feedback",
        "Rode draad 2: feedback",
    ]
    assert len(summary.votes) == 1 and summary.votes[0].shown
    assert [a.what for a in summary.agreements] == [a.what for a in built.agreements]
    assert [a.status for a in summary.agreements] == ["open", "in_progress", "dropped"]
    assert summary.agreements[2].drop_reason == "Past niet meer bij ons werk"
    assert summary.follow_up_on == built.gesprek.follow_up_on
    assert summary.title == str(built.gesprek)


def test_an_agreement_changed_later_shows_as_it_stood_when_the_gesprek_ended(built):
    agreement = built.agreements[0]
    later = timezone.now() + datetime.timedelta(days=10)
    with translation.override("nl"):  # the history keeps the label in the language of the day
        agreement_services.set_status(agreement, built.gesprek.created_by, Status.DONE)
    agreement.changes.filter(field="status").update(changed_at=later)
    agreement.refresh_from_db()
    assert agreement.status == Status.DONE
    assert build_summary(built.gesprek, "en").agreements[0].status == "open"


def test_summary_context_only_for_a_closed_gesprek(built):
    assert summary_context(built.gesprek)["summary"].public_id == str(built.gesprek.public_id)
    open_one = closed_gesprek(people=3, close=False)
    assert summary_context(open_one.gesprek) == {}


# --- every format --------------------------------------------------------------------------


def test_an_open_gesprek_has_no_report():
    built = closed_gesprek(people=3, close=False)
    for extension in FORMATS:
        with pytest.raises(ReportError, match="has not ended yet"):
            render_report(built.gesprek, extension)


def test_an_unknown_format_is_refused(built):
    with pytest.raises(ReportError, match="There is no report as docx"):
        render_report(built.gesprek, "docx")


def test_json_is_valid_against_its_schema_and_matches_the_gesprek(built):
    document = json.loads(report(built, "json"))
    jsonschema.validate(document, SCHEMA, format_checker=jsonschema.FormatChecker())
    assert document["schema_version"] == 1
    gesprek = document["gesprek"]
    assert gesprek["id"] == str(built.gesprek.public_id)
    assert gesprek["participants"] == 4 and gesprek["threshold"] == 3
    assert gesprek["follow_up_on"] == built.gesprek.follow_up_on.isoformat()
    assert [c["slug"] for c in gesprek["cards"]] == ["vertrouwen", "dienstbaarheid"]
    expected = results_for(built.gesprek)
    for card, result in zip(document["results"], expected, strict=True):
        assert card["card"]["slug"] == result.principle.slug
        assert card["totals"]["recognised"] == result.summary.recognised
        for behaviour, counts in zip(card["behaviours"], result.behaviours, strict=True):
            assert behaviour["key"] == counts.behaviour.key
            assert behaviour["counts"]["missing"] == counts.counts.missing
            assert behaviour["counts"]["discuss"] == counts.counts.discuss
    assert [a["what"] for a in document["agreements"]] == [a.what for a in built.agreements]
    assert [a["status"] for a in document["agreements"]] == ["open", "in_progress", "dropped"]
    vote = document["votes"][0]
    assert vote["voters"] == 4 and sum(o["dots"] for o in vote["options"]) == 4 * 3


def test_json_below_k_has_no_numbers_and_still_matches_the_schema():
    built = closed_gesprek(people=4, answering=2, cards=1, threshold=3)
    document = json.loads(render_report(built.gesprek, "json"))
    jsonschema.validate(document, SCHEMA, format_checker=jsonschema.FormatChecker())
    card = document["results"][0]
    assert card["shown"] is False and card["totals"] is None
    assert all(b["counts"] is None for b in card["behaviours"])


def test_json_schema_refuses_an_individual_field(built):
    document = json.loads(report(built, "json"))
    document["results"][0]["behaviours"][0]["participant"] = "abc"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(document, SCHEMA)


def test_csv_parses_into_results_then_agreements(built):
    rows = list(csv.DictReader(io.StringIO(report(built, "csv").decode())))
    assert list(rows[0]) == CSV_COLUMNS
    sections = [row["section"] for row in rows]
    first_agreement = sections.index("agreement")
    assert set(sections[:first_agreement]) == {"card", "behaviour"}
    assert set(sections[first_agreement:]) == {"agreement"}
    expected = results_for(built.gesprek)
    cards = [row for row in rows if row["section"] == "card"]
    assert [row["card"] for row in cards] == [r.principle.slug for r in expected]
    assert int(cards[0]["recognised"]) == expected[0].summary.recognised
    behaviours = [row for row in rows if row["section"] == "behaviour"]
    flat = [b for r in expected for b in r.behaviours]
    assert len(behaviours) == len(flat)
    for row, result in zip(behaviours, flat, strict=True):
        assert row["behaviour"] == result.behaviour.key
        assert int(row["unsure"]) == result.counts.unsure
    agreements = [row for row in rows if row["section"] == "agreement"]
    assert [row["status"] for row in agreements] == ["open", "in_progress", "dropped"]
    assert agreements[0]["who"] == "Iedereen"
    assert agreements[0]["what"] == built.agreements[0].what  # starts with a letter: as typed
    assert agreements[2]["drop_reason"] == "Past niet meer bij ons werk"
    assert agreements[1]["principles"] == "vertrouwen dienstbaarheid"


def test_csv_neutralises_formulas_typed_into_agreements(built):
    agreement = built.agreements[0]
    agreement.what = '=HYPERLINK("http://x")'
    agreement.who = "@team"
    agreement.save()
    rows = list(csv.DictReader(io.StringIO(report(built, "csv").decode())))
    first = next(row for row in rows if row["section"] == "agreement")
    assert first["what"] == '\'=HYPERLINK("http://x")' and first["who"] == "'@team"


def test_csv_below_k_leaves_the_numbers_empty():
    built = closed_gesprek(people=4, answering=2, cards=1, threshold=3)
    rows = list(csv.DictReader(io.StringIO(render_report(built.gesprek, "csv").decode())))
    results = [row for row in rows if row["section"] in ("card", "behaviour")]
    assert results and all(row["shown"] == "false" for row in results)
    assert all(row["recognised"] == row["respondents"] == "" for row in results)


def test_markdown_holds_every_agreement_and_shows_typed_markup_as_text(built):
    text = report(built, "md").decode()
    for agreement in built.agreements:
        assert md(agreement.what) in text
    assert "\\<script\\>x\\</script\\>" in text and "<script>" not in text
    assert "\\<b\\>vragen\\</b\\>" in text and "\\*dat\\*" in text
    assert "## Agreements" in text and "## Follow-up" in text
    assert "Status when the gesprek ended:** Dropped" in text


@pytest.mark.parametrize(
    ("typed", "shown"),
    [
        ("- a list?", "\\- a list?"),
        ("1. a number", "1\\. a number"),
        ("# heading", "\\# heading"),
        ("[link](http://x)", "\\[link\\](http://x)"),
        ("a | b", "a \\| b"),
        ("line\nbreak", "line break"),
        ("&amp; stays", "\\&amp; stays"),
        ("Gewoon (zo) - ok", "Gewoon (zo) - ok"),
    ],
)
def test_markdown_escapes_what_would_become_markup(typed, shown):
    assert md(typed) == shown


def test_html_is_a_page_of_its_own_with_typed_text_escaped(built):
    html = report(built, "html").decode()
    assert html.startswith("<!DOCTYPE html>") and '<html lang="en">' in html
    assert "<style>" in html and "<link" not in html and "<script" not in html.lower()
    assert "&lt;script&gt;x&lt;/script&gt;" in html
    assert "&lt;b&gt;vragen&lt;/b&gt;" in html
    assert "Afspraak 3" in html and built.hidden_note not in html


def test_pdf_declares_pdf_a_2_the_language_and_its_metadata(built):
    pdf = report(built, "pdf", "nl")
    assert pdfcheck.xmp_value(pdf, "pdfaid:part") == ["2"]
    assert pdfcheck.xmp_value(pdf, "pdfaid:conformance") == ["A"]
    assert pdfcheck.xmp_value(pdf, "pdfuaid:part") == ["1"]
    assert pdfcheck.xmp_value(pdf, "dc:language") == ["nl"]
    reader = PdfReader(io.BytesIO(pdf))
    assert reader.trailer["/Root"]["/Lang"] == "nl"
    assert "/StructTreeRoot" in reader.trailer["/Root"]  # tagged
    assert str(built.gesprek) in reader.metadata.title
    assert reader.metadata.author == built.gesprek.team.name
    assert all(font["embedded"] for font in pdfcheck.fonts(pdf))
    text = pdfcheck.all_text(pdf)
    for agreement in built.agreements:
        assert pdfcheck.normalise(agreement.what) in text
    assert built.hidden_note not in text


def test_pdf_is_the_same_every_time(built):
    assert report(built, "pdf") == report(built, "pdf")


def test_the_report_language_follows_the_choice(built):
    assert "Werken vanuit vertrouwen" in report(built, "md", "nl").decode()
    assert "Werken vanuit vertrouwen" not in report(built, "md", "en").decode()
    english = json.loads(report(built, "json", "en"))
    dutch = json.loads(report(built, "json", "nl"))
    assert english["language"] == "en" and dutch["language"] == "nl"
    assert english["results"][0]["card"]["title"] == "Working from trust"
    assert dutch["results"][0]["card"]["title"] == "Werken vanuit vertrouwen"


def test_hidden_vote_results_show_no_numbers():
    built = closed_gesprek(people=2, cards=1, threshold=3)
    document = json.loads(render_report(built.gesprek, "json"))
    assert document["votes"] == [
        {"dots_per_person": 3, "shown": False, "voters": None, "options": None}
    ]
    assert "Too few people voted" in render_report(built.gesprek, "md").decode()


def test_report_of_a_gesprek_without_discussion_still_works():
    built = closed_gesprek(people=3, notes=0, themes=0, agreements=0)
    text = render_report(built.gesprek, "md").decode()
    assert "No notes." in text and "No themes were made." in text
    assert "No agreements were made." in text
    assert render_report(built.gesprek, "pdf").startswith(b"%PDF-")

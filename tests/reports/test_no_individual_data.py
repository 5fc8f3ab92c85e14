"""No report, export or summary page reveals an individual: every output of a gesprek with
named participants, notes, dots and answers is searched for what could point at one person."""

import json
from importlib import resources

import jsonschema
import pytest
from django.test import Client
from django.urls import reverse

from gesprekskaarten.reports.gesprek_report import FORMATS, render_report
from gesprekskaarten.reports.history import build_history, render_history_pdf
from tests.reports import pdfcheck
from tests.reports.builders import closed_gesprek

pytestmark = pytest.mark.django_db

SCHEMA = json.loads(
    (resources.files("gesprekskaarten.reports") / "schemas" / "gesprek-report-v1.json").read_text()
)


def as_text(name: str, data: bytes) -> str:
    """What a reader of the file can see: the PDF's text and metadata, the others as they are."""
    if name.endswith(".pdf"):
        metadata = " ".join(
            " ".join(pdfcheck.xmp_value(data, key)) for key in ("dc:title", "dc:language")
        )
        return pdfcheck.all_text(data) + " " + metadata
    return data.decode()


def every_output(gesprek) -> dict[str, str]:
    """Every report format in both languages, the team history (page and PDF) and the closed
    pages of a participant and of the facilitator."""
    outputs = {}
    for language in ("nl", "en"):
        for extension in FORMATS:
            name = f"report-{language}.{extension}"
            outputs[name] = as_text(name, render_report(gesprek, extension, language))
        history = render_history_pdf(build_history(gesprek.team, language))
        outputs[f"history-{language}.pdf"] = as_text("history.pdf", history)
    facilitator = Client()
    facilitator.force_login(gesprek.created_by)
    for name, url in {
        "control.html": reverse("meetings:control", args=[gesprek.public_id]),
        "history.html": reverse("reports:team_history", args=[gesprek.team.slug]),
        "history-download.pdf": reverse("reports:team_history_pdf", args=[gesprek.team.slug]),
        "download.json": reverse("reports:gesprek_report", args=[gesprek.public_id, "json"]),
    }.items():
        response = facilitator.get(url)
        assert response.status_code == 200, name
        outputs[name] = as_text(name, response.content)
    return outputs


def test_no_output_holds_a_token_a_hash_or_a_hidden_note():
    built = closed_gesprek(people=5, cards=2, threshold=3, notes=8)
    participant = Client()
    participant.cookies[f"gk_p_{built.gesprek.join_code}"] = built.tokens[0]
    outputs = every_output(built.gesprek)
    page = participant.get(reverse("meetings:gesprek", args=[built.gesprek.join_code]))
    outputs["participant.html"] = page.content.decode()
    assert "Dit gesprek is afgelopen" in outputs["participant.html"]
    secrets = [*built.tokens, *built.token_hashes, built.hidden_note]
    for name, text in outputs.items():
        assert len(text) > 500, f"{name} is not the output it should be"
        for secret in secrets:
            assert secret not in text, f"{secret!r} found in {name}"
        visible = text.lower().replace("csrfmiddlewaretoken", "")  # the forms' CSRF field
        for word in ("token", "participant_id", "author"):
            assert word not in visible, f"{word!r} found in {name}"


def test_json_holds_nothing_beyond_its_schema():
    built = closed_gesprek(people=4, cards=2, threshold=3)
    document = json.loads(render_report(built.gesprek, "json"))
    # additionalProperties is false everywhere: no participant id or per-person field can slip in
    jsonschema.validate(document, SCHEMA)
    keys = set()

    def collect(value):
        if isinstance(value, dict):
            keys.update(value)
            for item in value.values():
                collect(item)
        elif isinstance(value, list):
            for item in value:
                collect(item)

    collect(document)
    assert "participants" in keys  # only how many joined
    assert not keys & {"participant", "participant_id", "author", "token", "name_of", "voter"}
    assert not [key for key in keys if key.endswith("_id") or key == "pk"]


def test_below_k_no_output_holds_a_count_that_could_be_one_persons():
    """Two of four people answered (k = 3): their answers must not be reconstructable from any
    output, so no behaviour count or card total appears anywhere."""
    built = closed_gesprek(people=4, answering=2, cards=2, threshold=3)
    outputs = every_output(built.gesprek)
    document = json.loads(render_report(built.gesprek, "json"))
    assert all(card["totals"] is None for card in document["results"])
    assert all(b["counts"] is None for card in document["results"] for b in card["behaviours"])
    for language in ("nl", "en"):
        markdown = outputs[f"report-{language}.md"]
        assert "| ---" not in markdown  # no table of counts
        assert "×" not in markdown  # no "n × I see this" totals
        csv_rows = outputs[f"report-{language}.csv"].splitlines()
        results = [row for row in csv_rows if row.startswith(("card,", "behaviour,"))]
        assert results and all(",false,,,,,," in row for row in results)
        html = outputs[f"report-{language}.html"]
        assert '<table class="gk-table gk-report-table">' not in html
        assert '<svg class="gk-bar"' not in html
        for counted in ('class="gk-counts"', 'class="gk-result-list', "gk-people", "gk-answers"):
            assert counted not in html, counted
        pdf = outputs[f"report-{language}.pdf"]
        assert "×" not in pdf
    assert "gk-report-table" not in outputs["control.html"]
    assert "gk-counts" not in outputs["control.html"] and "gk-people" not in outputs["control.html"]
    history = build_history(built.gesprek.team, "en")
    assert all(point.share is None for trend in history.trends for point in trend.points)
    assert 'class="gk-trend__dot"' not in outputs["history.html"]

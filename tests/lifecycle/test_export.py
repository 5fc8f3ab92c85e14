"""The archive of a team or an organisation: a ZIP whose archive.json follows its published
schema, with a readable PDF/A report of each ended gesprek; only what the reports show (nothing
individual); made with memory that does not grow with the number of gesprekken; logged."""

import asyncio
import gc
import io
import json
import tracemalloc
import zipfile

import jsonschema
import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from pypdf import PdfReader
from referencing import Registry, Resource

from gesprekskaarten.audit.models import Action, AuditEvent
from gesprekskaarten.cli import main
from gesprekskaarten.lifecycle import archive
from gesprekskaarten.meetings import services as meetings
from gesprekskaarten.organisations.models import Role
from gesprekskaarten.organisations.services import add_member
from gesprekskaarten.reports.document import SCHEMA_VERSION
from gesprekskaarten.reports.gesprek_report import render_report
from gesprekskaarten.teams.services import create_team
from tests.factories import make_facilitator, make_gesprek
from tests.lifecycle.test_deletion import stored_files
from tests.reports import pdfcheck
from tests.reports.builders import closed_gesprek

pytestmark = pytest.mark.django_db

REPORT_SCHEMA = (
    archive.SCHEMA_FILE.parent.parent.parent / "reports" / "schemas" / "gesprek-report-v1.json"
)


def validator() -> jsonschema.Draft202012Validator:
    report = json.loads(REPORT_SCHEMA.read_text(encoding="utf-8"))
    registry = Registry().with_resource(report["$id"], Resource.from_contents(report))
    schema = json.loads(archive.SCHEMA_FILE.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(
        schema, registry=registry, format_checker=jsonschema.FormatChecker()
    )


def check_archive(data: bytes) -> tuple[dict, zipfile.ZipFile]:
    """Valid ZIP, valid archive.json, every named PDF present and readable as PDF/A."""
    zipped = zipfile.ZipFile(io.BytesIO(data))
    assert zipped.testzip() is None
    document = json.loads(zipped.read("archive.json"))
    errors = sorted(validator().iter_errors(document), key=lambda e: list(e.path))
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors[:5]]
    named = {g["pdf"] for team in document["teams"] for g in team["gesprekken"]}
    assert named == {name for name in zipped.namelist() if name.endswith(".pdf")}
    for name in named:
        reader = PdfReader(io.BytesIO(zipped.read(name)))
        assert len(reader.pages) >= 1
        metadata = reader.trailer["/Root"]["/Metadata"].get_object().get_data()
        assert b"pdfaid:part" in metadata  # PDF/A, as the reports app makes them
    return document, zipped


@pytest.fixture
def team_world():
    """A team with two ended gesprekken (one with too few people for numbers) and a live one;
    its organisation's administrator."""
    facilitator, team = make_facilitator("facilitator", "Het team")
    rich = closed_gesprek(people=4, team=team, user=facilitator, agreements=3)
    small = closed_gesprek(people=2, threshold=3, team=team, user=facilitator, agreements=1)
    live = make_gesprek(team=team, user=facilitator, step="marking")
    live_participant, live_token = meetings.join(live)
    administrator = get_user_model().objects.create_user("beheerder", password="a-Long-pass-1")
    add_member(team.organisation, administrator, Role.ADMIN)
    return {
        "team": team,
        "rich": rich,
        "small": small,
        "live": live,
        "live_token": live_token,
        "administrator": administrator,
    }


def test_team_archive_download_follows_the_schema_with_readable_pdfs(team_world):
    team, rich, small = team_world["team"], team_world["rich"], team_world["small"]
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(team_world["administrator"])
    files_before = stored_files()
    response = client.get(f"/teams/{team.slug}/archief.zip")
    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"] == "application/zip"
    assert f'filename="archief-team-{team.slug}-' in response["Content-Disposition"]
    data = b"".join(response.streaming_content)
    document, zipped = check_archive(data)

    assert document["kind"] == "team" and document["language"] == "en"
    [exported] = document["teams"]
    assert exported["slug"] == team.slug
    assert exported["gesprekken_not_ended"] == 1  # the live one has no report yet
    ids = [g["report"]["gesprek"]["id"] for g in exported["gesprekken"]]
    assert sorted(ids) == sorted([str(rich.gesprek.public_id), str(small.gesprek.public_id)])
    # Each gesprek is exactly its report's JSON, and its PDF says the same.
    for entry in exported["gesprekken"]:
        assert entry["report"]["schema_version"] == SCHEMA_VERSION
        gesprek = (
            rich.gesprek
            if str(rich.gesprek.public_id) == entry["report"]["gesprek"]["id"]
            else small.gesprek
        )
        assert entry["report"] == json.loads(render_report(gesprek, "json", "en"))
        text = pdfcheck.all_text(zipped.read(entry["pdf"]))
        assert team.name in text
    # The agreements of the team, each with its history (created, and status changes).
    assert len(exported["agreements"]) == 4
    first = exported["agreements"][0]
    assert first["history"][0]["field"] == "created"
    assert first["history"][0]["changed_by"] == "facilitator"
    assert any(len(a["history"]) > 1 for a in exported["agreements"])

    # Nothing individual: no token, no hidden note, no numbers of the small gesprek.
    text = zipped.read("archive.json").decode()
    for token in rich.tokens + small.tokens + [team_world["live_token"]]:
        assert token not in text
    for hash_ in rich.token_hashes + small.token_hashes:
        assert hash_ not in text
    assert rich.hidden_note not in text
    small_entry = next(
        g
        for g in exported["gesprekken"]
        if g["report"]["gesprek"]["id"] == str(small.gesprek.public_id)
    )
    assert all(row["totals"] is None for row in small_entry["report"]["results"])
    # No file is left in the file store.
    assert stored_files() == files_before

    record = AuditEvent.objects.get(action=Action.EXPORT_DOWNLOADED)
    assert record.actor == team_world["administrator"]
    assert record.organisation == team.organisation and record.target == team.name


def test_organisation_archive_holds_every_team(team_world):
    organisation = team_world["team"].organisation
    empty = create_team("Leeg team", organisation=organisation)
    client = Client()
    client.force_login(team_world["administrator"])
    response = client.get(f"/organisatie/{organisation.slug}/archief.zip")
    assert response.status_code == 200
    document, _zipped = check_archive(b"".join(response.streaming_content))
    assert document["kind"] == "organisation" and document["language"] == "nl"
    assert [team["slug"] for team in document["teams"]] == [team_world["team"].slug, empty.slug]
    assert document["teams"][1]["gesprekken"] == [] and document["teams"][1]["agreements"] == []
    record = AuditEvent.objects.get(action=Action.EXPORT_DOWNLOADED)
    assert record.target == organisation.name


def test_the_asgi_stream_makes_each_chunk_on_one_thread_of_its_own():
    """Under ASGI the download is an asynchronous iterator (Django would gather a synchronous
    one in memory first): each chunk is made on one thread of the download's own, and the
    chunks are closed at the end, also when the client goes away halfway."""
    import threading

    made_on, closed = [], []

    def chunks(count):
        try:
            for number in range(count):
                made_on.append(threading.get_ident())
                yield b"%d" % number
        finally:
            closed.append(threading.get_ident())

    async def collect(count, stop_after=None):
        parts = []
        stream = archive.in_own_thread(chunks(count))
        async for part in stream:
            parts.append(part)
            if stop_after and len(parts) == stop_after:
                await stream.aclose()
                break
        return parts

    assert asyncio.run(collect(5)) == [b"0", b"1", b"2", b"3", b"4"]
    assert len(set(made_on)) == 1 and threading.get_ident() not in made_on
    assert closed == made_on[:1]
    made_on.clear(), closed.clear()
    assert asyncio.run(collect(5, stop_after=2)) == [b"0", b"1"]
    assert len(closed) == 1  # the generator was closed, on its own thread


def test_memory_does_not_grow_with_the_number_of_gesprekken():
    """Peak memory while writing the archive of 3 and of 15 ended gesprekken: the difference
    stays far below what keeping the extra PDFs (or their JSON) would take. Garbage is
    collected after each chunk, so what is measured is what the export holds on to."""
    facilitator, team = make_facilitator()

    def add_gesprekken(count):
        for _ in range(count):
            gesprek = make_gesprek(team=team, user=facilitator)
            meetings.set_step(gesprek, "closed")

    def peak() -> tuple[int, int]:
        gc.collect()
        tracemalloc.start()
        try:
            size = 0
            for chunk in archive.team_archive(team, "nl"):
                size += len(chunk)
                del chunk
                gc.collect()
            return tracemalloc.get_traced_memory()[1], size
        finally:
            tracemalloc.stop()

    add_gesprekken(3)
    peak()  # warm up: templates, fonts and translations load once
    small_peak, small_size = peak()
    add_gesprekken(12)
    large_peak, large_size = peak()
    extra_output = large_size - small_size
    assert extra_output > 12 * 10_000  # the extra gesprekken really made PDFs
    # Kept in memory, the extra output would add at least `extra_output`; allow a fifth of it
    # (the ZIP's table of contents grows a little per gesprek).
    assert large_peak - small_peak < extra_output / 5, (small_peak, large_peak, extra_output)


def test_cli_export_writes_the_archive_and_logs_the_system(team_world, tmp_path, capsys):
    team = team_world["team"]
    output = tmp_path / "archief.zip"
    assert main(["team", "export", team.slug, "-o", str(output), "--lang", "en"]) == 0
    assert "Wrote" in capsys.readouterr().out
    document, _zipped = check_archive(output.read_bytes())
    assert document["language"] == "en" and len(document["teams"][0]["gesprekken"]) == 2
    assert list(tmp_path.iterdir()) == [output]  # no temporary file left behind
    record = AuditEvent.objects.get(action=Action.EXPORT_DOWNLOADED)
    assert record.actor is None and record.actor_label == "system"

    org_output = tmp_path / "organisatie.zip"
    assert main(["org", "export", team.organisation.slug, "-o", str(org_output)]) == 0
    assert check_archive(org_output.read_bytes())[0]["kind"] == "organisation"
    assert main(["team", "export", team.slug, "-o", str(tmp_path / "archief.txt")]) == 1
    assert "ending in .zip" in capsys.readouterr().err
    assert main(["team", "export", "bestaat-niet", "-o", str(output)]) == 1
    assert main(["team", "export", team.slug, "-o", str(tmp_path / "nope" / "a.zip")]) == 1
    assert "Cannot write" in capsys.readouterr().err

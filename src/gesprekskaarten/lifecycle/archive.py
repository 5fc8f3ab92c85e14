"""A team's or an organisation's complete archive as one ZIP: `archive.json` (schema
`schemas/archive-v1.json`, docs/archive-format.md) and the PDF/A report of each ended gesprek.

Only what the reports already show leaves: each gesprek is the report's own JSON document
(reports/document.py, through the anonymity rules of reports/summary.py) and its PDF, made by
the reports app; the agreements with their recorded history belong to the team. Nothing here
reads an answer, a note or a participant itself.

Bounded memory whatever the number of gesprekken: the ZIP is written as a stream (entries with
data descriptors, no seeking), one gesprek at a time, and handed on in chunks as it grows. The
JSON text of the gesprekken waits in an anonymous temporary file (under GK_VAR_DIR, removed by
the operating system as soon as it is closed, also after a crash) until `archive.json` is
written, after the PDFs. Only the ZIP's table of contents (about 100 bytes per file) grows.
"""

import asyncio
import io
import json
import os
import tempfile
import zipfile
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from django.conf import settings
from django.db import connections
from django.utils import timezone, translation

from gesprekskaarten.agreements.models import Agreement
from gesprekskaarten.decks.models import localized
from gesprekskaarten.meetings.models import Gesprek, Step, team_may_keep
from gesprekskaarten.reports.document import report_document
from gesprekskaarten.reports.gesprek_report import render_pdf
from gesprekskaarten.reports.summary import build_summary
from gesprekskaarten.teams.models import Team

SCHEMA_VERSION = 1
SCHEMA_FILE = Path(__file__).resolve().parent / "schemas" / "archive-v1.json"
ARCHIVE_JSON = "archive.json"
COPY_BLOCK = 64 * 1024


class _Sink(io.RawIOBase):
    """Where the ZIP is written: collects the bytes until they are taken. Not seekable, so
    zipfile writes each entry's sizes after its data (a data descriptor)."""

    def __init__(self):
        self._chunks: list[bytes] = []
        self._position = 0

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self._chunks.append(bytes(data))
        self._position += len(data)
        return len(data)

    def tell(self) -> int:
        return self._position

    def take(self) -> bytes:
        data = b"".join(self._chunks)
        self._chunks.clear()
        return data


def _iso(value) -> str | None:
    return value.isoformat() if value else None


def _account(user) -> str | None:
    """A facilitator account as the agreement's history page names it."""
    if user is None:
        return None
    return user.get_full_name() or user.get_username()


def agreement_document(agreement: Agreement, language: str) -> dict:
    """One agreement of the team as it stands now, with every recorded change."""
    fallback = agreement.gesprek.deck_version.default_language
    return {
        "what": agreement.what,
        "who": agreement.who,
        "due_on": _iso(agreement.due_on),
        "status": agreement.status,
        "drop_reason": agreement.drop_reason,
        "created_at": agreement.created_at.isoformat(),
        "gesprek": str(agreement.gesprek.public_id),
        "theme": agreement.theme.name if agreement.theme else "",
        "principles": [
            {"slug": p.slug, "title": localized(p.title, language, fallback)}
            for p in sorted(agreement.principles.all(), key=lambda p: p.order)
        ],
        "behaviours": [
            localized(b.text, language, fallback)
            for b in sorted(agreement.behaviours.all(), key=lambda b: (b.principle_id, b.order))
        ],
        "history": [
            {
                "changed_at": change.changed_at.isoformat(),
                "changed_by": _account(change.changed_by),
                "gesprek": str(change.gesprek.public_id) if change.gesprek else None,
                "field": change.field,
                "old_value": change.old_value,
                "new_value": change.new_value,
            }
            for change in agreement.changes.all()
        ],
    }


def _dumps(value) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()


def pdf_name(gesprek: Gesprek) -> str:
    return f"reports/{gesprek.team.slug}/{gesprek.created_at:%Y-%m-%d}-{gesprek.public_id}.pdf"


def _ended_ids(team: Team) -> list[int]:
    """Only ids are held: one gesprek is loaded at a time."""
    return list(
        Gesprek.objects.filter(team=team, step=Step.CLOSED)
        .filter(team_may_keep())
        .order_by("created_at", "pk")
        .values_list("pk", flat=True)
    )


def _team_chunks(archive: zipfile.ZipFile, sink: _Sink, json_out, team: Team, language: str):
    """Write the team's PDFs into the ZIP (yielding the bytes as they come) and the team's
    part of archive.json into `json_out`."""
    not_ended = (
        Gesprek.objects.filter(team=team).filter(team_may_keep()).exclude(step=Step.CLOSED).count()
    )
    head = {
        "name": team.name,
        "slug": team.slug,
        "created_at": team.created_at.isoformat(),
        "archived_at": _iso(team.archived_at),
        "gesprekken_not_ended": not_ended,
    }
    json_out.write(_dumps(head)[:-1] + b',"gesprekken":[')
    for number, pk in enumerate(_ended_ids(team)):
        gesprek = Gesprek.objects.select_related("team", "deck_version__deck").get(pk=pk)
        summary = build_summary(gesprek, language)
        with translation.override(summary.language):
            document = report_document(summary)
            pdf = render_pdf(summary)
        name = pdf_name(gesprek)
        info = zipfile.ZipInfo(name, _zip_time(gesprek.closed_at))
        info.compress_type = zipfile.ZIP_DEFLATED
        archive.writestr(info, pdf)
        del pdf
        json_out.write((b"," if number else b"") + _dumps({"report": document, "pdf": name}))
        yield sink.take()
    json_out.write(b'],"agreements":[')
    agreement_ids = list(
        Agreement.objects.filter(team=team)
        .order_by("created_at", "pk")
        .values_list("pk", flat=True)
    )
    for number, pk in enumerate(agreement_ids):
        agreement = (
            Agreement.objects.select_related("gesprek__deck_version", "theme")
            .prefetch_related("principles", "behaviours", "changes__changed_by", "changes__gesprek")
            .get(pk=pk)
        )
        json_out.write((b"," if number else b"") + _dumps(agreement_document(agreement, language)))
    json_out.write(b"]}")


def _zip_time(moment) -> tuple:
    local = timezone.localtime(moment or timezone.now())
    return (max(local.year, 1980), local.month, local.day, local.hour, local.minute, local.second)


def archive_chunks(organisation, teams, *, kind: str, language: str) -> Iterator[bytes]:
    """The ZIP, chunk by chunk. `kind` is "team" or "organisation"; `teams` a queryset."""
    chunks = _chunks(organisation, teams, kind, language)
    try:
        for chunk in chunks:
            if chunk:
                yield chunk
    finally:
        chunks.close()


def _chunks(organisation, teams, kind: str, language: str) -> Iterator[bytes]:
    sink = _Sink()
    var_dir = Path(settings.VAR_DIR)
    var_dir.mkdir(parents=True, exist_ok=True)
    made_at = timezone.now()
    with (
        translation.override(language),
        tempfile.TemporaryFile(dir=var_dir, prefix=".archive-") as json_out,
        zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_DEFLATED) as archive,
    ):
        team_ids = list(teams.order_by("name", "pk").values_list("pk", flat=True))
        for number, pk in enumerate(team_ids):
            if number:
                json_out.write(b",")
            yield from _team_chunks(archive, sink, json_out, Team.objects.get(pk=pk), language)
        head = {
            "schema_version": SCHEMA_VERSION,
            "kind": kind,
            "made_at": made_at.isoformat(),
            "language": language,
            "organisation": {"name": organisation.name, "slug": organisation.slug},
        }
        info = zipfile.ZipInfo(ARCHIVE_JSON, _zip_time(made_at))
        info.compress_type = zipfile.ZIP_DEFLATED
        with archive.open(info, "w", force_zip64=True) as entry:
            entry.write(_dumps(head)[:-1] + b',"teams":[')
            json_out.seek(0)
            while block := json_out.read(COPY_BLOCK):
                entry.write(block)
                yield sink.take()
            entry.write(b"]}\n")
    yield sink.take()  # the table of contents, written when the ZIP closes


def team_archive(team: Team, language: str) -> Iterator[bytes]:
    return archive_chunks(
        team.organisation, Team.objects.filter(pk=team.pk), kind="team", language=language
    )


def organisation_archive(organisation, language: str) -> Iterator[bytes]:
    return archive_chunks(
        organisation,
        Team.objects.filter(organisation=organisation),
        kind="organisation",
        language=language,
    )


def archive_filename(kind: str, slug: str) -> str:
    day = timezone.localdate().isoformat()
    prefix = "archief-organisatie" if kind == "organisation" else "archief-team"
    return f"{prefix}-{slug}-{day}.zip"


def write_archive(chunks: Iterator[bytes], path: str | Path) -> int:
    """Write the chunks to `path` through a temporary file next to it: a failure leaves no
    half archive behind. Returns the size in bytes."""
    path = Path(path)
    size = 0
    with tempfile.NamedTemporaryFile(dir=path.parent, prefix=f".{path.name}.", delete=False) as out:
        try:
            for chunk in chunks:
                out.write(chunk)
                size += len(chunk)
            out.flush()
        except BaseException:
            out.close()
            Path(out.name).unlink(missing_ok=True)
            raise
    os.replace(out.name, path)
    return size


async def in_own_thread(chunks: Iterator[bytes]) -> AsyncIterator[bytes]:
    """The chunks for an ASGI server, without gathering them first (Django would collect a
    synchronous iterator in memory): each is made on one thread of this download's own, which
    holds the download's database connection and closes it at the end."""
    loop = asyncio.get_running_loop()
    executor = ThreadPoolExecutor(1, thread_name_prefix="gk-archive")
    try:
        while True:
            chunk = await loop.run_in_executor(executor, next, chunks, None)
            if chunk is None:
                return
            yield chunk
    finally:
        await loop.run_in_executor(executor, _close, chunks)
        executor.shutdown(wait=False)


def _close(chunks) -> None:
    try:
        close = getattr(chunks, "close", None)
        if close is not None:
            close()
    finally:
        connections.close_all()

"""The report of a closed gesprek in five formats: HTML, PDF (PDF/A-2a), Markdown, CSV and JSON.

Every format is made from one `Summary` (summary.py), so they all show the same things and
nothing the anonymity rules keep back. JSON is the complete, machine-readable export; the
layouts of JSON and CSV are described in docs/report-format.md.
"""

import csv
import io
import json
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass

import typst
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from gesprekskaarten.meetings.models import Gesprek

from . import labels as text
from .document import COUNT_FIELDS, report_document
from .pdf_text import PdfText, replaced_note, strip_bidi_controls
from .summary import Summary, build_summary
from .typst_pdf import compile_pdf

logger = logging.getLogger(__name__)


class ReportError(ValueError):
    """No report can be made as asked; the message is meant for the person."""


@dataclass(frozen=True)
class Format:
    extension: str
    content_type: str
    name: str  # for people, e.g. in the list of downloads


FORMATS = {
    f.extension: f
    for f in (
        Format("pdf", "application/pdf", "PDF"),
        Format("html", "text/html; charset=utf-8", "HTML"),
        Format("md", "text/markdown; charset=utf-8", "Markdown"),
        Format("csv", "text/csv; charset=utf-8", "CSV"),
        Format("json", "application/json", "JSON"),
    )
}


def check_closed(gesprek: Gesprek) -> None:
    if not gesprek.is_closed:
        raise ReportError(
            _("This gesprek has not ended yet. A report is made once the gesprek has ended.")
        )


def render_report(gesprek: Gesprek, extension: str, language: str | None = None) -> bytes:
    """The report of a closed gesprek as bytes; raises ReportError for an open gesprek or an
    unknown format. `language` defaults to the active language."""
    if extension not in FORMATS:
        raise ReportError(
            _("There is no report as %(format)s. Choose from: %(formats)s.")
            % {"format": extension or "?", "formats": ", ".join(FORMATS)}
        )
    check_closed(gesprek)
    summary = build_summary(gesprek, language)
    with translation.override(summary.language):
        return RENDERERS[extension](summary)


def report_filename(gesprek: Gesprek, extension: str) -> str:
    return f"gesprek-{gesprek.team.slug}-{gesprek.created_at:%Y-%m-%d}.{extension}"


# --- JSON and HTML -------------------------------------------------------------------------


def render_json(summary: Summary) -> bytes:
    document = report_document(summary)
    return (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode()


def render_html(summary: Summary) -> bytes:
    """A page of its own that works offline: its styles are inside, it loads nothing."""
    return render_to_string("reports/gesprek_report.html", {"summary": summary}).encode()


# --- what Markdown and PDF lay out ---------------------------------------------------------


def report_view(summary: Summary, typed: Callable[[str], str] = str) -> dict:
    """The summary as texts in the active language, in reading order, for Markdown and PDF.

    `typed` is applied to every text a person typed or a deck holds, before it is put next to
    other text; the PDF isolates each such text for the bidi algorithm (pdf_text.py).
    """
    label = text.report_labels()
    facts = [
        (label["team"], typed(summary.team_name)),
        (label["date"], text.long_date(summary.date)),
        (label["cards"], ", ".join(typed(card.title) for card in summary.cards)),
        (label["deck"], f"{typed(summary.deck_title)} ({typed(summary.deck_version_label)})"),
        (label["behaviours"], str(summary.audience_label)),
        (label["participants"], str(summary.participants)),
        (label["threshold"], str(summary.threshold)),
    ]
    cards = []
    for row in summary.results:
        totals = row.totals
        cards.append(
            {
                "title": typed(row.card.title),
                "summary": text.card_totals(totals)
                if totals
                else text.card_too_few(summary.threshold),
                "segments": _segments(totals) if totals else [],
                "rows": [
                    {
                        "text": typed(b.text),
                        "leaders": b.audience == "leaders",
                        "counts": [getattr(b.counts, name) for name in COUNT_FIELDS[1:]]
                        if b.counts
                        else None,
                    }
                    for b in row.behaviours
                ]
                if totals
                else [],
            }
        )
    votes = []
    for number, result in enumerate(summary.votes, start=1):
        options = None
        if result.shown:
            options = [
                f"{typed(o.text)} — {text.dots(o.dots)}"
                + (f" ({label['shared_place']})" if o.tied else "")
                for o in result.options
            ]
        votes.append(
            {
                "title": text.vote_heading(number),
                "intro": text.vote_intro(result.vote.dots, result.voters if result.shown else None),
                "options": options,
                "hidden": "" if result.shown else text.vote_too_few(summary.threshold),
            }
        )
    agreements = []
    for a in summary.agreements:
        details = []
        if a.drop_reason:
            details.append((label["drop_reason"], typed(a.drop_reason)))
        if a.theme:
            details.append((label["from_theme"], typed(a.theme)))
        if a.principles:
            details.append((label["principles"], ", ".join(typed(c.title) for c in a.principles)))
        if a.behaviours:
            details.append((label["behaviours"], "; ".join(typed(b) for b in a.behaviours)))
        agreements.append(
            {
                "what": typed(a.what),
                "who": typed(a.who),
                "due_on": text.long_date(a.due_on),
                "status": str(a.status_label),
                "details": details,
            }
        )
    return {
        "lang": summary.language,
        "title": typed(summary.title),
        "labels": label,
        "facts": facts,
        "k_note": text.k_note(summary.threshold),
        "cards": cards,
        "questions": [
            {"title": f"{q.order}. {typed(q.text)}", "notes": [typed(n) for n in q.notes]}
            for q in summary.questions
        ],
        "themes": [
            {"title": typed(t.name), "notes": [typed(n) for n in t.notes]} for t in summary.themes
        ],
        "votes": votes,
        "agreements": agreements,
        "follow_up": text.follow_up(summary.follow_up_on),
        "mirror": _mirror_view(summary, typed),
    }


def _mirror_view(summary: Summary, typed) -> dict | None:
    """A shared leader's mirror: per group its behaviours, the leader's view and the team's
    counts (I see this, I do not see this, I don't know). None for anything else."""
    if summary.mirror is None:
        return None
    return {
        "note": text.mirror_note(summary.threshold),
        "groups": [
            {
                "title": f"{group['team_label']} ({len(group['rows'])})",
                "rows": [
                    {
                        "text": typed(row.text),
                        "own": str(row.own_label),
                        "counts": [row.counts.recognised, row.counts.missing, row.counts.unsure],
                    }
                    for row in group["rows"]
                ],
            }
            for group in summary.mirror.groups
        ],
        "left_out": text.mirror_left_out(summary.mirror.too_few, summary.threshold)
        if summary.mirror.too_few
        else "",
    }


def _segments(counts) -> list[dict]:
    return [{"name": s["name"], "share": float(s["width"]) / 100} for s in counts.segments()]


# --- Markdown ------------------------------------------------------------------------------

# What could turn a text into Markdown or HTML: escaped, so each text shows as it was typed.
MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]<>#|~]|&(?=#?\w+;))")
LINE_START = re.compile(r"^(\d*)([-+=]|(?<=\d)[.)])")  # "- ", "+ ", "1. ": a list or heading


def md(value: str) -> str:
    """A text as inert Markdown on one line: no markup, no HTML, no line breaks."""
    text = MARKDOWN_SPECIAL.sub(r"\\\1", " ".join(str(value).split()))
    return LINE_START.sub(r"\1\\\2", text)


def render_markdown(summary: Summary) -> bytes:
    view = report_view(summary)
    label = view["labels"]
    lines = [f"# {md(label['report'])}: {md(view['title'])}", "", f"## {md(label['about'])}", ""]
    lines += [f"- **{md(name)}:** {md(value)}" for name, value in view["facts"]]
    lines += ["", f"## {md(label['results'])}", "", md(view["k_note"])]
    columns = [label[name] for name in ("behaviour", "recognised", "missing", "unsure", "discuss")]
    for card in view["cards"]:
        lines += ["", f"### {md(card['title'])}", "", md(card["summary"])]
        if card["rows"]:
            lines += ["", "| " + " | ".join(md(c) for c in columns) + " |"]
            lines.append("| --- |" + " ---: |" * 4)
            for row in card["rows"]:
                name = md(row["text"]) + (f" ({md(label['leaders'])})" if row["leaders"] else "")
                cells = (
                    [str(n) for n in row["counts"]]
                    if row["counts"]
                    else [md(label["too_few"]), "", "", ""]
                )
                lines.append(f"| {name} | " + " | ".join(cells) + " |")
    lines += _markdown_mirror(view)
    no_notes = label["no_notes"]
    lines += _markdown_groups(label["questions"], view["questions"], no_notes, no_notes)
    lines += _markdown_groups(label["themes"], view["themes"], label["no_themes"], no_notes)
    lines += ["", f"## {md(label['votes'])}"]
    if not view["votes"]:
        lines += ["", md(label["no_votes"])]
    for vote in view["votes"]:
        lines += ["", f"### {md(vote['title'])}", "", md(vote["intro"])]
        if vote["options"] is None:
            lines += ["", md(vote["hidden"])]
        else:
            lines += [""] + [f"{n}. {md(o)}" for n, o in enumerate(vote["options"], start=1)]
    lines += ["", f"## {md(label['agreements'])}"]
    if not view["agreements"]:
        lines += ["", md(label["no_agreements"])]
    for number, agreement in enumerate(view["agreements"], start=1):
        lines += ["", f"### {number}. {md(agreement['what'])}", ""]
        facts = [
            (label["who"], agreement["who"]),
            (label["due_on"], agreement["due_on"]),
            (label["status"], agreement["status"]),
            *agreement["details"],
        ]
        lines += [f"- **{md(name)}:** {md(value)}" for name, value in facts if value]
    lines += ["", f"## {md(label['follow_up'])}", "", md(view["follow_up"]), ""]
    return "\n".join(lines).encode()


def _markdown_mirror(view: dict) -> list[str]:
    mirror, label = view["mirror"], view["labels"]
    if mirror is None:
        return []
    lines = ["", f"## {md(label['mirror'])}", "", md(mirror["note"])]
    columns = [label[name] for name in ("behaviour", "leader_view", "recognised", "missing")]
    columns.append(label["unsure"])
    for group in mirror["groups"]:
        lines += ["", f"### {md(group['title'])}", ""]
        if not group["rows"]:
            lines.append(md(label["none"]))
            continue
        lines += ["| " + " | ".join(md(c) for c in columns) + " |", "| --- | --- |" + " ---: |" * 3]
        for row in group["rows"]:
            cells = [md(row["text"]), md(row["own"]), *(str(n) for n in row["counts"])]
            lines.append("| " + " | ".join(cells) + " |")
    if mirror["left_out"]:
        lines += ["", md(mirror["left_out"])]
    return lines


def _markdown_groups(heading: str, groups: list[dict], empty: str, no_notes: str) -> list[str]:
    lines = ["", f"## {md(heading)}"]
    if not groups:
        return [*lines, "", md(empty)]
    for group in groups:
        lines += ["", f"### {md(group['title'])}", ""]
        lines += [f"- {md(note)}" for note in group["notes"]] or [md(no_notes)]
    return lines


# --- CSV -----------------------------------------------------------------------------------

CSV_COLUMNS = [
    "section",
    "card",
    "card_title",
    "behaviour",
    "behaviour_text",
    "audience",
    "shown",
    *COUNT_FIELDS,
    "what",
    "who",
    "due_on",
    "status",
    "drop_reason",
    "theme",
    "principles",
    "behaviours",
]


def spreadsheet_safe(value: str) -> str:
    """A text typed by a person cannot become a spreadsheet formula: a leading = + - @ gets a
    quote in front (OWASP's advice against CSV injection)."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def render_csv(summary: Summary) -> bytes:
    """Results, then agreements, in one table; the `section` column says what a row is."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    for row in summary.results:
        card = {"card": row.card.slug, "card_title": row.card.title}
        writer.writerow({"section": "card", **card, **_csv_counts(row.totals)})
        for b in row.behaviours:
            writer.writerow(
                {
                    "section": "behaviour",
                    **card,
                    "behaviour": b.key,
                    "behaviour_text": b.text,
                    "audience": b.audience,
                    **_csv_counts(b.counts),
                }
            )
    for a in summary.agreements:
        writer.writerow(
            {
                "section": "agreement",
                "what": spreadsheet_safe(a.what),
                "who": spreadsheet_safe(a.who),
                "due_on": a.due_on.isoformat() if a.due_on else "",
                "status": a.status,
                "drop_reason": spreadsheet_safe(a.drop_reason),
                "theme": spreadsheet_safe(a.theme),
                "principles": " ".join(card.slug for card in a.principles),
                "behaviours": "\n".join(a.behaviours),
            }
        )
    return buffer.getvalue().encode()


def _csv_counts(counts) -> dict:
    if counts is None:
        return {"shown": "false"}
    return {"shown": "true", **{name: getattr(counts, name) for name in COUNT_FIELDS}}


# --- PDF -----------------------------------------------------------------------------------


def render_pdf(summary: Summary) -> bytes:
    """Any text can be in it: what no shipped font has is replaced, and the PDF says so."""
    pdf_text = PdfText()
    view = report_view(summary, typed=pdf_text.isolate)
    plain = strip_bidi_controls  # the metadata is not laid out: no isolates needed there
    meta = {
        "title": f"{view['labels']['report']}: {plain(summary.title)}",
        "author": plain(summary.team_name),
        "description": _("Report of a gesprek with the cards %(deck)s, %(date)s.")
        % {"deck": plain(summary.deck_title), "date": text.long_date(summary.date)},
        "keywords": [plain(summary.deck_title), plain(summary.team_name), _("gesprek report")],
    }
    data = pdf_text.clean_all({**view, "meta": meta})
    if pdf_text.replaced:
        data["replaced"] = replaced_note()
    try:
        return compile_pdf(
            "report.typ",
            {"data": json.dumps(data, ensure_ascii=False)},
            timestamp=summary.closed_at or summary.started_at,
        )
    except typst.TypstError as error:
        logger.error("The report of gesprek %s failed:\n%s", summary.public_id, error.diagnostic)
        raise ReportError(_("The PDF could not be made. Please try again later.")) from error


RENDERERS = {
    "pdf": render_pdf,
    "html": render_html,
    "md": render_markdown,
    "csv": render_csv,
    "json": render_json,
}

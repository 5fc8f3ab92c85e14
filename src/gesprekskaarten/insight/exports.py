"""Exports of organisation insight: exactly the published figures, as CSV and as PDF/A.

CSV columns are language-neutral keys (deck/principle/behaviour) with the text beside them;
the PDF reuses the reports app's Typst pipeline (PDF/A-2a and PDF/UA-1).
"""

import csv
import io
import json
import logging

import typst
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from gesprekskaarten.agreements.models import Status
from gesprekskaarten.meetings.results import COUNT_FIELDS
from gesprekskaarten.reports import labels as text
from gesprekskaarten.reports.gesprek_report import ReportError, spreadsheet_safe
from gesprekskaarten.reports.pdf_text import PdfText, replaced_note, strip_bidi_controls
from gesprekskaarten.reports.typst_pdf import compile_pdf

from . import services
from .figures import K_PEOPLE, K_TEAMS, NO_PRINCIPLE, STATUSES

logger = logging.getLogger(__name__)

CSV_COLUMNS = [
    "period",
    "figure",
    "principle",
    "principle_title",
    "behaviour",
    "behaviour_text",
    "status",
    "teams",
    *COUNT_FIELDS,
    "agreements",
]


def status_labels() -> list[str]:
    return [str(Status(value).label) for value in STATUSES]


def _principle_title(key: str, titles: dict) -> str:
    return titles.get(key, "") if key != NO_PRINCIPLE else _("No card")


def render_csv(periods, language: str) -> bytes:
    """One row per published figure: behaviours, principles (sums of published behaviours),
    agreement cells and their totals (sums of published cells). Nothing held back is here."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    for period in periods:
        figures = period.figures
        base = {"period": period.slug}
        titles = {}
        for principle in services.principle_figures(figures, language):
            titles[principle.key] = principle.title
            if principle.summary is not None:
                writer.writerow(
                    {
                        **base,
                        "figure": "principle",
                        "principle": principle.key,
                        "principle_title": spreadsheet_safe(principle.title),
                        **{name: getattr(principle.summary, name) for name in COUNT_FIELDS},
                    }
                )
            for behaviour in principle.behaviours:
                if behaviour.counts is None:
                    continue
                writer.writerow(
                    {
                        **base,
                        "figure": "behaviour",
                        "principle": principle.key,
                        "principle_title": spreadsheet_safe(principle.title),
                        "behaviour": behaviour.key,
                        "behaviour_text": spreadsheet_safe(behaviour.text),
                        "teams": behaviour.teams,
                        **{name: getattr(behaviour.counts, name) for name in COUNT_FIELDS},
                    }
                )
        for principle, cells in figures.get("agreements", {}).items():
            for status, cell in cells.items():
                writer.writerow(
                    {
                        **base,
                        "figure": "agreements",
                        "principle": principle,
                        "principle_title": spreadsheet_safe(_principle_title(principle, titles)),
                        "status": status,
                        "teams": cell["teams"],
                        "agreements": cell["count"],
                    }
                )
        for status, total in figures.get("agreement_totals", {}).get("statuses", {}).items():
            if total:
                writer.writerow(
                    {**base, "figure": "agreements_total", "status": status, "agreements": total}
                )
    return buffer.getvalue().encode()


def _counts_row(title: str, counts) -> list[str]:
    return [title, *(str(getattr(counts, name)) for name in COUNT_FIELDS[1:])]


def render_pdf(organisation, periods, language: str) -> bytes:
    """Any text can be in it: what no shipped font has is replaced, and the PDF says so."""
    pdf_text = PdfText()
    typed, plain = pdf_text.isolate, strip_bidi_controls
    now = timezone.now()
    with translation.override(language):
        columns = [
            _("Behaviour"),
            _("I see this"),
            _("I do not see this"),
            _("I don't know"),
            _("I want to discuss this"),
        ]
        items = []
        for period in reversed(periods):  # the newest first, as on the page
            principles = []
            for principle in services.principle_figures(period.figures, language):
                if principle.summary is None:
                    continue
                rows = [_counts_row(_("All shown behaviours together"), principle.summary)]
                rows += [
                    _counts_row(typed(b.text), b.counts)
                    for b in principle.behaviours
                    if b.counts is not None
                ]
                principles.append({"title": typed(principle.title), "rows": rows})
            agreements = [
                [
                    typed(row.title) if row.title else _("No card"),
                    *(str(c) if c is not None else "–" for c in row.cells),
                ]
                for row in services.agreement_rows(period.figures, language)
                if any(c is not None for c in row.cells)
            ]
            items.append(
                {
                    "heading": _("Quarter %(period)s") % {"period": period.label},
                    "principles": principles,
                    "agreements": agreements,
                }
            )
        title = _("Insight into %(organisation)s") % {"organisation": plain(organisation.name)}
        data = {
            "lang": language,
            "meta": {
                "title": title,
                "author": plain(organisation.name),
                "description": _("Figures across the teams of the organisation, per quarter."),
                "keywords": [plain(organisation.name), _("organisation insight")],
            },
            "heading": _("Insight into %(organisation)s")
            % {"organisation": typed(organisation.name)},
            "label": _("Organisation insight"),
            "made": _("Made on %(date)s.") % {"date": text.long_date(timezone.localdate(now))},
            "rule": rule_text(),
            "columns": columns,
            "agreement_columns": [_("Card"), *status_labels()],
            "agreements_heading": _("Agreements teams made"),
            "none": _("Too few teams to show anything for this quarter."),
            "empty": _("No quarter has ended yet since the first gesprek ended."),
            "periods": items,
        }
        data = pdf_text.clean_all(data)
        if pdf_text.replaced:
            data["replaced"] = replaced_note()
    try:
        return compile_pdf("insight.typ", {"data": json.dumps(data, ensure_ascii=False)}, now)
    except typst.TypstError as error:
        logger.error("The insight of %s failed:\n%s", organisation.slug, error.diagnostic)
        raise ReportError(_("The PDF could not be made. Please try again later.")) from error


def rule_text() -> str:
    return _(
        "A figure is shown only when it covers at least %(teams)s teams and %(people)s people, "
        "also without any one of those teams. It is built only from what each gesprek showed "
        "at its own anonymity threshold. No team is named. A quarter is shown once it has "
        "ended and does not change afterwards."
    ) % {"teams": K_TEAMS + 1, "people": K_PEOPLE}

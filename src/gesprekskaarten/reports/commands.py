"""What `gesprekskaarten report` makes: a gesprek's report, or a team's history (see cli.py)."""

import uuid
from pathlib import Path

from django.conf import settings
from django.utils import translation

from gesprekskaarten.meetings.models import Gesprek
from gesprekskaarten.teams.models import Team

from .gesprek_report import FORMATS, ReportError, render_report
from .history import build_history, render_history_pdf


def make_report(
    *, gesprek_id: str | None, team_slug: str | None, output: str, extension: str | None, language
) -> tuple[bytes, str]:
    """The file's bytes and a few words on what it is; raises ReportError with a message for
    the command line (in English, like the command's other messages)."""
    language = language or settings.LANGUAGE_CODE
    with translation.override("en"):
        if bool(gesprek_id) == bool(team_slug):
            raise ReportError("Name one gesprek (its id) or one team (--team SHORT-NAME).")
        extension = (extension or Path(output).suffix.lstrip(".")).lower()
        if team_slug:
            return _history(team_slug, output, extension, language)
        if extension not in FORMATS:
            kind = f".{extension} file" if extension else "file without an extension"
            raise ReportError(
                f"Cannot write {output}: a report cannot be a {kind}. "
                "Use a name ending in .pdf, .html, .md, .csv or .json, or --format."
            )
        gesprek = _gesprek(gesprek_id)
        if not gesprek.is_closed:
            raise ReportError(
                f"The gesprek {gesprek_id} ({gesprek}) has not ended yet; it is at the step "
                f"'{gesprek.get_step_display()}'. A report is made once it has ended."
            )
        data = render_report(gesprek, extension, language)
    return data, f"the report of gesprek {gesprek!s} ({FORMATS[extension].name}, {language})"


def _gesprek(gesprek_id: str) -> Gesprek:
    try:
        public_id = uuid.UUID(gesprek_id)
    except ValueError:
        public_id = None
    gesprek = (
        Gesprek.objects.select_related("team", "deck_version__deck")
        .filter(public_id=public_id)
        .first()
        if public_id
        else None
    )
    if gesprek is None:
        raise ReportError(
            f"There is no gesprek {gesprek_id!r}. Its id is the long code in the address of its "
            "page, e.g. /begeleiden/2f1c8e0a-.../."
        )
    return gesprek


def _history(team_slug: str, output: str, extension: str, language: str) -> tuple[bytes, str]:
    if extension != "pdf":
        raise ReportError(
            f"Cannot write {output}: a team history is a PDF; use a name ending in .pdf."
        )
    team = Team.objects.filter(slug=team_slug).first()
    if team is None:
        known = ", ".join(Team.objects.values_list("slug", flat=True)) or "none"
        raise ReportError(f"There is no team {team_slug!r}. Known teams: {known}.")
    pdf = render_history_pdf(build_history(team, language))
    return pdf, f"the history of team {team.name!r} ({language})"

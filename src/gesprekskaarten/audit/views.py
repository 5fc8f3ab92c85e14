"""The audit log for an organisation's administrators: read it, page by page, or export it."""

import csv
import io

from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.http import require_safe

from gesprekskaarten.organisations.policy import Rule, administered_organisations, allow
from gesprekskaarten.reports.gesprek_report import spreadsheet_safe

from .models import Action
from .services import log_of, record

PER_PAGE = 50
CSV_COLUMNS = ["when", "who", "action", "what", "on_what", "details"]


def _organisation(request, slug):
    return get_object_or_404(administered_organisations(request.user), slug=slug)


@allow(Rule.ORGANISATION_ADMIN)
@require_safe
def log(request, slug):
    organisation = _organisation(request, slug)
    page = Paginator(log_of(organisation), PER_PAGE).get_page(request.GET.get("pagina"))
    return render(request, "audit/log.html", {"organisation": organisation, "page": page})


@allow(Rule.ORGANISATION_ADMIN)
@require_safe
def export(request, slug):
    """The whole log as CSV (UTF-8, for spreadsheets); the export itself is logged too."""
    organisation = _organisation(request, slug)
    record(request.user, Action.AUDIT_EXPORTED, organisation=organisation, target=organisation.name)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for event in log_of(organisation).iterator():
        writer.writerow(
            [
                timezone.localtime(event.created_at).isoformat(timespec="seconds"),
                spreadsheet_safe(event.actor_label),
                event.action,
                str(event.get_action_display()),
                spreadsheet_safe(event.target),
                spreadsheet_safe(_details_text(event.details)),
            ]
        )
    response = HttpResponse(buffer.getvalue().encode("utf-8-sig"), content_type="text/csv")
    day = timezone.localdate().isoformat()
    response["Content-Disposition"] = (
        f'attachment; filename="logboek-{organisation.slug}-{day}.csv"'
    )
    return response


def _details_text(details: dict) -> str:
    return "; ".join(f"{key}: {value}" for key, value in sorted(details.items()))

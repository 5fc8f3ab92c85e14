"""Organisation insight: the analyst's page and exports, a team facilitator's comparison.

Thin: the figures come from insight/services.py (published quarters, frozen) and the k rules
from insight/figures.py. No page names a team next to a figure, lists or ranks teams.
"""

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import get_language
from django.views.decorators.http import require_safe

from gesprekskaarten.audit.models import Action
from gesprekskaarten.audit.services import record
from gesprekskaarten.organisations.policy import Rule, allow, analysed_organisations
from gesprekskaarten.reports.gesprek_report import ReportError
from gesprekskaarten.teams.services import teams_of

from . import exports, services
from .figures import K_PEOPLE, K_TEAMS


def _language() -> str:
    return (get_language() or "nl").split("-")[0]


def _chosen(request, periods):
    """The period asked for with ?periode=2026-k3, else the newest; None if there is none."""
    wanted = request.GET.get("periode", "")[:10]
    if wanted:
        for period in periods:
            if period.slug == wanted:
                return period
        raise Http404
    return periods[-1] if periods else None


def _minimums() -> dict:
    return {"k_teams": K_TEAMS, "k_teams_shown": K_TEAMS + 1, "k_people": K_PEOPLE}


@allow(Rule.ORGANISATION_ANALYST)
@require_safe
def organisation(request, slug):
    organisation = get_object_or_404(analysed_organisations(request.user), slug=slug)
    periods = services.publish_due(organisation)
    period = _chosen(request, periods)
    language = _language()
    context = {
        "organisation": organisation,
        "periods": periods,
        "period": period,
        "principles": services.principle_figures(period.figures, language) if period else [],
        "trend": services.trend(periods, language),
        "agreements": services.agreement_rows(period.figures, language) if period else [],
        "status_totals": services.status_totals(period.figures) if period else [],
        "status_labels": exports.status_labels(),
        **_minimums(),
    }
    return render(request, "insight/organisation.html", context)


def _download(request, organisation, data: bytes, content_type: str, extension: str):
    record(
        request.user,
        Action.INSIGHT_DOWNLOADED,
        organisation=organisation,
        target=organisation.name,
        format=extension,
    )
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = (
        f'attachment; filename="inzicht-{organisation.slug}.{extension}"'
    )
    return response


@allow(Rule.ORGANISATION_ANALYST)
@require_safe
def export_csv(request, slug):
    organisation = get_object_or_404(analysed_organisations(request.user), slug=slug)
    data = exports.render_csv(services.publish_due(organisation), _language())
    return _download(request, organisation, data, "text/csv; charset=utf-8", "csv")


@allow(Rule.ORGANISATION_ANALYST)
@require_safe
def export_pdf(request, slug):
    organisation = get_object_or_404(analysed_organisations(request.user), slug=slug)
    try:
        data = exports.render_pdf(organisation, services.publish_due(organisation), _language())
    except ReportError as error:
        return render(
            request,
            "insight/problem.html",
            {"message": str(error), "organisation": organisation},
            status=503,
        )
    return _download(request, organisation, data, "application/pdf", "pdf")


@allow(Rule.TEAM_FACILITATOR)
@require_safe
def team(request, slug):
    team = get_object_or_404(teams_of(request.user), slug=slug)
    periods = services.publish_due(team.organisation)
    period = _chosen(request, periods)
    context = {
        "team": team,
        "periods": periods,
        "period": period,
        "comparison": services.team_comparison(team, period, _language()) if period else [],
        **_minimums(),
    }
    return render(request, "insight/team.html", context)

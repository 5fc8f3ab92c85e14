import functools

from django.conf import settings
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from gesprekskaarten.agreements.models import Status
from gesprekskaarten.audit.models import Action
from gesprekskaarten.audit.services import record
from gesprekskaarten.decks import services as decks
from gesprekskaarten.decks.models import DeckVersion
from gesprekskaarten.meetings.services import gesprek_for_facilitator
from gesprekskaarten.organisations.policy import Rule, allow
from gesprekskaarten.teams.models import Team
from gesprekskaarten.teams.services import teams_of

from .deck_pdf import DEFAULT_LAYOUT, render_deck_pdf
from .forms import PrintDeckForm
from .gesprek_report import FORMATS, ReportError, render_report, report_filename
from .history import build_history, history_filename, render_history_pdf, trend_intro, trend_svg


@functools.lru_cache(maxsize=16)
def _deck_pdf(version_pk: int, content_hash: str, language: str, layout: str, base_url: str):
    """Deck versions never change, so their PDFs can be kept (4 per deck version and address)."""
    version = DeckVersion.objects.select_related("deck").get(pk=version_pk)
    return render_deck_pdf(version, language, layout, base_url)


@allow(Rule.ANYONE)
@require_safe
def deck_pdf(request, deck_slug):
    """The printable cards of a deck's newest version: ?taal=nl|en&opmaak=a6|a4-4up."""
    version = decks.latest_version(deck_slug)
    if version is None:
        raise Http404
    interface_language = (get_language() or "").split("-")[0]
    defaults = {
        "taal": interface_language
        if interface_language in version.languages
        else version.default_language,
        "opmaak": DEFAULT_LAYOUT,
    }
    form = PrintDeckForm({**defaults, **request.GET.dict()}, version=version)
    if not form.is_valid():
        return HttpResponseBadRequest(
            _("These cards cannot be printed in that language or on that paper."),
            content_type="text/plain; charset=utf-8",
        )
    language, layout = form.cleaned_data["taal"], form.cleaned_data["opmaak"]
    pdf = _deck_pdf(version.pk, version.content_hash, language, layout, settings.GK_BASE_URL)
    response = HttpResponse(pdf, content_type="application/pdf")
    filename = f"{version.deck.slug}-{language}-{layout}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# --- gesprek reports and team history ------------------------------------------------------


def _download(data: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@allow(Rule.TEAM_FACILITATOR)
@require_safe
def gesprek_report(request, public_id, extension):
    """The report of a closed gesprek, for its team's facilitators: verslag.pdf, .html, .md,
    .csv or .json, in the interface language."""
    gesprek = gesprek_for_facilitator(request.user, public_id)
    if extension not in FORMATS:
        raise Http404
    try:
        data = render_report(gesprek, extension)
    except ReportError as problem:
        status = 409 if not gesprek.is_closed else 500
        return render(
            request,
            "reports/report_problem.html",
            {"gesprek": gesprek, "problem": str(problem)},
            status=status,
        )
    record(
        request.user,
        Action.REPORT_DOWNLOADED,
        organisation=gesprek.team.organisation,
        target=str(gesprek),
        team=gesprek.team.name,
        format=extension,
    )
    return _download(data, FORMATS[extension].content_type, report_filename(gesprek, extension))


def _own_team(request, slug) -> Team:
    return get_object_or_404(teams_of(request.user), slug=slug)


@allow(Rule.TEAM_FACILITATOR)
@require_safe
def team_history(request, slug):
    history = build_history(_own_team(request, slug))
    trends = [
        {"id": f"gk-trend-{number}", "trend": trend, "svg": trend_svg(trend, f"gk-trend-{number}")}
        for number, trend in enumerate(history.trends, start=1)
    ]
    return render(
        request,
        "reports/team_history.html",
        {
            "history": history,
            "trends": trends,
            "trend_intro": trend_intro(),
            "status_labels": [label for _value, label in Status.choices],
        },
    )


@allow(Rule.TEAM_FACILITATOR)
@require_safe
def team_history_pdf(request, slug):
    team = _own_team(request, slug)
    pdf = render_history_pdf(build_history(team))
    record(
        request.user,
        Action.REPORT_DOWNLOADED,
        organisation=team.organisation,
        target=team.name,
        report="history",
        format="pdf",
    )
    return _download(pdf, "application/pdf", history_filename(team))

"""Thin views: the archive download and the confirmation pages before a deletion. Who may:
a gesprek's facilitators delete it; an organisation's administrators export and delete its
teams and the organisation itself. Anything else is not found."""

from django.conf import settings
from django.core.handlers.asgi import ASGIRequest
from django.http import StreamingHttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from gesprekskaarten.audit.models import Action
from gesprekskaarten.audit.services import record
from gesprekskaarten.meetings.services import gesprek_for_facilitator
from gesprekskaarten.organisations.policy import Rule, administered_organisations, allow
from gesprekskaarten.teams.models import Team

from . import archive, services
from .forms import ConfirmDeleteForm


def _language() -> str:
    return (get_language() or settings.LANGUAGE_CODE).split("-")[0]


def _administered_team(request, slug) -> Team:
    teams = Team.objects.filter(organisation__in=administered_organisations(request.user))
    return get_object_or_404(teams.select_related("organisation"), slug=slug)


def _administered_organisation(request, slug):
    return get_object_or_404(administered_organisations(request.user), slug=slug)


def _zip_download(request, chunks, filename: str) -> StreamingHttpResponse:
    # Under ASGI a synchronous iterator would be gathered in memory first: hand it over as an
    # asynchronous one that makes each chunk on a thread of its own.
    content = archive.in_own_thread(chunks) if isinstance(request, ASGIRequest) else chunks
    # A ZIP is compressed already; and Django's GZipMiddleware compresses each chunk of an
    # asynchronous stream as a gzip member of its own, of which Chromium reads only the first
    # (a cut-off download). So this response is not compressed again.
    request.META.pop("HTTP_ACCEPT_ENCODING", None)
    response = StreamingHttpResponse(content, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


def _confirm(request, *, what, name, inventory, back_url, delete, done_url, template_context):
    """The confirmation page (GET), and the deletion once confirmed (POST). `delete` is called
    only with a ticked box; a LifecycleError is shown on the page (409)."""
    problem = ""
    status = 200
    if inventory.not_ended and inventory.gesprekken:
        problem = (
            _("This gesprek has not ended yet. End the gesprek first, then delete it.")
            if what == "gesprek"
            else _("Not every gesprek has ended yet. End these gesprekken first, then delete.")
        )
        status = 409
    form = ConfirmDeleteForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and not problem and form.is_valid():
        try:
            deleted = delete()
        except services.LifecycleError as error:
            problem, status = str(error), 409
        else:
            return render(
                request,
                "lifecycle/deleted.html",
                {"what": what, "name": name, "lines": deleted.lines(), "done_url": done_url},
            )
    context = {
        "what": what,
        "name": name,
        "lines": inventory.lines(),
        "form": form,
        "problem": problem,
        "back_url": back_url,
        **template_context,
    }
    return render(request, "lifecycle/confirm_delete.html", context, status=status)


@allow(Rule.TEAM_FACILITATOR)
@require_http_methods(["GET", "HEAD", "POST"])
def gesprek_delete(request, public_id):
    gesprek = gesprek_for_facilitator(request.user, public_id)
    inventory = services.gesprek_inventory(gesprek)
    return _confirm(
        request,
        what="gesprek",
        name=str(gesprek),
        inventory=inventory,
        back_url=reverse("meetings:control", args=[gesprek.public_id]),
        delete=lambda: services.delete_gesprek(gesprek, request.user),
        done_url=reverse("reports:team_history", args=[gesprek.team.slug]),
        template_context={"gesprek": gesprek},
    )


@allow(Rule.ORGANISATION_ADMIN)
@require_safe
def team_archive(request, slug):
    team = _administered_team(request, slug)
    record(
        request.user,
        Action.EXPORT_DOWNLOADED,
        organisation=team.organisation,
        target=team.name,
        export="team archive",
    )
    chunks = archive.team_archive(team, _language())
    return _zip_download(request, chunks, archive.archive_filename("team", team.slug))


@allow(Rule.ORGANISATION_ADMIN)
@require_http_methods(["GET", "HEAD", "POST"])
def team_delete(request, slug):
    team = _administered_team(request, slug)
    return _confirm(
        request,
        what="team",
        name=team.name,
        inventory=services.team_inventory(team),
        back_url=reverse("reports:team_history", args=[team.slug]),
        delete=lambda: services.delete_team(team, request.user),
        done_url=reverse("meetings:dashboard"),
        template_context={
            "team": team,
            "archive_url": reverse("lifecycle:team_archive", args=[team.slug]),
        },
    )


@allow(Rule.ORGANISATION_ADMIN)
@require_safe
def organisation_archive(request, slug):
    organisation = _administered_organisation(request, slug)
    record(
        request.user,
        Action.EXPORT_DOWNLOADED,
        organisation=organisation,
        target=organisation.name,
        export="organisation archive",
    )
    chunks = archive.organisation_archive(organisation, _language())
    filename = archive.archive_filename("organisation", organisation.slug)
    return _zip_download(request, chunks, filename)


@allow(Rule.ORGANISATION_ADMIN)
@require_http_methods(["GET", "HEAD", "POST"])
def organisation_delete(request, slug):
    organisation = _administered_organisation(request, slug)
    return _confirm(
        request,
        what="organisation",
        name=organisation.name,
        inventory=services.organisation_inventory(organisation),
        back_url=reverse("meetings:dashboard"),
        delete=lambda: services.delete_organisation(organisation, request.user),
        done_url=reverse("meetings:dashboard"),
        template_context={
            "organisation": organisation,
            "archive_url": reverse("lifecycle:organisation_archive", args=[organisation.slug]),
        },
    )

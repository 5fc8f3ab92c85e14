"""Creating a team (administrators, and facilitators where the organisation allows it);
archiving and restoring one (administrators)."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from gesprekskaarten.core.forms import posted

from .. import people
from ..forms import ConfirmForm, TeamForm
from ..policy import Rule, allow, may_administer, team_creating_organisations
from ..services import OrganisationError
from .common import administered, overview_url


@allow(Rule.TEAM_CREATOR)
def new_team(request, slug):
    organisation = get_object_or_404(team_creating_organisations(request.user), slug=slug)
    form = TeamForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            team = people.create_team(request.user, organisation, form.cleaned_data["name"])
        except OrganisationError as problem:
            form.add_error("name", str(problem))
        else:
            messages.success(request, _("The team %(name)s is made.") % {"name": team.name})
            if may_administer(request.user, organisation):
                return redirect(overview_url(organisation, "gk-teams"))
            return redirect("meetings:dashboard")
    return render(
        request, "organisations/new_team.html", {"organisation": organisation, "form": form}
    )


def _team(organisation, team_slug):
    return get_object_or_404(organisation.teams, slug=team_slug)


@allow(Rule.ORGANISATION_ADMIN)
def archive_team(request, slug, team_slug):
    """Archiving takes two steps: this page says what happens and asks to confirm."""
    organisation = administered(request, slug)
    team = _team(organisation, team_slug)
    form = ConfirmForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            people.archive_team(request.user, team)
        except OrganisationError as problem:
            messages.error(request, str(problem))
        else:
            messages.success(request, _("The team %(name)s is archived.") % {"name": team.name})
        return redirect(overview_url(organisation, "gk-teams"))
    return render(
        request,
        "organisations/archive_team.html",
        {"organisation": organisation, "team": team, "form": form},
    )


@allow(Rule.ORGANISATION_ADMIN)
def restore_team(request, slug, team_slug):
    organisation = administered(request, slug)
    team = _team(organisation, team_slug)
    if request.method == "POST":
        try:
            people.restore_team(request.user, team)
        except OrganisationError as problem:
            messages.error(request, str(problem))
        else:
            messages.success(
                request, _("The team %(name)s is back from the archive.") % {"name": team.name}
            )
    return redirect(overview_url(organisation, "gk-teams"))

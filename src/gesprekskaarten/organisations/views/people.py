"""The organisations you belong to; an organisation's overview; a person's role, teams and
removal."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from gesprekskaarten.core.forms import posted

from .. import people, services
from ..forms import ConfirmForm, MemberTeamsForm, RoleForm
from ..models import Membership, Role
from ..policy import Rule, allow, may_administer, may_create_teams
from .common import administered, overview_url


@allow(Rule.SIGNED_IN)
def index(request):
    memberships = (
        Membership.objects.filter(user=request.user)
        .select_related("organisation")
        .order_by("organisation__name")
    )
    rows = [
        {
            "organisation": membership.organisation,
            "role": membership.get_role_display(),
            "administers": membership.role == Role.ADMIN,
            "analyses": membership.role in (Role.ADMIN, Role.ANALYST),
            "creates_teams": may_create_teams(request.user, membership.organisation),
        }
        for membership in memberships
    ]
    return render(request, "organisations/index.html", {"rows": rows})


@allow(Rule.ORGANISATION_ADMIN)
def overview(request, slug):
    organisation = administered(request, slug)
    teams = list(organisation.teams.prefetch_related("facilitators").order_by("name"))
    facilitates = {}
    for team in teams:
        if team.archived_at is None:
            for user in team.facilitators.all():
                facilitates.setdefault(user.pk, []).append(team.name)
    members = [
        {"membership": membership, "teams": facilitates.get(membership.user_id, [])}
        for membership in organisation.memberships.select_related("user").order_by(
            "user__email", "user__username"
        )
    ]
    invitations = [
        invitation
        for invitation in organisation.invitations.filter(
            accepted_at__isnull=True, revoked_at__isnull=True
        ).prefetch_related("teams")
        if invitation.is_open
    ]
    return render(
        request,
        "organisations/overview.html",
        {
            "organisation": organisation,
            "members": members,
            "invitations": invitations,
            "active_teams": [team for team in teams if team.archived_at is None],
            "archived_teams": [team for team in teams if team.archived_at is not None],
        },
    )


def _membership(organisation, pk) -> Membership:
    return get_object_or_404(
        Membership.objects.select_related("user", "organisation"), organisation=organisation, pk=pk
    )


def _person_page(request, membership, role_form=None, teams_form=None):
    organisation = membership.organisation
    current = organisation.teams.filter(archived_at__isnull=True, facilitators=membership.user)
    return render(
        request,
        "organisations/person.html",
        {
            "organisation": organisation,
            "membership": membership,
            "role_form": role_form or RoleForm(initial={"role": membership.role}),
            "teams_form": teams_form
            or MemberTeamsForm(organisation=organisation, initial={"teams": list(current)}),
        },
    )


def _after_change(request, organisation, membership):
    """Back to the person's page, or to the list of your organisations when you just gave up
    administering this one."""
    if not may_administer(request.user, organisation):
        return redirect("organisations:index")
    return redirect("organisations:person", slug=organisation.slug, pk=membership.pk)


@allow(Rule.ORGANISATION_ADMIN)
def person(request, slug, pk):
    membership = _membership(administered(request, slug), pk)
    return _person_page(request, membership)


@allow(Rule.ORGANISATION_ADMIN)
def change_role(request, slug, pk):
    organisation = administered(request, slug)
    membership = _membership(organisation, pk)
    if request.method != "POST":
        return redirect("organisations:person", slug=slug, pk=pk)
    form = RoleForm(request.POST)
    if form.is_valid():
        try:
            services.change_role(request.user, membership, form.cleaned_data["role"])
        except services.OrganisationError as problem:
            form.add_error(None, str(problem))
        else:
            messages.success(request, _("The role is changed."))
            return _after_change(request, organisation, membership)
    return _person_page(request, membership, role_form=form)


@allow(Rule.ORGANISATION_ADMIN)
def change_teams(request, slug, pk):
    organisation = administered(request, slug)
    membership = _membership(organisation, pk)
    if request.method != "POST":
        return redirect("organisations:person", slug=slug, pk=pk)
    form = MemberTeamsForm(request.POST, organisation=organisation)
    if form.is_valid():
        try:
            people.change_teams(request.user, membership, form.cleaned_data["teams"])
        except services.OrganisationError as problem:
            form.add_error(None, str(problem))
        else:
            messages.success(request, _("The teams are changed."))
            return _after_change(request, organisation, membership)
    return _person_page(request, membership, teams_form=form)


@allow(Rule.ORGANISATION_ADMIN)
def remove(request, slug, pk):
    """Removing a person takes two steps: this page says what happens and asks to confirm."""
    organisation = administered(request, slug)
    membership = _membership(organisation, pk)
    form = ConfirmForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.remove_member(request.user, membership)
        except services.OrganisationError as problem:
            form.add_error(None, str(problem))
        else:
            messages.success(
                request,
                _("%(name)s is no longer in %(organisation)s.")
                % {"name": services.account_label(membership.user), "organisation": organisation},
            )
            if not may_administer(request.user, organisation):
                return redirect("organisations:index")
            return redirect(overview_url(organisation, "gk-people"))
    return render(
        request,
        "organisations/remove.html",
        {"organisation": organisation, "membership": membership, "form": form},
    )

"""Facilitator pages for agreements: make and change them, the team's list, the follow-up date.

Only the facilitators of an agreement's team see or change it; for anyone else it does not
exist (404). Changes made from a gesprek's pages are recorded as made during that gesprek.
"""

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gesprekskaarten.core.forms import posted
from gesprekskaarten.decks.models import Principle, localized
from gesprekskaarten.meetings.models import Gesprek, Theme
from gesprekskaarten.meetings.services import gesprek_for_facilitator
from gesprekskaarten.organisations.policy import Rule, allow
from gesprekskaarten.teams.services import teams_of

from . import ics, services
from .context import manage_items
from .forms import AgreementForm, FilterForm, FollowUpForm, StatusForm
from .models import Agreement


def _own_agreement(request, pk) -> Agreement:
    return get_object_or_404(
        Agreement.objects.select_related("team", "gesprek__deck_version", "created_by"),
        pk=pk,
        team__in=teams_of(request.user),
    )


def _control(gesprek, presenter=False) -> str:
    name = "meetings:presenter" if presenter else "meetings:control"
    return reverse(name, args=[gesprek.public_id]) + "#gk-agreements"


def _agreement_form(request, gesprek, **kwargs) -> AgreementForm:
    return AgreementForm(
        posted(request),
        principles=services.principle_choices(gesprek),
        behaviours=services.behaviour_choices(gesprek),
        **kwargs,
    )


def _show_error(form, problem: services.AgreementError) -> None:
    field = problem.field if problem.field in form.fields else None
    form.add_error(field, str(problem))


@allow(Rule.TEAM_FACILITATOR)
def new(request, public_id):
    gesprek = gesprek_for_facilitator(request.user, public_id)
    if gesprek.step not in services.MAKING_STEPS:
        messages.error(
            request,
            _("This gesprek has ended. You can no longer make agreements in it.")
            if gesprek.is_closed
            else _("Make agreements after the results are shown."),
        )
        return redirect(_control(gesprek))
    theme = Theme.objects.filter(gesprek=gesprek, pk=_number(request.GET.get("theme"))).first()
    initial = {"what": theme.name, "theme": theme.pk} if theme else {}
    form = _agreement_form(request, gesprek, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.create_agreement(
                gesprek, request.user, theme=form.cleaned_data["theme"], **form.values()
            )
        except services.AgreementError as problem:
            _show_error(form, problem)
        else:
            messages.success(request, _("The agreement is saved."))
            return redirect(_control(gesprek))
    return render(
        request,
        "agreements/agreement_form.html",
        {"form": form, "gesprek": gesprek, "theme": theme, "back": _control(gesprek)},
        status=400 if form.errors else 200,
    )


def _number(value) -> int | None:
    return int(value) if value and value.isdigit() and len(value) < 12 else None


def _during(request, agreement, public_id) -> Gesprek | None:
    """The gesprek whose page the change is made on: one of the agreement's team."""
    if public_id is None:
        return None
    gesprek = gesprek_for_facilitator(request.user, public_id)
    if gesprek.team_id != agreement.team_id:
        raise Http404
    return gesprek


@allow(Rule.TEAM_FACILITATOR)
def edit(request, pk, public_id=None):
    agreement = _own_agreement(request, pk)
    during = _during(request, agreement, public_id)
    back = _control(during) if during else reverse("agreements:detail", args=[pk])
    initial = {
        "what": agreement.what,
        "who": agreement.who,
        "due_on": agreement.due_on,
        "principles": [str(p.pk) for p in agreement.principles.all()],
        "behaviours": [str(b.pk) for b in agreement.behaviours.all()],
    }
    form = _agreement_form(request, agreement.gesprek, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            changed = services.update_agreement(
                agreement, request.user, during=during, **form.values()
            )
        except services.AgreementError as problem:
            _show_error(form, problem)
        else:
            if changed:
                messages.success(request, _("The agreement is changed."))
            return redirect(back)
    return render(
        request,
        "agreements/agreement_form.html",
        {"form": form, "agreement": agreement, "gesprek": agreement.gesprek, "back": back},
        status=400 if form.errors else 200,
    )


@allow(Rule.TEAM_FACILITATOR)
@require_POST
def change_status(request, pk, public_id=None):
    agreement = _own_agreement(request, pk)
    during = _during(request, agreement, public_id)
    target = request.POST.get("next")
    if during:
        back = _control(during, presenter=target == "presenter")
    elif target == "team":
        back = reverse("agreements:team", args=[agreement.team.slug]) + f"#agreement-{pk}"
    else:
        back = reverse("agreements:detail", args=[pk])
    form = StatusForm(request.POST, prefix=f"a{pk}")
    try:
        if not form.is_valid():
            raise services.AgreementError(_("Choose a status from the list."))
        data = form.cleaned_data
        changed = services.set_status(
            agreement, request.user, data["status"], data["reason"], during=during
        )
    except services.AgreementError as problem:
        messages.error(
            request, _("“%(what)s”: %(problem)s") % {"what": agreement.what, "problem": problem}
        )
    else:
        if changed:
            messages.success(
                request,
                _("“%(what)s” is now: %(status)s.")
                % {"what": agreement.what, "status": agreement.get_status_display()},
            )
    return redirect(back)


@allow(Rule.TEAM_FACILITATOR)
def detail(request, pk):
    agreement = _own_agreement(request, pk)
    changes = agreement.changes.select_related("changed_by", "gesprek")
    return render(
        request,
        "agreements/detail.html",
        {
            "agreement": agreement,
            "item": manage_items([agreement])[0],
            "changes": changes,
        },
    )


def _principle_filter_choices(team) -> list[tuple[str, str]]:
    """One choice per principle slug used by the team's gesprekken (across deck versions)."""
    titles = {}
    versions = Gesprek.objects.filter(team=team).values("deck_version")
    principles = Principle.objects.filter(deck_version__in=versions).order_by(
        "order", "-deck_version__number"
    )
    for principle in principles:
        titles.setdefault(principle.slug, localized(principle.title))
    return list(titles.items())


@allow(Rule.TEAM_FACILITATOR)
def team(request, slug):
    team = get_object_or_404(teams_of(request.user), slug=slug)
    form = FilterForm(request.GET or None, principles=_principle_filter_choices(team))
    filters = form.cleaned_data if form.is_valid() else {}
    agreements = services.team_agreements(team, **filters)
    return render(
        request,
        "agreements/team.html",
        {
            "team": team,
            "form": form,
            "items": manage_items(agreements),
            "filtered": any(filters.values()),
        },
        status=400 if form.errors else 200,
    )


@allow(Rule.TEAM_FACILITATOR)
@require_POST
def follow_up(request, public_id):
    gesprek = gesprek_for_facilitator(request.user, public_id)
    form = FollowUpForm(request.POST)
    try:
        if not form.is_valid():
            raise services.AgreementError(form.errors["follow_up_on"][0])
        services.set_follow_up(gesprek, form.cleaned_data["follow_up_on"])
    except services.AgreementError as problem:
        messages.error(request, str(problem))
    else:
        messages.success(request, _("The follow-up date is saved."))
    return redirect(_control(gesprek))


@allow(Rule.TEAM_FACILITATOR)
def calendar(request, public_id):
    gesprek = gesprek_for_facilitator(request.user, public_id)
    if gesprek.follow_up_on is None:
        messages.error(request, _("Set a follow-up date first."))
        return redirect(_control(gesprek))
    team_url = request.build_absolute_uri(reverse("agreements:team", args=[gesprek.team.slug]))
    text = ics.follow_up_calendar(gesprek, services.open_agreements(gesprek.team), url=team_url)
    response = HttpResponse(text, content_type="text/calendar; charset=utf-8")
    filename = f"vervolg-{gesprek.follow_up_on.isoformat()}.ics"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response

"""A leader's mirror (docs/leaders-mirror.md): starting one, the leader's own view, the
comparison and sharing it. Every page but the start is its leader's alone
(Rule.MIRROR_LEADER: organisations/policy.py, may_see_mirror); anyone else gets a 404."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from gesprekskaarten.core.forms import posted
from gesprekskaarten.decks.services import default_deck_version
from gesprekskaarten.organisations.policy import Rule, allow, may_see_mirror
from gesprekskaarten.teams.services import teams_of

from .. import mirror, services
from ..forms import MirrorForm, SelfViewForm


def leaders_mirror(request, public_id):
    """The mirror in the URL, when the signed-in person is its leader; a 404 otherwise."""
    gesprek = services.gesprek_for_facilitator(request.user, public_id)
    if not may_see_mirror(request.user, gesprek):
        raise Http404
    return gesprek


@allow(Rule.SIGNED_IN)
def new(request):
    teams = teams_of(request.user).filter(archived_at__isnull=True)
    if not teams.exists():
        return redirect("meetings:new")  # says how to get a team
    version = default_deck_version()
    principles = list(version.principles.order_by("order")) if version else []
    form = MirrorForm(
        posted(request),
        teams=teams,
        principles=principles,
        initial={"principles": [str(p.pk) for p in principles]},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            gesprek = mirror.create_mirror(
                team=data["team"],
                leader=request.user,
                principles=data["principle_objects"],
                threshold=data["threshold"],
                title=data["title"],
            )
        except services.MeetingError as problem:
            form.add_error(None, str(problem))
        else:
            messages.success(
                request, _("Your mirror is ready. Mark your own view first, then let the team in.")
            )
            return redirect("meetings:self_view", public_id=gesprek.public_id)
    return render(request, "meetings/mirror/new.html", {"form": form, "version": version})


def _cards(gesprek, form):
    """The form's fields grouped per card, in card order."""
    cards = []
    for behaviour in services.behaviours_of(gesprek):
        if not cards or cards[-1]["principle"].pk != behaviour.principle_id:
            cards.append({"principle": behaviour.principle, "rows": []})
        cards[-1]["rows"].append({"behaviour": behaviour, "field": form[f"choice-{behaviour.pk}"]})
    return cards


@allow(Rule.MIRROR_LEADER)
def self_view(request, public_id):
    """The leader marks the leader behaviours about themself; open until the team's marking
    has closed, then shown as it was."""
    gesprek = leaders_mirror(request, public_id)
    is_open = mirror.self_view_open(gesprek)
    form = SelfViewForm(
        posted(request) if is_open else None,
        behaviours=services.behaviours_of(gesprek),
        choices=mirror.own_choices(gesprek),
        disabled=not is_open,
    )
    if request.method == "POST":
        if not is_open:
            messages.error(
                request, _("The team's marking has closed, so your own view stays as it was.")
            )
            return redirect("meetings:self_view", public_id=public_id)
        if form.is_valid():
            try:
                mirror.save_self_view(gesprek, form.choices())
            except services.MeetingError as problem:
                form.add_error(None, str(problem))
            else:
                messages.success(request, _("Your own view is saved. Only you can see it."))
                return redirect("meetings:self_view", public_id=public_id)
    marked = sum(1 for choice in mirror.own_choices(gesprek).values() if choice)
    context = {
        "gesprek": gesprek,
        "form": form,
        "cards": _cards(gesprek, form),
        "is_open": is_open,
        "marked": marked,
        "total": len(form.behaviour_ids),
    }
    return render(request, "meetings/mirror/self_view.html", context)


@allow(Rule.MIRROR_LEADER)
def comparison(request, public_id):
    gesprek = leaders_mirror(request, public_id)
    context = {"gesprek": gesprek, "comparison": mirror.comparison(gesprek)}
    return render(request, "meetings/mirror/comparison.html", context)


@allow(Rule.MIRROR_LEADER)
def share(request, public_id):
    """Share the comparison with the team, or stop sharing it. Sharing asks to confirm on
    this page first; stopping needs no confirmation."""
    gesprek = leaders_mirror(request, public_id)
    if request.method == "POST":
        shared = request.POST.get("shared") == "1"
        if shared and request.POST.get("confirm") != "1":
            return redirect("meetings:share", public_id=public_id)
        try:
            mirror.set_shared(gesprek, request.user, shared)
        except services.MeetingError as problem:
            messages.error(request, str(problem))
        else:
            messages.success(
                request,
                _("The team now sees the comparison on the presenter screen and in the report.")
                if shared
                else _("You stopped sharing. The team no longer sees the comparison."),
            )
        return redirect("meetings:comparison", public_id=public_id)
    context = {"gesprek": gesprek, "comparison": mirror.comparison(gesprek)}
    return render(request, "meetings/mirror/share.html", context)

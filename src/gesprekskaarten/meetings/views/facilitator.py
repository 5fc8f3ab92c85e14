"""Facilitator pages: start a gesprek, show the join screen, move through the steps."""

import io

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gesprekskaarten.core.forms import posted
from gesprekskaarten.decks.services import default_deck_version
from gesprekskaarten.teams.services import teams_of

from .. import discussion, screens, services
from ..forms import NewGesprekForm, TimerForm
from ..models import Gesprek, Step


def own_gesprek(request, public_id) -> Gesprek:
    return services.gesprek_for_facilitator(request.user, public_id)


def _join_url(request, gesprek) -> str:
    return request.build_absolute_uri(reverse("meetings:join", args=[gesprek.join_code]))


@login_required
def dashboard(request):
    teams = teams_of(request.user)
    gesprekken = Gesprek.objects.filter(team__in=teams).select_related("team")[:100]
    return render(
        request, "meetings/facilitator/dashboard.html", {"teams": teams, "gesprekken": gesprekken}
    )


@login_required
def new(request):
    teams = teams_of(request.user)
    if not teams.exists():
        return render(request, "meetings/facilitator/no_team.html", status=403)
    version = default_deck_version()
    principles = list(version.principles.order_by("order")) if version else []
    form = NewGesprekForm(posted(request), teams=teams, principles=principles)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            gesprek = services.create_gesprek(
                team=data["team"],
                user=request.user,
                principles=data["principle_objects"],
                audience=data["audience"],
                threshold=data["threshold"],
                title=data["title"],
            )
        except services.MeetingError as problem:
            form.add_error(None, str(problem))
        else:
            return redirect("meetings:control", public_id=gesprek.public_id)
    return render(request, "meetings/facilitator/new.html", {"form": form, "version": version})


def _facilitator_context(request, gesprek, presenter=False):
    stream_url = screens.stream_url(gesprek, "facilitator")  # first: it fixes the step we show
    return {
        **screens.facilitator_context(gesprek, presenter=presenter, sort=request.GET.get("sort")),
        "join_url": _join_url(request, gesprek),
        "join_start_url": request.build_absolute_uri(reverse("meetings:join_start")),
        "stream_url": stream_url,
    }


@login_required
def control(request, public_id):
    gesprek = own_gesprek(request, public_id)
    return render(
        request, "meetings/facilitator/control.html", _facilitator_context(request, gesprek)
    )


@login_required
def presenter(request, public_id):
    gesprek = own_gesprek(request, public_id)
    return render(
        request,
        "meetings/facilitator/presenter.html",
        _facilitator_context(request, gesprek, presenter=True),
    )


@login_required
def qr_code(request, public_id):
    gesprek = own_gesprek(request, public_id)
    svg = io.BytesIO()
    segno.make(_join_url(request, gesprek), error="m").save(
        svg, kind="svg", scale=8, border=2, dark="#000", light="#fff", xmldecl=False
    )
    response = HttpResponse(svg.getvalue(), content_type="image/svg+xml")
    response["Cache-Control"] = "private, max-age=3600"
    return response


@login_required
@require_POST
def change_step(request, public_id):
    gesprek = own_gesprek(request, public_id)
    step = request.POST.get("step", "")
    try:
        services.set_step(gesprek, step)
    except services.MeetingError as problem:
        messages.error(request, str(problem))
    else:
        messages.success(request, _("Step changed to: %(step)s.") % {"step": Step(step).label})
    return _back_to(request, public_id)


def _back_to(request, public_id):
    target = request.POST.get("next") == "presenter"
    return redirect("meetings:presenter" if target else "meetings:control", public_id=public_id)


@login_required
@require_POST
def change_question(request, public_id):
    gesprek = own_gesprek(request, public_id)
    question = request.POST.get("question", "")
    try:
        discussion.go_to_question(gesprek, int(question) if question.isdigit() else 0)
    except services.MeetingError as problem:
        messages.error(request, str(problem))
    return _back_to(request, public_id)


@login_required
@require_POST
def timer(request, public_id):
    gesprek = own_gesprek(request, public_id)
    form = TimerForm(request.POST)
    try:
        if request.POST.get("stop"):
            discussion.set_timer(gesprek, None)
        elif form.is_valid():
            discussion.set_timer(gesprek, form.cleaned_data["minutes"])
        else:
            messages.error(request, _("Choose a time from 1 to 120 minutes."))
    except services.MeetingError as problem:
        messages.error(request, str(problem))
    return _back_to(request, public_id)


@login_required
@require_POST
def hide_note(request, public_id, note_id):
    gesprek = own_gesprek(request, public_id)
    try:
        discussion.set_note_hidden(gesprek, note_id, request.POST.get("hidden") == "1")
    except services.MeetingError as problem:
        messages.error(request, str(problem))
    return _back_to(request, public_id)

"""Facilitator pages: start a gesprek, show the join screen, move through the steps."""

import io
from urllib.parse import urlsplit

import segno
from django.conf import settings
from django.contrib import messages
from django.http import HttpResponse
from django.http.request import split_domain_port
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gesprekskaarten.core.forms import posted
from gesprekskaarten.decks.services import default_deck_version
from gesprekskaarten.organisations.policy import (
    Rule,
    allow,
    facilitated_gesprekken,
    team_creating_organisations,
)
from gesprekskaarten.teams.services import teams_of

from .. import discussion, mirror, presenter, screens, services
from ..forms import NewGesprekForm, TimerForm
from ..models import Gesprek, Step


def own_gesprek(request, public_id) -> Gesprek:
    return services.gesprek_for_facilitator(request.user, public_id)


LOOPBACK = {"127.0.0.1", "localhost", "[::1]", "::1"}


def public_url(request, path: str) -> str:
    """The address for the phones in the room: the request's own, unless the facilitator's
    browser is on this machine (127.0.0.1) and GK_BASE_URL names another host, as in a trial
    in a room (`--lan`): phones cannot reach 127.0.0.1."""
    base = urlsplit(settings.GK_BASE_URL)
    if split_domain_port(request.get_host())[0] in LOOPBACK and base.hostname not in LOOPBACK:
        return settings.GK_BASE_URL + path
    return request.build_absolute_uri(path)


def _join_url(request, gesprek) -> str:
    return public_url(request, reverse("meetings:join", args=[gesprek.join_code]))


@allow(Rule.SIGNED_IN)
def dashboard(request):
    teams = teams_of(request.user)
    gesprekken = facilitated_gesprekken(request.user).select_related("team")[:100]
    return render(
        request, "meetings/facilitator/dashboard.html", {"teams": teams, "gesprekken": gesprekken}
    )


@allow(Rule.SIGNED_IN)
def new(request):
    # An archived team starts no new gesprekken (organisations' team pages archive them).
    teams = teams_of(request.user).filter(archived_at__isnull=True)
    if not teams.exists():
        organisations = team_creating_organisations(request.user)
        return render(
            request, "meetings/facilitator/no_team.html", {"organisations": organisations}
        )
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
        "join_start_url": public_url(request, reverse("meetings:join_start")),
        "stream_url": stream_url,
    }


@allow(Rule.TEAM_FACILITATOR)
def control(request, public_id):
    gesprek = own_gesprek(request, public_id)
    context = _facilitator_context(request, gesprek)
    if gesprek.step == Step.RESULTS:
        context.update(_pages_context(gesprek, context["results"]))
    return render(request, "meetings/facilitator/control.html", context)


@allow(Rule.TEAM_FACILITATOR)
def presenter_screen(request, public_id):
    """The screen for the room (a projector): no site chrome and nothing that posts. In the
    results it shows one page at a time: the overview of all cards, then one card per page.
    The page is server state (`Gesprek.presenter_page`, set from the control page); the
    presenter's own keys page locally over the same server-rendered pages (presenter.js)."""
    gesprek = own_gesprek(request, public_id)
    context = _facilitator_context(request, gesprek, presenter=True)
    if gesprek.step == Step.RESULTS:
        context.update(_pages_context(gesprek, context["results"]))
    return render(request, "meetings/facilitator/presenter.html", context)


def presenter_pages(gesprek, results) -> list:
    """The presenter's pages of the results, with a leader's mirror's comparison once its
    leader shared it (never before: the presenter is seen by the room)."""
    return presenter.pages(results, mirror.shared_comparison(gesprek))


def _pages_context(gesprek, results) -> dict:
    pages = presenter_pages(gesprek, results)
    page = min(gesprek.presenter_page, len(pages) - 1)
    return {"pages": pages, "page": pages[page]}


@allow(Rule.TEAM_FACILITATOR)
@require_POST
def presenter_page(request, public_id):
    """Page the presenter screen through the results from the control page."""
    gesprek = own_gesprek(request, public_id)
    page = request.POST.get("page", "")
    last = len(presenter_pages(gesprek, screens.results_context(gesprek)["results"])) - 1
    try:
        services.set_presenter_page(gesprek, int(page) if page.isdigit() else 0, last)
    except services.MeetingError as problem:
        messages.error(request, str(problem))
    return redirect(reverse("meetings:control", args=[public_id]) + "#gk-presenter-pages")


@allow(Rule.TEAM_FACILITATOR)
def end(request, public_id):
    """Ending the gesprek takes two steps: this page says what happens and asks to confirm
    (with JavaScript the control page shows the same form in a dialog)."""
    gesprek = own_gesprek(request, public_id)
    if gesprek.is_closed:
        return redirect("meetings:control", public_id=public_id)
    return render(request, "meetings/facilitator/end.html", _facilitator_context(request, gesprek))


@allow(Rule.TEAM_FACILITATOR)
def qr_code(request, public_id):
    gesprek = own_gesprek(request, public_id)
    svg = io.BytesIO()
    segno.make(_join_url(request, gesprek), error="m").save(
        svg, kind="svg", scale=8, border=2, dark="#000", light="#fff", xmldecl=False
    )
    response = HttpResponse(svg.getvalue(), content_type="image/svg+xml")
    response["Cache-Control"] = "private, max-age=3600"
    return response


@allow(Rule.TEAM_FACILITATOR)
@require_POST
def change_step(request, public_id):
    gesprek = own_gesprek(request, public_id)
    step = request.POST.get("step", "")
    if step == Step.CLOSED and request.POST.get("confirm") != "1":
        return redirect("meetings:end", public_id=public_id)  # never in one click
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


@allow(Rule.TEAM_FACILITATOR)
@require_POST
def change_question(request, public_id):
    gesprek = own_gesprek(request, public_id)
    question = request.POST.get("question", "")
    try:
        discussion.go_to_question(gesprek, int(question) if question.isdigit() else 0)
    except services.MeetingError as problem:
        messages.error(request, str(problem))
    return _back_to(request, public_id)


@allow(Rule.TEAM_FACILITATOR)
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


@allow(Rule.TEAM_FACILITATOR)
@require_POST
def hide_note(request, public_id, note_id):
    gesprek = own_gesprek(request, public_id)
    try:
        discussion.set_note_hidden(gesprek, note_id, request.POST.get("hidden") == "1")
    except services.MeetingError as problem:
        messages.error(request, str(problem))
    return _back_to(request, public_id)

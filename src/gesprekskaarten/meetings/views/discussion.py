"""Rode draden and dot voting: the facilitator's grouping page and vote controls, and the
participant's ballot. Plain forms (POST, then redirect); the services explain what is wrong."""

from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gesprekskaarten.core import ratelimit
from gesprekskaarten.core.ratelimit import limit_posts
from gesprekskaarten.organisations.policy import Rule, allow

from .. import screens, themes, voting
from ..discussion_forms import (
    BallotForm,
    MergeForm,
    MoveNoteForm,
    NewThemeForm,
    OpenVoteForm,
    SplitForm,
    ThemeNameForm,
)
from ..models import Step
from ..services import MeetingError
from .facilitator import _facilitator_context, own_gesprek
from .participant import _gesprek_and_participant, _participant_context, participant_key

# --- rode draden (facilitator) -------------------------------------------------------------


@allow(Rule.TEAM_FACILITATOR)
def theme_page(request, public_id):
    return _theme_page(request, own_gesprek(request, public_id))


def _theme_page(request, gesprek, *, error=None, new_form=None, selected=()):
    """The grouping page; after a refused change again, with the reason (status 400) and what
    was typed and ticked for a new theme. Live: new notes appear by themselves (the
    facilitator's stream, read first so that no change is missed; see docs/live.md)."""
    stream_url = screens.stream_url(gesprek, "facilitator")
    context = {
        "gesprek": gesprek,
        "grouping": themes.grouping_of(gesprek),
        "can_change": gesprek.step == Step.DISCUSSION,
        "error": error,
        "new_form": new_form or NewThemeForm(),
        "selected": set(selected),
        "stream_url": stream_url,
    }
    return render(request, "meetings/themes/grouping.html", context, status=400 if error else 200)


def _first_error(form) -> str:
    return next(iter(form.errors.values()))[0]


def _theme_change(request, public_id, form_class, change, *, anchor=""):
    """Run `change(gesprek, cleaned_data)` for a posted form; show the page again on a problem."""
    gesprek = own_gesprek(request, public_id)
    form = form_class(request.POST)
    try:
        if not form.is_valid():
            raise MeetingError(_first_error(form))
        done = change(gesprek, form.cleaned_data)
    except MeetingError as problem:
        if form_class is NewThemeForm:
            return _theme_page(
                request,
                gesprek,
                error=str(problem),
                new_form=form,
                selected=form.cleaned_data.get("notes", []),
            )
        return _theme_page(request, gesprek, error=str(problem))
    messages.success(request, done)
    url = reverse("meetings:themes", args=[public_id])
    return redirect(url + (f"#{anchor}" if anchor else ""))


@allow(Rule.TEAM_FACILITATOR)
@require_POST
def theme_create(request, public_id):
    def change(gesprek, data):
        theme = themes.create_theme(gesprek, data["name"], data["notes"])
        return _("Theme “%(name)s” made.") % {"name": theme.name}

    return _theme_change(request, public_id, NewThemeForm, change)


@allow(Rule.TEAM_FACILITATOR)
@require_POST
def theme_rename(request, public_id, theme_id):
    def change(gesprek, data):
        theme = themes.rename_theme(gesprek, theme_id, data["name"])
        return _("Theme renamed to “%(name)s”.") % {"name": theme.name}

    return _theme_change(request, public_id, ThemeNameForm, change, anchor=f"gk-theme-{theme_id}")


@allow(Rule.TEAM_FACILITATOR)
@require_POST
def theme_merge(request, public_id, theme_id):
    def change(gesprek, data):
        theme = themes.merge_themes(gesprek, theme_id, data["other"], data["name"])
        return _("Themes merged into “%(name)s”.") % {"name": theme.name}

    return _theme_change(request, public_id, MergeForm, change, anchor=f"gk-theme-{theme_id}")


@allow(Rule.TEAM_FACILITATOR)
@require_POST
def theme_split(request, public_id, theme_id):
    def change(gesprek, data):
        theme = themes.split_theme(gesprek, theme_id, data["notes"], data["name"])
        return _("New theme “%(name)s” split off.") % {"name": theme.name}

    return _theme_change(request, public_id, SplitForm, change)


@allow(Rule.TEAM_FACILITATOR)
@require_POST
def theme_delete(request, public_id, theme_id):
    def change(gesprek, data):
        themes.delete_theme(gesprek, theme_id)
        return _("Theme deleted. Its notes are kept, without a theme.")

    return _theme_change(request, public_id, forms.Form, change)


@allow(Rule.TEAM_FACILITATOR)
@require_POST
def note_theme(request, public_id, note_id):
    def change(gesprek, data):
        themes.move_note(gesprek, note_id, data["theme"])
        return _("Note moved.") if data["theme"] else _("Note taken out of its theme.")

    return _theme_change(request, public_id, MoveNoteForm, change, anchor=f"gk-note-{note_id}")


# --- dot voting (facilitator) --------------------------------------------------------------


def _vote_url(request, public_id) -> str:
    page = "meetings:presenter" if request.POST.get("next") == "presenter" else "meetings:control"
    return reverse(page, args=[public_id]) + "#gk-vote"


@allow(Rule.TEAM_FACILITATOR)
def vote_open(request, public_id):
    gesprek = own_gesprek(request, public_id)
    if request.method != "POST":  # a refused vote's page, reloaded: back to the control page
        return redirect(_vote_url(request, public_id))
    form = OpenVoteForm(request.POST, theme_choices=themes.themes_of(gesprek))
    if form.is_valid():
        data = form.cleaned_data
        try:
            voting.open_vote(
                gesprek,
                theme_ids=data.get("themes", []),
                proposals=data["proposals"],
                dots=data["dots"],
            )
        except MeetingError as problem:
            form.add_error(None, str(problem))
        else:
            messages.success(request, _("The vote is open."))
            return redirect(_vote_url(request, public_id))
    context = _facilitator_context(request, gesprek)
    context["vote_form"] = form
    return render(request, "meetings/facilitator/control.html", context, status=400)


@allow(Rule.TEAM_FACILITATOR)
@require_POST
def vote_close(request, public_id):
    gesprek = own_gesprek(request, public_id)
    try:
        voting.close_vote(gesprek)
    except MeetingError as problem:
        messages.error(request, str(problem))
    else:
        messages.success(request, _("The vote is closed; the results are on every screen."))
    return redirect(_vote_url(request, public_id))


# --- dot voting (participant) --------------------------------------------------------------


@allow(Rule.PARTICIPANT)
@limit_posts(ratelimit.VOTES, key=participant_key)
def ballot(request, code):
    gesprek, participant = _gesprek_and_participant(request, code)
    if participant is None:
        return redirect("meetings:join", code=gesprek.join_code)
    page = reverse("meetings:gesprek", args=[gesprek.join_code])
    if request.method != "POST":
        # A refused ballot is shown at this address; when its live page fetches or reloads
        # it, or the browser refreshes it, the discussion page answers.
        return redirect(page)
    box = voting.vote_box(gesprek, participant)
    posted_vote = request.POST.get("ballot-vote", "")
    if box.open is None or str(box.open.pk) != posted_vote:
        messages.error(request, _("This vote is closed. Your dots were not saved."))
        return redirect(page)
    form = BallotForm(request.POST, vote=box.open, options=box.options, own=box.own)
    try:
        if not form.is_valid():
            raise MeetingError(_("Check the numbers of dots."))
        voting.place_dots(participant, box.open.pk, form.counts())
    except MeetingError as problem:
        if gesprek.step != Step.DISCUSSION:  # the discussion ended meanwhile: show where we are
            messages.error(request, str(problem))
            return redirect(page)
        form.add_error(None, str(problem))
        context = {**_participant_context(request, gesprek, participant), "ballot_form": form}
        return render(request, "meetings/participant/discussion.html", context, status=400)
    return redirect(page + "#gk-vote")  # the ballot itself says how many dots are placed

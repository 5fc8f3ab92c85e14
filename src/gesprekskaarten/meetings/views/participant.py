"""Participant pages: join with a code, mark behaviours, follow the gesprek."""

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpResponse, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.views.decorators.http import require_POST

from gesprekskaarten.core import ratelimit
from gesprekskaarten.core.forms import posted
from gesprekskaarten.core.ratelimit import limit_posts
from gesprekskaarten.organisations.policy import Rule, allow

from .. import answering, discussion, screens, services
from ..forms import CardForm, JoinCodeForm, JoinForm, NoteForm
from ..models import Choice, Gesprek, Step
from ..services import MeetingError


def cookie_name(gesprek: Gesprek) -> str:
    return answering.cookie_name(gesprek.join_code)


def participant_key(request) -> int | None:
    """What the per-participant limits count: the participant, only when the cookie belongs
    to one (made-up cookies create no counters; the view refuses them)."""
    _gesprek, participant = _found(request, request.resolver_match.kwargs.get("code", ""))
    return participant.pk if participant else None


def _found(request, code):
    """(the gesprek of `code` or None, this device's participant in it or None), looked up
    once per request: the rate limit and the view both need them."""
    found = getattr(request, "_gk_found", None)
    if found is None or found[0] != code:
        gesprek = services.find_by_code(code, related=False)
        participant = _participant_or_none(request, gesprek) if gesprek else None
        found = request._gk_found = (code, gesprek, participant)
    return found[1], found[2]


def _participant_or_none(request, gesprek):
    return services.participant_for(gesprek, request.COOKIES.get(cookie_name(gesprek)))


def _gesprek_or_404(code) -> Gesprek:
    gesprek = services.find_by_code(code)
    if gesprek is None:
        raise Http404
    return gesprek


class Refused(Exception):
    """Too many wrong codes from this address (or from everyone): wait a minute."""


def _find_for_joining(request, code) -> Gesprek | None:
    """The gesprek of `code`, or None, or Refused. A valid code is never refused by the
    wrong-code limits: a room behind one address gets in after someone mistyped, and a flood
    of wrong codes from elsewhere locks nobody out. So that a valid code cannot be guessed
    past the limits either, a *limited* address gets only
    GK_RATE_CODES_WHILE_LIMITED_PER_MINUTE look-ups a minute (docs/security.md). An address
    is limited after its tenth wrong code in a minute, or, while everyone's wrong codes are
    over the global cap, after its first."""
    address = ratelimit.client_address(request)
    wrong = ratelimit.WRONG_CODES.count(address)
    limited = wrong >= ratelimit.WRONG_CODES.allowed or (
        wrong > 0 and ratelimit.WRONG_CODES_TOTAL.reached("*")
    )
    if limited and (
        ratelimit.CODES_WHILE_LIMITED.hit(address) > ratelimit.CODES_WHILE_LIMITED.allowed
    ):
        raise Refused
    gesprek = services.find_by_code(code)
    if gesprek is None:
        ratelimit.WRONG_CODES.hit(address)
        ratelimit.WRONG_CODES_TOTAL.hit("*")
        if limited:
            raise Refused
    return gesprek


@allow(Rule.ANYONE)
def join_start(request):
    form = JoinCodeForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            gesprek = _find_for_joining(request, form.cleaned_data["code"])
        except Refused:
            return ratelimit.too_many(request)
        problem = services.join_problem(gesprek)
        if problem is None:
            return redirect("meetings:join", code=gesprek.join_code)
        form.add_error("code", problem)
    return render(request, "meetings/join_start.html", {"form": form})


@allow(Rule.ANYONE)
def join(request, code):
    try:
        gesprek = _find_for_joining(request, code)
    except Refused:
        return ratelimit.too_many(request)
    problem = services.join_problem(gesprek)
    if problem:
        status = 404 if gesprek is None else 410
        return render(request, "meetings/join_problem.html", {"problem": problem}, status=status)
    if gesprek.is_mirror and request.user.is_authenticated and gesprek.leader_id == request.user.pk:
        # The leader of a mirror is not one of its participants: they mark themself on their
        # own page. (Someone signed out cannot be told apart: docs/leaders-mirror.md.)
        return render(
            request, "meetings/mirror/join_refused.html", {"gesprek": gesprek}, status=403
        )
    if _participant_or_none(request, gesprek):
        return redirect("meetings:gesprek", code=gesprek.join_code)
    form = JoinForm(posted(request))
    if request.method == "POST" and form.is_valid():
        _participant, token = services.join(gesprek)
        response = redirect("meetings:gesprek", code=gesprek.join_code)
        response.set_cookie(
            cookie_name(gesprek),
            token,
            max_age=settings.GK_JOIN_CODE_DAYS * 24 * 3600,
            secure=settings.SESSION_COOKIE_SECURE,
            httponly=True,
            samesite="Lax",
        )
        return response
    return render(request, "meetings/join.html", {"gesprek": gesprek, "form": form})


def _participant_context(request, gesprek, participant, *, sort="order"):
    """The page for this person: the shared screen, their own parts, and the stream of their
    language (read first: it fixes the step we show)."""
    stream_url = screens.stream_url(gesprek, screens.audience(get_language()))
    return {
        **screens.participant_context(gesprek, participant, sort=sort),
        "stream_url": stream_url,
        "person": screens.person_data(gesprek, participant, get_token(request)),
    }


@allow(Rule.PARTICIPANT)
def gesprek(request, code):
    gesprek, participant = _gesprek_and_participant(request, code)
    if participant is None:
        return redirect("meetings:join", code=gesprek.join_code)
    page = screens.page_for(request, gesprek, participant, sort=request.GET.get("sort"))
    if page is not None:  # the page everyone shares in this state, with this person's parts
        return HttpResponse(page)
    context = _participant_context(request, gesprek, participant, sort=request.GET.get("sort"))
    return render(request, screens.template_of(gesprek), context)


def _gesprek_and_participant(request, code):
    """The gesprek of this code (or 404) and this device's participant in it (or None)."""
    gesprek, participant = _found(request, code)
    if gesprek is None:
        raise Http404
    return gesprek, participant


@allow(Rule.PARTICIPANT)
@limit_posts(ratelimit.NOTES, key=participant_key)
def note_add(request, code):
    gesprek, participant = _gesprek_and_participant(request, code)
    if participant is None:
        return redirect("meetings:join", code=gesprek.join_code)
    if request.method != "POST":  # e.g. a live refresh of a page shown after a refused note
        return redirect("meetings:gesprek", code=gesprek.join_code)
    form = NoteForm(request.POST)
    try:
        discussion.add_note(participant, form.data.get("text", ""))
    except MeetingError as problem:
        if gesprek.step != Step.DISCUSSION:  # the question moved on or ended: show where we are
            messages.error(request, str(problem))
            return redirect("meetings:gesprek", code=gesprek.join_code)
        form.add_error("text", str(problem))
        context = {**_participant_context(request, gesprek, participant), "form": form}
        return render(request, "meetings/participant/discussion.html", context, status=400)
    return redirect(_notes_url(gesprek))


def _notes_url(gesprek) -> str:
    return reverse("meetings:gesprek", args=[gesprek.join_code]) + "#gk-notes"


@allow(Rule.PARTICIPANT)
@limit_posts(ratelimit.NOTES, key=participant_key)
def note_edit(request, code, note_id):
    gesprek, participant = _gesprek_and_participant(request, code)
    if participant is None:
        return redirect("meetings:join", code=gesprek.join_code)
    notes = discussion.notes_for(gesprek, gesprek.question, viewer=participant)
    note = next((n for n in notes if n["id"] == note_id and n["own"]), None)
    if note is None:
        raise Http404
    form = NoteForm(posted(request), initial={"text": note["text"]})
    if request.method == "POST":
        try:
            if request.POST.get("delete"):
                discussion.delete_note(participant, note_id)
            else:
                discussion.edit_note(participant, note_id, form.data.get("text", ""))
        except MeetingError as problem:
            form.add_error("text", str(problem))
        else:
            return redirect(_notes_url(gesprek))
    return render(
        request,
        "meetings/participant/note_edit.html",
        {**_participant_context(request, gesprek, participant), "form": form, "note": note},
        status=400 if form.errors else 200,
    )


@allow(Rule.PARTICIPANT)
@limit_posts(ratelimit.ANSWERS, key=participant_key)
def card(request, code, principle_slug):
    gesprek, participant = _gesprek_and_participant(request, code)
    if participant is None:
        return redirect("meetings:join", code=gesprek.join_code)
    if gesprek.step != Step.MARKING:
        return redirect("meetings:gesprek", code=gesprek.join_code)
    if request.method != "POST":  # the card everyone shares, with this person's marks
        page = screens.card_page_for(
            request, gesprek, participant, lambda: _card_context(gesprek, principle_slug)
        )
        if page is not None:
            return HttpResponse(page)
    existing = services.marks_of(participant)
    context = _card_context(gesprek, principle_slug, posted(request), existing)
    form, next_principle, error = context["form"], context["next_principle"], None
    if request.method == "POST":
        if form.is_valid():
            try:
                services.save_answers(participant, form.answers(existing))
            except MeetingError as problem:
                error = str(problem)
            else:
                if next_principle:
                    return redirect("meetings:card", gesprek.join_code, next_principle.slug)
                return redirect("meetings:gesprek", code=gesprek.join_code)
        else:
            error = form.errors.as_text()
    return render(
        request,
        "meetings/participant/card.html",
        {**_participant_context(request, gesprek, participant), **context, "error": error},
        status=400 if error else 200,
    )


def _card_context(gesprek, principle_slug, data=None, marks=None) -> dict:
    """One card of the gesprek, with its form when one person's marks are shown (`marks`)
    or posted (`data`); without either, the card as everyone shares it, nothing ticked
    (screens.card_page_for fills in the marks)."""
    principles = list(gesprek.principles.order_by("order"))
    principle = next((p for p in principles if p.slug == principle_slug), None)
    if principle is None:
        raise Http404
    behaviours = [b for b in services.behaviours_of(gesprek) if b.principle_id == principle.pk]
    index = principles.index(principle)
    context = {
        "principle": principle,
        "number": index + 1,
        "count": len(principles),
        "next_principle": principles[index + 1] if index + 1 < len(principles) else None,
    }
    if data is None and marks is None:
        return {**context, "rows": [_card_row(b) for b in behaviours]}
    form = CardForm(data, behaviours=behaviours, marks=marks or {})
    rows = [
        _card_row(b, form[f"choice-{b.pk}"].value(), form[f"discuss-{b.pk}"].value())
        for b in behaviours
    ]
    return {**context, "form": form, "rows": rows}


def _card_row(behaviour, choice=None, discuss=None) -> dict:
    """One behaviour's inputs with the names, ids and checked state that CardForm's RadioSelect
    and CheckboxInput give them. The card's template writes the markup itself: Django's widget
    templates, one per input, were about half of a card's render, and a room opens its cards
    at the same moment."""
    pk = behaviour.pk
    return {
        "behaviour": behaviour,
        "options": [
            {
                "value": value,
                "label": label,
                "id": f"id_choice-{pk}_{index}",
                "checked": choice is not None and str(choice) == value,
            }
            for index, (value, label) in enumerate(Choice.choices)
        ],
        "discuss": {"id": f"id_discuss-{pk}", "checked": discuss not in (False, None, "")},
    }


@allow(Rule.PARTICIPANT)
@require_POST
def answer(request, code):
    """The answer endpoint as Django serves it (the test client, WSGI). Under ASGI, asgi.py
    sends this URL to `answering.endpoint` before Django, with the same checks."""
    reply = answering.answer_request(request, code)
    response = JsonResponse(reply.data, status=reply.status)
    for name, value in reply.headers:
        response[name] = value
    return response

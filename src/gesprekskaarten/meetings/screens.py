"""A gesprek's screens, composed in one place: the facilitator's (`facilitator_context`) and
the participant's, for two kinds of reader:

- one person (a page request): `participant_context(gesprek, participant)`;
- everyone at once (a live event): `page_for_everyone(gesprek, language)` renders the same page
  once per language, with nothing of any one person in it. Events carry its <main> (a step
  changed) or some of its regions (notes, timer, themes, vote, agreements changed).

What is per person stays per person without a page render: `person_data` is a small JSON
object in each page (the person's CSRF token, own note ids, own marks per card, own dots), and
live.js fills it into content swapped in from an event, exactly as the server fills it into a
page it renders for that person (docs/live.md, "Live screens: what each screen gets").
"""

import html
import json
import re
import threading
from collections import OrderedDict

from django.conf import settings
from django.contrib import messages
from django.db import connection
from django.db.models import Count
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.html import json_script

from gesprekskaarten.core import fragments
from gesprekskaarten.live import conf as live_conf
from gesprekskaarten.live import services as live

from . import discussion, services, trend
from .models import Answer, Gesprek, Participant, Step
from .results import SORTS, results_for

AUDIENCE = "participant"
LANGUAGES = [code for code, _name in settings.LANGUAGES]
CSRF_PLACEHOLDER = "gk-csrf"  # noqa: S105 - replaced by each person's own token in the browser


def audience(language: str) -> str:
    """The stream audience of participant screens in `language`: one render per language."""
    language = language if language in LANGUAGES else settings.LANGUAGE_CODE
    return f"{AUDIENCE}-{language}"


def audiences() -> list[str]:
    return [audience(language) for language in LANGUAGES]


def stream_url(gesprek: Gesprek, audience: str) -> str:
    """The stream to follow from this page on. The event sequence is read first and what the
    events change is read again after it, so an event that happens while the page renders is
    replayed, not lost."""
    url = live.stream_url(gesprek.channel, audience, last_event_id=live.last_seq(gesprek.channel))
    gesprek.refresh_from_db(
        fields=["step", "closed_at", "question", "timer_ends_at", "follow_up_on"]
    )
    return url


def page_url(gesprek: Gesprek) -> str:
    return reverse("meetings:gesprek", args=[gesprek.join_code])


def template_of(gesprek: Gesprek) -> str:
    return f"meetings/participant/{gesprek.step}.html"


def participant_context(
    gesprek: Gesprek,
    participant: Participant | None = None,
    *,
    sort: str = "order",
    in_language: bool = True,
) -> dict:
    """What the participant's page shows in the gesprek's current step. Without a participant:
    the page as everyone gets it from a live event (no own notes, marks or dots). Without
    `in_language`, the parts written in the reader's language are left for `language_context`
    (a live event adds them once per language)."""
    from gesprekskaarten.agreements import context as agreements_context

    from .discussion_forms import PARTICIPANT, themes_and_votes_context
    from .forms import NoteForm

    context = {
        "gesprek": gesprek,
        "progress": services.progress(gesprek),
        **agreements_context.participant_context(gesprek),
    }
    if gesprek.step == Step.MARKING:
        context["cards"] = _cards(gesprek, participant)
    elif gesprek.step == Step.RESULTS:
        context.update(results_context(gesprek, sort))
    elif gesprek.step == Step.DISCUSSION:
        context.update(discussion_context(gesprek, viewer=participant))
        context.update(themes_and_votes_context(gesprek, role=PARTICIPANT, viewer=participant))
        context["form"] = NoteForm()
    if in_language:
        context.update(language_context(gesprek))
    return context


def language_context(gesprek: Gesprek) -> dict:
    """The parts of a screen that are written in the active language: the closed summary."""
    from gesprekskaarten.reports.summary import summary_context

    if gesprek.step != Step.CLOSED:
        return {}
    language = translation.get_language()
    return once_per_state(gesprek, ("summary", language), lambda: summary_context(gesprek))


def facilitator_context(gesprek: Gesprek, *, presenter: bool = False, sort="order") -> dict:
    """What the facilitator's control page (or the presenter screen, seen by the room) shows
    in the current step; the view adds the join links and its stream."""
    from gesprekskaarten.agreements import context as agreements_context

    from .discussion_forms import FACILITATOR, PRESENTER, themes_and_votes_context
    from .forms import TimerForm

    done, joined = services.progress(gesprek)
    context = {
        "gesprek": gesprek,
        "principles": gesprek.principles.order_by("order"),
        "progress": (done, joined),
        "participants": joined,
        "next_steps": services.TRANSITIONS[Step(gesprek.step)],
    }
    if gesprek.step == Step.RESULTS:
        context.update(results_context(gesprek, sort))
    elif gesprek.step == Step.DISCUSSION:
        # The presenter screen is seen by the room: hidden notes stay off it.
        context.update(discussion_context(gesprek, moderator=not presenter))
        context.update(
            themes_and_votes_context(gesprek, role=PRESENTER if presenter else FACILITATOR)
        )
        context["timer_form"] = TimerForm()
    context.update(language_context(gesprek))
    context.update(agreements_context.facilitator_context(gesprek, presenter=presenter))
    return context


def _cards(gesprek: Gesprek, participant: Participant | None) -> list[dict]:
    answered = answered_per_card(participant) if participant else {}
    behaviours = list(services.behaviours_of(gesprek))
    return [
        {
            "principle": principle,
            "done": answered.get(principle.pk, 0),
            "total": sum(1 for b in behaviours if b.principle_id == principle.pk),
        }
        for principle in gesprek.principles.order_by("order")
    ]


def results_context(gesprek: Gesprek, sort: str = "order") -> dict:
    sort = sort if sort in SORTS else "order"

    def compute():
        results = results_for(gesprek, sort)
        return {
            "results": results,
            "previous_gesprek": trend.annotate(gesprek, results),
            # Below k on every card there is nothing to sort or to colour: no links, no key.
            "results_shown": any(card.shown for card in results),
        }

    return {
        **once_per_state(gesprek, ("results", sort), compute),
        "sort": sort,
        "sorts": list(SORTS),
    }


_shared: OrderedDict = OrderedDict()
_shared_lock = threading.Lock()
_computing: dict = {}  # key -> the lock of the one thread computing it now
# The newest values kept (pages per language and address, cards, results, rode draden): some
# ten per live gesprek, so room for about 400 gesprekken at once. A value of an older state of
# its gesprek goes as soon as a newer one is kept.
SHARED_STATES = 4096


def once_per_state(gesprek: Gesprek, what, compute):
    """What every screen of a gesprek shows alike (results, trend, summary), computed once per
    state of the gesprek: its newest event number, since every change publishes an event.

    Inside a transaction (a writer) it is computed afresh: the state it sees is not committed
    yet, and must not be kept for readers who do not see it. Outside one every query sees the
    newest committed state, so a value is kept only when the event number is the same after
    computing it as before: no change committed in between, the value is all of that state.

    Requests that want the same value at the same moment (a room's phones all opening the card
    the facilitator just started) wait for the one thread computing it instead of each
    computing it too.
    """
    if connection.in_atomic_block:
        return compute()
    seq = _state_seq(gesprek)
    key = (gesprek.pk, seq, what)
    with _shared_lock:
        if key in _shared:
            _shared.move_to_end(key)
            return _shared[key]
        computing = _computing.setdefault(key, threading.RLock())
    try:
        with computing:
            with _shared_lock:
                if key in _shared:  # computed by the thread we waited for
                    return _shared[key]
            value = compute()
            if live.last_seq(gesprek.channel) == seq:
                _keep(key, value)
            return value
    finally:
        with _shared_lock:
            if _computing.get(key) is computing:
                del _computing[key]


_kept_of: dict[int, set] = {}  # gesprek pk -> its keys in _shared


def _keep(key, value) -> None:
    pk, seq, _what = key
    with _shared_lock:
        kept = _kept_of.setdefault(pk, set())
        for old in [k for k in kept if k[1] < seq]:
            _shared.pop(old, None)
            kept.discard(old)
        _shared[key] = value
        kept.add(key)
        while len(_shared) > SHARED_STATES:
            oldest, _value = _shared.popitem(last=False)
            kept = _kept_of.get(oldest[0], set())
            kept.discard(oldest)
            if not kept:
                _kept_of.pop(oldest[0], None)


_rendering = threading.local()  # (gesprek pk, seq) while after_commit renders that state
RENDER_TRIES = 3


def _state_seq(gesprek: Gesprek) -> int:
    state = getattr(_rendering, "state", None)
    if state is not None and state[0] == gesprek.pk:
        return state[1]
    return live.last_seq(gesprek.channel)


class StateChanged(Exception):
    """The gesprek kept changing while an event's content was rendered (RENDER_TRIES times)."""


def after_commit(gesprek_pk: int, channel: str, payloads_of, *args) -> dict[str, str]:
    """An event's participant payloads, rendered after the writer's commit (live.publish's
    `render`) by `payloads_of(gesprek, *args)`, from one committed state of the gesprek.

    The render reads outside any transaction, so it checks that no other change of the gesprek
    committed while it read: the newest event number is the same before and after. If one did,
    it renders again (the content then shows that newer state, which its own event will show
    too); after RENDER_TRIES it gives up and the event goes out with its fallback (the screens
    fetch their page). So the content is always one state, never half of two, and never older
    than the change of its own event.
    """
    for _attempt in range(RENDER_TRIES):
        seq = live.last_seq(channel)
        gesprek = services.live_gesprekken().get(pk=gesprek_pk)
        _rendering.state = (gesprek_pk, seq)
        try:
            payloads = payloads_of(gesprek, *args)
        finally:
            _rendering.state = None
        if live.last_seq(channel) == seq:
            return payloads
    raise StateChanged(f"gesprek {gesprek_pk} changed during {RENDER_TRIES} renders")


def discussion_context(gesprek: Gesprek, viewer: Participant | None = None, moderator=False):
    return {
        "question": discussion.current_question(gesprek),
        "questions": discussion.questions_of(gesprek),
        "notes": discussion.notes_for(
            gesprek, gesprek.question, viewer=viewer, moderator=moderator
        ),
    }


def answered_per_card(participant: Participant) -> dict[int, int]:
    """How many behaviours of each card this participant has marked (a choice made)."""
    rows = (
        Answer.objects.filter(participant=participant)
        .exclude(choice="")
        .values("behaviour__principle_id")
        .annotate(done=Count("pk"))
    )
    return {row["behaviour__principle_id"]: row["done"] for row in rows}


def person_data(gesprek: Gesprek, participant: Participant, csrf_token: str) -> dict:
    """The person's own parts of their screen, for live.js to fill into swapped content.

    One plain SQL statement: every participant page request reads this, and building the four
    ORM queries it replaces cost more CPU than running them (docs/performance.md, "After the
    commit")."""
    with connection.cursor() as cursor:
        gesprek_id, person_id = gesprek.pk, participant.pk
        cursor.execute(
            _PERSON_SQL, [gesprek_id, person_id, person_id, gesprek_id, person_id, gesprek_id]
        )
        rows = cursor.fetchall()
    notes, answered, open_votes, dots = [], {}, [], {}
    for kind, first, second, vote in rows:
        if kind == "n":
            notes.append(first)
        elif kind == "a":
            answered[str(first)] = second
        elif kind == "v":
            open_votes.append(first)
        else:
            dots.setdefault(vote, {})[str(first)] = second
    data = {"csrf": csrf_token, "notes": sorted(notes), "answered": answered, "ballot": None}
    if gesprek.step == Step.DISCUSSION and open_votes:
        vote = min(open_votes)  # as DotVote's ordering: the first open vote
        data["ballot"] = {"vote": vote, "dots": dict(sorted(dots.get(vote, {}).items()))}
    return data


# n: the person's notes; a: per card, how many behaviours they marked (a choice made);
# v: the gesprek's open votes; d: their dots per option of an open vote.
_PERSON_SQL = """
SELECT 'n', "id", 0, 0 FROM "meetings_note" WHERE "gesprek_id" = %s AND "author_id" = %s
UNION ALL
SELECT 'a', b."principle_id", COUNT(*), 0 FROM "meetings_answer" a
  JOIN "decks_behaviour" b ON b."id" = a."behaviour_id"
  WHERE a."participant_id" = %s AND a."choice" <> '' GROUP BY b."principle_id"
UNION ALL
SELECT 'v', "id", 0, 0 FROM "meetings_dotvote" WHERE "gesprek_id" = %s AND "is_open"
UNION ALL
SELECT 'd', d."option_id", d."count", o."vote_id" FROM "meetings_placeddots" d
  JOIN "meetings_voteoption" o ON o."id" = d."option_id"
  JOIN "meetings_dotvote" v ON v."id" = o."vote_id"
  WHERE d."participant_id" = %s AND v."gesprek_id" = %s AND v."is_open"
"""


# --- rendered once for everyone --------------------------------------------------------------


def page_for_everyone(gesprek: Gesprek, language: str, context: dict | None = None) -> str:
    """The participant's page as a live event carries it: for everyone, in one language."""
    if context is None:
        context = participant_context(gesprek, in_language=False)
    with translation.override(language):
        return render_to_string(
            template_of(gesprek),
            {
                **context,
                **language_context(gesprek),
                "csrf_token": CSRF_PLACEHOLDER,
                "LANGUAGE_CODE": language,
            },
        )


def step_payloads(gesprek: Gesprek) -> dict[str, str]:
    """Per participant audience: the page's address, title and <main> for the new state."""
    context = participant_context(gesprek, in_language=False)  # once, for every language
    payloads = {}
    for language in LANGUAGES:
        page = page_for_everyone(gesprek, language, context)
        data = {
            "url": page_url(gesprek),
            "title": fragments.title_of(page),
            "main": fragments.main_of(page),
        }
        payloads[audience(language)] = _json(data)
    return payloads


def region_payloads(gesprek: Gesprek, region_ids) -> dict[str, str]:
    """Per participant audience: the page's address and the new HTML of each changed region
    the participant's page has (a region it does not show is left out)."""
    context = participant_context(gesprek, in_language=False)
    payloads = {}
    for language in LANGUAGES:
        page = page_for_everyone(gesprek, language, context)
        regions = {}
        for region_id in region_ids:
            html = fragments.element(page, region_id)
            if html:
                regions[region_id] = html
        payloads[audience(language)] = _json({"url": page_url(gesprek), "regions": regions})
    return payloads


def _json(data: dict) -> str:
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False)


# --- a page request from the shared page ---------------------------------------------------

PERSON_PLACEHOLDER = {"gk": "person"}
_CSRF_FIELD = f'name="csrfmiddlewaretoken" value="{CSRF_PLACEHOLDER}"'
_PERSON_SCRIPT = json_script(PERSON_PLACEHOLDER, "gk-person")
_PLAIN_QUERY = re.compile(r"(?:sort=[a-z_]{1,20})?")


def page_for(request, gesprek: Gesprek, participant: Participant, sort=None) -> str | None:
    """The participant's page, made from the page everyone of this language and address
    shares in this state of the gesprek (rendered once per state, `once_per_state`), with the
    person's own parts filled in as live.js fills them into an event's content: the CSRF token,
    the #gk-person data, their own notes' links, their marks per card and their dots.

    None when the page has parts of this request that no one else shares: a signed-in user's
    menu, a message to show, an address with other parameters. The view then renders the page
    for this person alone, as before."""
    if not _PLAIN_QUERY.fullmatch(request.META.get("QUERY_STRING", "")):
        return None
    return _from_shared_page(
        request,
        gesprek,
        participant,
        template_of(gesprek),
        lambda: participant_context(gesprek, None, sort=sort or "order"),
    )


def card_page_for(request, gesprek: Gesprek, participant: Participant, card_context) -> str | None:
    """A card to mark, made from the card page everyone of this language shares in this state
    (`card_context()`: the card's own context, for no one in particular), with the person's
    marks filled in: the page the view renders for them alone. None as for `page_for`."""
    if request.META.get("QUERY_STRING"):
        return None
    page = _from_shared_page(
        request,
        gesprek,
        participant,
        "meetings/participant/card.html",
        # The card's own context only: it shows no progress, agreements or list of cards.
        lambda: {"gesprek": gesprek, **card_context()},
    )
    return None if page is None else fill_marks(page, services.marks_of(participant))


def _from_shared_page(request, gesprek, participant, template, context_of) -> str | None:
    if request.user.is_authenticated or len(messages.get_messages(request)):
        return None
    language = translation.get_language()

    def compute():
        stream = stream_url(gesprek, audience(language))  # reads the state afresh
        context = {
            **context_of(),
            "stream_url": stream,
            "person": PERSON_PLACEHOLDER,
            "csrf_token": CSRF_PLACEHOLDER,
        }
        return render_to_string(template, context, request=request), stream

    key = ("page", language, request.get_full_path())
    page, stream = once_per_state(gesprek, key, compute)
    if live_conf.get("GK_LIVE_TOKEN_MAX_AGE"):  # tokens expire: a fresh one, not the kept one
        fresh = live.stream_url(
            gesprek.channel, audience(language), last_event_id=_query_value(stream)
        )
        page = page.replace(html.escape(stream), html.escape(fresh), 1)
    person = person_data(gesprek, participant, get_token(request))
    return personalize(page, person)


def fill_marks(page: str, marks: dict[int, tuple[str, bool]]) -> str:
    """A card page rendered with no marks, with these marks ticked ((choice, discuss) per
    behaviour id, `services.marks_of`) exactly as the card's form ticks them for their person."""

    def choice(match):
        mark = marks.get(int(match[2]))
        return f"{match[1]} checked>" if mark and mark[0] == match[3] else match[0]

    def discuss(match):
        mark = marks.get(int(match[2]))
        return f"{match[1]} checked>" if mark and mark[1] else match[0]

    page = _CHOICE_INPUT.sub(choice, page)
    return _DISCUSS_INPUT.sub(discuss, page)


_CHOICE_INPUT = re.compile(r'(<input type="radio" name="choice-(\d+)" value="(\w+)" id="[^"]*")>')
_DISCUSS_INPUT = re.compile(r'(<input type="checkbox" name="discuss-(\d+)" id="[^"]*")>')


def _query_value(url: str, name: str = "last_event_id") -> int | None:
    found = re.search(rf"[?&]{name}=(\d+)", url)
    return int(found[1]) if found else None


def personalize(page: str, person: dict) -> str:
    """Fill one person's own parts into a page (or content) rendered for everyone: what
    live.js's `personalize` does in the browser, on the same markup, so that the result equals
    the page rendered for that person."""
    page = page.replace(_CSRF_FIELD, f'name="csrfmiddlewaretoken" value="{person["csrf"]}"')
    page = page.replace(_PERSON_SCRIPT, json_script(person, "gk-person"), 1)
    notes = {str(pk) for pk in person["notes"]}
    if 'data-own-note="' in page:
        page = _OWN_NOTE.sub(
            lambda m: f'data-own-note="{m[1]}"{"" if m[1] in notes else " hidden"}>', page
        )
    if "data-answered=" in page:
        answered = person["answered"]

        def marked(match):
            text = _fill(match[3], done=answered.get(match[1], 0), total=match[2])
            return f"{match[0][: match.start(4) - match.start(0)]}{text}</p>"

        page = _ANSWERED.sub(marked, page)
    ballot = person["ballot"]
    if ballot and f'name="ballot-vote" value="{ballot["vote"]}"' in page:
        dots = ballot["dots"]
        page = _BALLOT_OPTION.sub(lambda m: f'{m[1]}"{dots[m[2]]}"' if m[2] in dots else m[0], page)
        placed = sum(dots.values())

        def left(match):
            text = _fill(match[2], left=int(match[1]) - placed, dots=match[1])
            return f"{match[0][: match.start(3) - match.start(0)]}{text}</p>"

        page = _DOTS_LEFT.sub(left, page)
        if placed:
            page = _PLACED.sub(
                lambda m: f'data-placed-template="{m[1]}">{_fill(m[1], placed=placed)}</p>', page
            )
    return page


_OWN_NOTE = re.compile(r'data-own-note="(\d+)"(?: hidden)?>')
_ANSWERED = re.compile(
    r'data-answered="(\d+)" data-total="(\d+)" data-template="([^"]*)">([^<]*)</p>'
)
_BALLOT_OPTION = re.compile(r'(name="ballot-option-(\d+)" value=)"\d+"')
_DOTS_LEFT = re.compile(r'data-dots="(\d+)" data-left-template="([^"]*)"[^>]*>([^<]*)</p>')
_PLACED = re.compile(r'data-placed-template="([^"]*)">[^<]*</p>')


def _fill(template: str, **data) -> str:
    """A data-*-template with its {names} filled in, as text in HTML (live.js `fill`)."""
    text = re.sub(r"\{(\w+)\}", lambda m: str(data.get(m[1], "")), html.unescape(template))
    return html.escape(text, quote=False)

"""The lean answer endpoint (meetings/answering.py) as asgi.py serves it, ahead of Django.

Requests go through `gesprekskaarten.asgi.application` with a fake ASGI receive/send, so the
router, the thread that keeps its database connection, CSRF, the cookie, the rate limit and
the write are all the real ones. The CSRF cases are also sent to Django's own full stack, which
must give the same answer. The write runs in the endpoint's own thread and connection, so these
tests commit (transaction=True).
"""

import asyncio
import json
import re
import threading
from urllib.parse import urlencode

import psycopg
import pytest
from django.core.asgi import get_asgi_application
from django.db import OperationalError, connections
from django.test import Client
from django.urls import reverse
from django.utils import translation

from gesprekskaarten.asgi import application
from gesprekskaarten.live.models import Event
from gesprekskaarten.meetings import answering, services
from gesprekskaarten.meetings.models import Answer
from tests.asgi import request
from tests.factories import make_gesprek

pytestmark = pytest.mark.django_db(transaction=True)

HOST = "127.0.0.1:8000"


@pytest.fixture(autouse=True)
def fresh_threads():
    """Each test starts and ends without endpoint threads, so no connection outlives it."""
    answering.close_connections()
    yield
    answering.close_connections()


class Phone:
    """A joined participant's browser: its cookies and the CSRF token of its pages."""

    def __init__(self, gesprek):
        self.gesprek = gesprek
        self.client = Client()
        join = reverse("meetings:join", args=[gesprek.join_code])
        page = self.client.get(join)
        self.csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
        assert self.client.post(join, {}).status_code == 302
        assert self.client.cookies["csrftoken"].value
        self.path = reverse("meetings:answer", args=[gesprek.join_code])

    def cookie_header(self, **override) -> str:
        jar = {name: morsel.value for name, morsel in self.client.cookies.items()}
        jar.update(override)
        return "; ".join(f"{name}={value}" for name, value in jar.items() if value is not None)

    def post(self, data, **options):
        """POST an answer the way live.js does; returns (status, headers, JSON body)."""
        return asyncio.run(self.posting(data, **options))

    def posting(self, data, *, token="body+header", app=application, headers=None, **options):
        """post() as a coroutine, so that several can run at once in one event loop."""
        data = dict(data)
        if "body" in token:
            data["csrfmiddlewaretoken"] = self.csrf
        fields = {
            "host": HOST,
            "origin": f"http://{HOST}",
            "content-type": "application/x-www-form-urlencoded",
            "accept": "application/json",
            "accept-language": "en",  # messages in English; the cookie, when set, wins
            "cookie": self.cookie_header(**options.pop("cookies", {})),
        }
        if "header" in token:
            fields["x-csrftoken"] = self.csrf
        fields.update(headers or {})
        body = options.pop("body", urlencode(data).encode())
        return asgi_call(app, "POST", self.path, fields, body, **options)


def asgi_request(app, method, path, headers, body=b""):
    return asyncio.run(asgi_call(app, method, path, headers, body))


async def asgi_call(app, method, path, headers, body=b"", scheme="http"):
    """A request through `app`; a JSON body comes back decoded."""
    status, headers, content = await request(app, method, path, headers, body, scheme=scheme)
    data = json.loads(content) if "json" in headers.get("content-type", "") else content
    return status, headers, data


def behaviour_ids(gesprek):
    return list(services.behaviours_of(gesprek).values_list("pk", flat=True))


def stored(gesprek):
    return sorted(
        Answer.objects.filter(participant__gesprek=gesprek).values_list(
            "behaviour_id", "choice", "discuss"
        )
    )


# -- a valid answer ---------------------------------------------------------------------------


def test_an_answer_is_saved_and_acknowledged_after_commit():
    gesprek = make_gesprek(cards=1, audience="everyone", step="marking")
    phone = Phone(gesprek)
    first = behaviour_ids(gesprek)[0]
    status, headers, data = phone.post({"behaviour": first, "choice": "missing", "discuss": "on"})
    assert (status, data) == (200, {"saved": True})
    assert stored(gesprek) == [(first, "missing", True)]
    # The headers Django's security middleware would give it.
    assert headers["content-type"] == "application/json"
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["x-frame-options"] == "DENY"
    assert headers["referrer-policy"] == "same-origin"
    # Changing it and unticking "discuss" is one row, updated.
    status, _, _ = phone.post({"behaviour": first, "choice": "recognised"})
    assert status == 200
    assert stored(gesprek) == [(first, "recognised", False)]


def test_the_router_sends_only_the_answer_url_here():
    assert answering.answer_code({"path": "/g/ACDEFGH347/antwoord/"}) == "ACDEFGH347"
    assert answering.answer_code({"path": "/sub/g/ACDEF-GH347/antwoord/", "root_path": "/sub"})
    for path in ["/g/ACDEFGH347/", "/g/ACDEFGH347/antwoord", "/g/a/b/antwoord/", "/"]:
        assert answering.answer_code({"path": path}) is None


def test_the_thread_keeps_its_connection_or_hands_it_to_the_pool(monkeypatch):
    gesprek = make_gesprek(cards=1, audience="everyone", step="marking")
    phone = Phone(gesprek)
    seen = []
    original = answering._handle_batch

    def spy(*args):
        seen.append((threading.get_ident(), connections["default"].connection))
        return original(*args)

    monkeypatch.setattr(answering, "_handle_batch", spy)
    for behaviour in behaviour_ids(gesprek)[:4]:
        assert phone.post({"behaviour": behaviour, "choice": "unsure"})[0] == 200
    held = [held for _, held in seen]
    if getattr(connections["default"], "pool", None) is not None:
        # PostgreSQL: the connection went back to the pool after every answer.
        assert held == [None] * 4
    else:
        # SQLite: one writer thread, no connection before the first answer, then the same one.
        assert len({thread for thread, _ in seen}) == 1
        assert held[0] is None and held[1] is not None and held[1:] == [held[1]] * 3


def test_other_methods_are_refused():
    gesprek = make_gesprek(step="marking")
    status, headers, _ = asgi_request(
        application, "GET", f"/g/{gesprek.join_code}/antwoord/", {"host": HOST}
    )
    assert status == 405 and headers["allow"] == "POST"


# -- CSRF, exactly as Django checks it ---------------------------------------------------------

CSRF_CASES = {
    "token in body and header": ({"token": "body+header"}, 200),
    "token in the header only": ({"token": "header"}, 200),
    "token in the body only": ({"token": "body"}, 200),
    "no token": ({"token": ""}, 403),
    "a wrong token": ({"token": "header", "headers": {"x-csrftoken": "x" * 64}}, 403),
    "a token of another cookie": ({"cookies": {"csrftoken": "y" * 32}}, 403),
    "no CSRF cookie": ({"cookies": {"csrftoken": None}}, 403),
    "another origin": ({"headers": {"origin": "https://evil.example"}}, 403),
    "HTTPS without Origin or Referer": ({"headers": {"origin": None}, "scheme": "https"}, 403),
    "HTTPS with a same-origin Referer": (
        {"headers": {"origin": None, "referer": f"https://{HOST}/g/"}, "scheme": "https"},
        200,
    ),
    "HTTPS with a foreign Referer": (
        {"headers": {"origin": None, "referer": "https://evil.example/"}, "scheme": "https"},
        403,
    ),
}


@pytest.mark.parametrize("case", list(CSRF_CASES))
def test_csrf_is_checked_as_django_does(case):
    options, expected = CSRF_CASES[case]
    gesprek = make_gesprek(cards=1, audience="everyone", step="marking")
    phone = Phone(gesprek)
    first = behaviour_ids(gesprek)[0]
    status, _, data = phone.post({"behaviour": first, "choice": "missing"}, **options)
    assert status == expected
    if expected == 403:
        assert data == {"error": "This page has expired. Reload it and try again."}
        assert stored(gesprek) == []
    else:
        assert stored(gesprek) == [(first, "missing", False)]
    # Django's full stack (all middleware, the URL resolver, the view) decides the same.
    django_status, _, _ = phone.post(
        {"behaviour": first, "choice": "unsure"}, app=get_asgi_application(), **options
    )
    assert django_status == expected


def test_a_host_that_is_not_allowed_is_refused():
    gesprek = make_gesprek(cards=1, audience="everyone", step="marking")
    phone = Phone(gesprek)
    status, _, _ = phone.post({"behaviour": behaviour_ids(gesprek)[0]}, headers={"host": "evil"})
    assert status == 400
    assert stored(gesprek) == []


# -- who may answer -----------------------------------------------------------------------------


def test_only_participants_of_this_gesprek_may_answer():
    gesprek = make_gesprek(cards=1, audience="everyone", step="marking")
    other = make_gesprek(cards=1, audience="everyone", step="marking")
    phone = Phone(gesprek)
    first = behaviour_ids(gesprek)[0]
    cookie = answering.cookie_name(gesprek.join_code)
    for cookies in [{cookie: None}, {cookie: "forged-token"}, {cookie: "x" * 500}]:
        status, _, data = phone.post({"behaviour": first}, cookies=cookies)
        assert (status, data) == (403, {"error": "You are not part of this gesprek."})
    # A participant of one gesprek cannot answer in another, even with its own cookie there.
    phone.path = reverse("meetings:answer", args=[other.join_code])
    token = phone.client.cookies[cookie].value
    other_cookie = answering.cookie_name(other.join_code)
    status, _, _ = phone.post({"behaviour": first}, cookies={other_cookie: token})
    assert status == 403
    assert stored(gesprek) == stored(other) == []


@pytest.mark.usefixtures("whole_window")
def test_answers_are_rate_limited_per_participant(settings):
    settings.GK_RATE_ANSWER_PER_MINUTE = 2
    gesprek = make_gesprek(cards=1, audience="everyone", step="marking")
    phone, neighbour = Phone(gesprek), Phone(gesprek)
    first = behaviour_ids(gesprek)[0]
    assert phone.post({"behaviour": first, "choice": "missing"})[0] == 200
    assert phone.post({"behaviour": first, "choice": "unsure"})[0] == 200
    status, headers, data = phone.post({"behaviour": first, "choice": "recognised"})
    assert status == 429 and headers["retry-after"] == "60"
    assert "Wait a minute" in data["error"]
    # The refused answer changed nothing, and someone else in the room is not limited by it.
    assert stored(gesprek) == [(first, "unsure", False)]
    assert neighbour.post({"behaviour": first, "choice": "missing"})[0] == 200


# -- bad input changes nothing --------------------------------------------------------------------


@pytest.mark.parametrize(
    "data,status,error",
    [
        ({"behaviour": "abc", "choice": "missing"}, 400, "This answer is not valid."),
        ({"behaviour": "1" * 40, "choice": "missing"}, 400, "This answer is not valid."),
        ({"behaviour": "0", "choice": "missing"}, 400, "This answer is not valid."),
        ({"behaviour": "-5", "choice": "missing"}, 400, "This answer is not valid."),
        ({"behaviour": "１２", "choice": "missing"}, 400, "This answer is not valid."),
        ({"choice": "missing"}, 400, "This answer is not valid."),
        ({"behaviour": "FIRST", "choice": "<b>bold</b>"}, 400, "This answer is not valid."),
        ({"behaviour": "999999", "choice": "missing"}, 409, "not part of this gesprek"),
    ],
)
def test_bad_input_is_refused_with_a_message(data, status, error):
    gesprek = make_gesprek(cards=1, audience="everyone", step="marking")
    phone = Phone(gesprek)
    if data.get("behaviour") == "FIRST":
        data = {**data, "behaviour": behaviour_ids(gesprek)[0]}
    got, _, body = phone.post(data)
    assert got == status
    assert error in body["error"]
    assert stored(gesprek) == []


def test_an_oversized_body_is_refused_before_parsing():
    gesprek = make_gesprek(cards=1, audience="everyone", step="marking")
    phone = Phone(gesprek)
    body = urlencode({"behaviour": behaviour_ids(gesprek)[0], "choice": "x" * 20_000}).encode()
    status, _, data = phone.post({}, body=body)
    assert (status, data) == (400, {"error": "This answer is too large."})
    assert stored(gesprek) == []


def test_no_answer_outside_marking():
    gesprek = make_gesprek(cards=1, audience="everyone")
    phone = Phone(gesprek)
    first = behaviour_ids(gesprek)[0]
    status, _, data = phone.post({"behaviour": first, "choice": "missing"})
    assert status == 409 and "Marking is not open" in data["error"]
    services.set_step(gesprek, "marking")
    assert phone.post({"behaviour": first, "choice": "missing"})[0] == 200
    services.set_step(gesprek, "results")
    status, _, data = phone.post({"behaviour": first, "choice": "recognised"})
    assert status == 409
    services.set_step(gesprek, "closed")
    status, _, data = phone.post({"behaviour": first, "choice": "recognised"})
    assert status == 409 and "has ended" in data["error"]
    assert stored(gesprek) == [(first, "missing", False)]


def test_messages_follow_the_language_cookie():
    gesprek = make_gesprek(cards=1, audience="everyone")
    phone = Phone(gesprek)
    first = behaviour_ids(gesprek)[0]
    message = "Marking is not open right now. Wait for your facilitator."
    _, _, body = phone.post({"behaviour": first}, cookies={"gk_language": "en"})
    assert body["error"] == message
    with translation.override("nl"):
        dutch = translation.gettext(message)
    assert dutch != message
    _, _, body = phone.post({"behaviour": first}, cookies={"gk_language": "nl"})
    assert body["error"] == dutch


def test_a_database_failure_is_a_retryable_error_logged_without_the_row(monkeypatch, caplog):
    gesprek = make_gesprek(cards=1, audience="everyone", step="marking")
    phone = Phone(gesprek)
    # As Django raises it: its own class, from the driver's error, whose message quotes the row.
    row = "Key (participant_id, behaviour_id, choice)=(12, 34, missing)"

    def broken(*args):
        try:
            raise psycopg.errors.DeadlockDetected(f"deadlock detected DETAIL: {row}")
        except psycopg.Error as driver_error:
            raise OperationalError(f"deadlock detected DETAIL: {row}") from driver_error

    monkeypatch.setattr(services, "_store_batch", broken)
    status, _, data = phone.post({"behaviour": behaviour_ids(gesprek)[0], "choice": "missing"})
    assert (status, data) == (503, {"error": "Your answer was not saved. Please try again."})
    logged = [record for record in caplog.records if record.name.endswith("answering")]
    assert [record.getMessage() for record in logged] == [
        "Could not save an answer: OperationalError (40P01)"
    ]
    assert not any(record.exc_info for record in logged)
    assert "12, 34" not in caplog.text


# -- live events -------------------------------------------------------------------------------


def progress_events(gesprek):
    return [
        json.loads(event.payloads["facilitator"])
        for event in Event.objects.filter(channel=gesprek.channel, type="progress").order_by("seq")
    ]


def test_progress_is_announced_only_when_someone_is_done_or_no_longer_done():
    gesprek = make_gesprek(cards=1, audience="everyone", step="marking")
    phone, other = Phone(gesprek), Phone(gesprek)
    ids = behaviour_ids(gesprek)
    joined = len(progress_events(gesprek))  # one per join
    for behaviour in ids[:-1]:
        assert phone.post({"behaviour": behaviour, "choice": "recognised"})[0] == 200
    assert len(progress_events(gesprek)) == joined
    assert phone.post({"behaviour": ids[-1], "choice": "missing"})[0] == 200
    assert progress_events(gesprek)[-1] == {"done": 1, "total": 2}
    # Changing an answer, ticking "discuss" or sending the same again changes no progress.
    assert phone.post({"behaviour": ids[0], "choice": "unsure", "discuss": "on"})[0] == 200
    assert phone.post({"behaviour": ids[0], "choice": "unsure", "discuss": "on"})[0] == 200
    assert len(progress_events(gesprek)) == joined + 1
    # Clearing an answer makes the participant not done again.
    assert phone.post({"behaviour": ids[-1], "choice": ""})[0] == 200
    assert progress_events(gesprek)[-1] == {"done": 0, "total": 2}
    assert len(progress_events(gesprek)) == joined + 2
    assert other.post({"behaviour": ids[0], "discuss": "on"})[0] == 200
    assert len(progress_events(gesprek)) == joined + 2


def test_nothing_individual_leaves_the_endpoint():
    gesprek = make_gesprek(cards=1, audience="everyone", step="marking")
    phone = Phone(gesprek)
    ids = behaviour_ids(gesprek)
    bodies = []
    for behaviour in ids:
        bodies.append(phone.post({"behaviour": behaviour, "choice": "missing", "discuss": "on"}))
    token = phone.client.cookies[answering.cookie_name(gesprek.join_code)].value
    for _status, headers, data in bodies:
        assert data == {"saved": True}
        assert "set-cookie" not in headers
    for event in Event.objects.filter(channel=gesprek.channel):
        text = json.dumps(event.payloads)
        assert "missing" not in text and token not in text
        assert not any(f'"{behaviour}"' in text for behaviour in ids)


# -- concurrency: exact progress, and nothing accepted after marking closed --------------------


def save_one(code, token, behaviour, choice, discuss):
    """One answer as a batch of one; raises what it met (MeetingError, DatabaseError)."""
    problem = services.save_answer_batch(
        [services.AnswerWrite(code, token, behaviour, choice, discuss)]
    )[0]
    if problem is not None:
        raise problem


def write(function, *args):
    """One write from a test thread, which then hands its connection back (the test
    database's PostgreSQL pool is small). On PostgreSQL writers really run side by side; on
    SQLite (a database file, as in production) each waits for its turn at the write lock."""
    try:
        return function(*args)
    finally:
        connections["default"].close()


def in_threads(count, work):
    """Run work(index) in `count` threads that start together; each closes its connection."""
    start = threading.Barrier(count)
    errors = []

    def run(index):
        try:
            start.wait()
            work(index)
        except Exception as error:  # reported below, with the thread's number
            errors.append((index, error))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors, errors


def test_people_finishing_at_the_same_moment_are_all_counted():
    gesprek = make_gesprek(cards=1, audience="everyone", step="marking")
    ids = behaviour_ids(gesprek)
    people = [services.join(gesprek) for _ in range(8)]
    for participant, _token in people:
        services.save_answers(participant, dict.fromkeys(ids[:-1], ("recognised", False)))
    before = len(progress_events(gesprek))

    def finish(index):
        write(save_one, gesprek.join_code, people[index][1], ids[-1], "missing", False)

    in_threads(len(people), finish)
    done = [event["done"] for event in progress_events(gesprek)[before:]]
    # One event per person who finished, counted in the order they committed: never one short.
    assert done == list(range(1, len(people) + 1))


def test_no_answer_is_accepted_after_marking_closed():
    gesprek = make_gesprek(cards=1, audience="everyone", step="marking")
    ids = behaviour_ids(gesprek)
    people = [services.join(gesprek) for _ in range(6)]
    acknowledged = [{} for _ in people]
    closing = threading.Event()

    def answer(index):
        participant, token = people[index]
        number = 0
        while True:
            number += 1
            behaviour = ids[(index + number) % len(ids)]
            choice = ["recognised", "missing", "unsure"][number % 3]
            try:
                write(save_one, gesprek.join_code, token, behaviour, choice, False)
            except services.MeetingError:
                return  # marking closed: this answer was refused
            acknowledged[index][behaviour] = choice
            if number == 5:
                closing.set()

    def close():
        closing.wait(20)
        write(lambda: (services.set_step(gesprek, "results"), snapshot.extend(stored(gesprek))))

    snapshot = []
    closer = threading.Thread(target=lambda: (close(), connections.close_all()))
    closer.start()
    in_threads(len(people), answer)
    closer.join(30)
    # What was stored when the step changed is what is stored now: nothing came in later ...
    assert snapshot and stored(gesprek) == snapshot
    # ... and every acknowledged answer is there with its last acknowledged value.
    for (participant, _token), answers in zip(people, acknowledged, strict=True):
        rows = dict(
            Answer.objects.filter(participant=participant).values_list("behaviour_id", "choice")
        )
        assert rows == answers


# -- answers that arrive together are written together -----------------------------------------


def test_answers_that_arrive_while_the_threads_are_busy_are_written_in_one_batch(monkeypatch):
    gesprek = make_gesprek(cards=1, audience="everyone", step="marking")
    waiting = make_gesprek(cards=1, audience="everyone", step=None)
    phones = [Phone(gesprek) for _ in range(8)]
    early = Phone(waiting)
    ids, other_id = behaviour_ids(gesprek), behaviour_ids(waiting)[0]
    batches = []
    original = services.save_answer_batch

    def spy(writes):
        batches.append(len(writes))
        return original(writes)

    monkeypatch.setattr(services, "save_answer_batch", spy)

    async def together():
        posts = [phone.posting({"behaviour": ids[i], "choice": "missing"}) for i, phone in
                 enumerate(phones)]  # fmt: skip
        posts.append(early.posting({"behaviour": other_id, "choice": "unsure"}))
        posts.append(phones[0].posting({"behaviour": 2**30, "choice": "unsure"}))
        posts.append(phones[1].posting({"behaviour": ids[0]}, token="none"))  # no CSRF token
        return await asyncio.gather(*posts)

    replies = asyncio.run(together())
    statuses = [status for status, _headers, _data in replies]
    assert statuses == [200] * 8 + [409, 409, 403]
    assert replies[8][2] == {"error": "Marking is not open right now. Wait for your facilitator."}
    assert replies[9][2] == {"error": "This behaviour is not part of this gesprek."}
    # Each answer stored exactly once, the refused ones not at all.
    assert stored(gesprek) == sorted((ids[i], "missing", False) for i in range(8))
    assert stored(waiting) == []
    # The CSRF refusal never reached the database; the other ten did, at least once together.
    assert sum(batches) == 10 and max(batches) > 1


def test_a_batch_the_database_refuses_is_written_one_answer_at_a_time(monkeypatch):
    gesprek = make_gesprek(cards=1, audience="everyone", step="marking")
    people = [services.join(gesprek) for _ in range(3)]
    ids = behaviour_ids(gesprek)
    original = services._store_batch

    def refuses_batches(writes):
        if len(writes) > 1:
            raise OperationalError("deadlock detected")
        return original(writes)

    monkeypatch.setattr(services, "_store_batch", refuses_batches)
    writes = [services.AnswerWrite(gesprek.join_code, token, ids[0], "recognised", False)
              for _participant, token in people]  # fmt: skip
    writes.append(services.AnswerWrite(gesprek.join_code, "not-a-token", ids[0], "missing", False))
    problems = services.save_answer_batch(writes)
    assert problems[:3] == [None, None, None]
    assert isinstance(problems[3], services.NotAParticipant)
    assert stored(gesprek) == [(ids[0], "recognised", False)] * 3


def test_in_a_batch_a_later_answer_of_the_same_person_wins():
    gesprek = make_gesprek(cards=1, audience="everyone", step="marking")
    (participant, token), (_other, other_token) = services.join(gesprek), services.join(gesprek)
    ids = behaviour_ids(gesprek)
    services.save_answers(participant, dict.fromkeys(ids[:-1], ("recognised", False)))
    before = len(progress_events(gesprek))

    def write(token, behaviour, choice, discuss=False):
        return services.AnswerWrite(gesprek.join_code, token, behaviour, choice, discuss)

    # Done and undone again within one batch: no change of progress, nothing announced.
    batch = [write(token, ids[-1], "missing"), write(other_token, ids[0], "unsure", True),
             write(token, ids[-1], "")]  # fmt: skip
    assert services.save_answer_batch(batch) == [None, None, None]
    assert len(progress_events(gesprek)) == before
    assert Answer.objects.get(participant=participant, behaviour_id=ids[-1]).choice == ""
    assert Answer.objects.get(participant=_other, behaviour_id=ids[0]).discuss is True
    # Done at the end of the batch: one event, counted after the batch's writes.
    batch = [write(token, ids[-1], "unsure"), write(token, ids[-1], "missing")]
    assert services.save_answer_batch(batch) == [None, None]
    assert progress_events(gesprek)[before:] == [{"done": 1, "total": 2}]
    assert Answer.objects.get(participant=participant, behaviour_id=ids[-1]).choice == "missing"

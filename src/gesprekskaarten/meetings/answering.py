"""The answer endpoint: POST /g/<code>/antwoord/, where live.js saves each tap on a card.

It is the busiest URL of a gesprek, so under ASGI `asgi.py` routes it to the small handler
below, ahead of Django (as it does with the live stream). Through Django's full stack every
request costs a new thread, a new database connection and a thread hop for each synchronous
middleware; here it costs part of one hop to a thread that keeps its database connection
(SQLite) or takes one from the pool (PostgreSQL): answers that arrive while the threads are
busy are written together, in one transaction (`_Batcher`). Only the checks this URL needs are
made, with Django's own code:

- the host must be in ALLOWED_HOSTS and HTTPS is enforced as SecurityMiddleware does;
- CSRF: CsrfViewMiddleware's own `process_request`/`process_view` (origin, referer over HTTPS,
  the masked token against the cookie), so it accepts and refuses exactly what Django does;
- the participant cookie and the input checks of `checked_answer`, which the Django view
  (tests, WSGI) shares; the per-participant rate limit is counted in the write, once the
  cookie is known to belong to a participant;
- the response gets SecurityMiddleware's and XFrameOptionsMiddleware's headers.

The write itself is `services.save_answer_batch`: one transaction with the live events,
committed before each response says {"saved": true}. See docs/live.md.
"""

import asyncio
import functools
import io
import json
import logging
import re
import weakref
from concurrent.futures import ThreadPoolExecutor
from typing import NamedTuple

from django.conf import settings
from django.core.exceptions import DisallowedHost, ImproperlyConfigured, SuspiciousOperation
from django.core.handlers.asgi import ASGIRequest
from django.db import DEFAULT_DB_ALIAS, close_old_connections, connections
from django.http import HttpRequest, JsonResponse
from django.middleware.clickjacking import XFrameOptionsMiddleware
from django.middleware.csrf import CsrfViewMiddleware
from django.middleware.security import SecurityMiddleware
from django.utils import translation
from django.utils.translation import gettext as _

from gesprekskaarten.core import logs, metrics

from . import services

logger = logging.getLogger(__name__)

COOKIE_PREFIX = "gk_p_"
ANSWER_PATH = re.compile(r"/g/([A-Za-z0-9-]{1,32})/antwoord/")
MAX_BODY = 8 * 1024  # an answer is about 150 bytes
MAX_BEHAVIOUR_ID = 2**31
MAX_BATCH = 64  # answers written in one transaction at most


class Reply(NamedTuple):
    status: int
    data: dict
    headers: tuple = ()


def cookie_name(code: str) -> str:
    """The cookie that holds this device's participant token for the gesprek with `code`."""
    return COOKIE_PREFIX + services.normalise_code(code)


def answer_request(request, code: str) -> Reply:
    """Everything after CSRF: cookie, rate limit, input, and the write (the Django view)."""
    checked = checked_answer(request, code)
    if isinstance(checked, Reply):
        return checked
    return reply_for(services.save_answer_batch([checked])[0])


def checked_answer(request, code: str) -> "Reply | services.AnswerWrite":
    """The answer to write, or the reply that refuses it: cookie and input checks,
    shared by the lean handler below and the Django view (which Django's middleware has
    already checked)."""
    token = request.COOKIES.get(cookie_name(code), "")
    if not token:
        return Reply(403, {"error": _("You are not part of this gesprek.")})
    behaviour = request.POST.get("behaviour", "")
    choice = request.POST.get("choice", "")
    if not (behaviour.isascii() and behaviour.isdigit() and len(behaviour) <= 10):
        return Reply(400, {"error": _("This answer is not valid.")})
    if not 1 <= int(behaviour) <= MAX_BEHAVIOUR_ID or choice not in services.CHOICES:
        return Reply(400, {"error": _("This answer is not valid.")})
    # As a Django BooleanField reads a checkbox: absent, empty, "false" or "0" is unticked.
    discuss = request.POST.get("discuss", "").lower() not in ("", "false", "0")
    return services.AnswerWrite(code, token, int(behaviour), choice, discuss)


def reply_for(problem: Exception | None) -> Reply:
    """The reply to a write that met `problem` (None: it was stored)."""
    if problem is None:
        return Reply(200, {"saved": True})
    if isinstance(problem, services.AnsweringTooFast):
        return Reply(429, {"error": str(problem)}, (("Retry-After", "60"),))
    if isinstance(problem, services.MeetingError):
        status = 403 if isinstance(problem, services.NotAParticipant) else 409
        return Reply(status, {"error": str(problem)})
    logger.warning("Could not save an answer: %s", failure_kind(problem))
    return Reply(503, {"error": _("Your answer was not saved. Please try again.")})


def failure_kind(problem: Exception) -> str:
    """The kind of a database failure without its message: a database's message can quote the
    row it refused (a participant and a behaviour, even a choice), and logs must not."""
    cause = problem.__cause__
    code = getattr(cause, "sqlstate", None) or getattr(cause, "sqlite_errorname", None)
    return type(problem).__name__ + (f" ({code})" if code else "")


# -- the lean ASGI handler ----------------------------------------------------------------------


def with_answer_endpoint(application):
    """Route POST /g/<code>/antwoord/ to `endpoint`; everything else to `application`."""

    async def router(scope, receive, send):
        if scope["type"] == "http":
            code = answer_code(scope)
            if code is not None:
                await endpoint(scope, receive, send, code)
                return
        await application(scope, receive, send)

    return router


def answer_code(scope) -> str | None:
    """The join code if this is the answer URL, else None."""
    path = scope["path"]
    root = scope.get("root_path", "")
    if root and path.startswith(root):
        path = path[len(root) :]
    match = ANSWER_PATH.fullmatch(path)
    return match.group(1) if match else None


async def endpoint(scope, receive, send, code: str) -> None:
    logs.set_route(scope, "answer")
    if scope["method"] != "POST":
        headers = [(b"content-type", b"application/json"), (b"allow", b"POST")]
        await _send(send, 405, b'{"error": "POST only"}', headers)
        return
    body = b""
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return
        body += message.get("body", b"")
        if len(body) > MAX_BODY:
            body = None  # refused before parsing, like Django's DATA_UPLOAD_MAX_MEMORY_SIZE
            break
        if not message.get("more_body"):
            break
    status, headers, content = await _batcher().handle((scope, body, code))
    metrics.count_answer(status)
    await _send(send, status, content, headers)


async def drain() -> None:
    """Wait until every answer handed to the threads has been written or refused (a stopping
    server: uvicorn has already waited for the requests, this is the belt to those braces)."""
    batcher = _batchers.get(asyncio.get_running_loop())
    while batcher is not None and (
        batcher.waiting or batcher.free_threads < settings.GK_ANSWER_THREADS
    ):
        await asyncio.sleep(0.01)


class _Batcher:
    """Hands answers to the threads, in batches: the answers that arrive while every thread is
    busy wait here and then go to the next free thread together, to be written in one
    transaction (services.save_answer_batch). Under load that saves a thread hop and a
    transaction per answer; when it is quiet, every answer goes on its own right away.
    It belongs to one event loop and is only touched from it, so it needs no lock."""

    def __init__(self, loop: asyncio.AbstractEventLoop):
        self.loop = loop
        self.free_threads = settings.GK_ANSWER_THREADS
        self.waiting: list[tuple[tuple, asyncio.Future]] = []

    async def handle(self, request: tuple) -> tuple[int, list, bytes]:
        future = self.loop.create_future()
        self.waiting.append((request, future))
        self._start_batches()
        return await future

    def _start_batches(self) -> None:
        while self.waiting and self.free_threads:
            batch, self.waiting = self.waiting[:MAX_BATCH], self.waiting[MAX_BATCH:]
            self.free_threads -= 1
            running = self.loop.run_in_executor(
                _pool(), handle_batch, [request for request, _future in batch]
            )
            running.add_done_callback(
                functools.partial(self._finished, [future for _request, future in batch])
            )

    def _finished(self, futures: list[asyncio.Future], running: asyncio.Future) -> None:
        self.free_threads += 1
        error = running.exception()
        for index, future in enumerate(futures):
            if future.done():  # the request was cancelled
                continue
            if error is None:
                future.set_result(running.result()[index])
            else:
                future.set_exception(error)
        self._start_batches()


_batchers: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Batcher]" = (
    weakref.WeakKeyDictionary()
)


def _batcher() -> _Batcher:
    loop = asyncio.get_running_loop()
    batcher = _batchers.get(loop)
    if batcher is None:
        batcher = _batchers[loop] = _Batcher(loop)
    return batcher


def handle_batch(requests: list[tuple]) -> list[tuple[int, list, bytes]]:
    """The synchronous part, in one of our threads: the responses (status, headers, body) to
    answer requests (scope, body, code), in order.

    Database connections are treated as at the start and end of a Django request: on SQLite
    the thread keeps its connection (CONN_MAX_AGE), on PostgreSQL it goes back to the pool; a
    connection that failed is replaced."""
    close_old_connections()
    try:
        return _handle_batch(requests)
    finally:
        close_old_connections()


class _Checked(NamedTuple):
    request: ASGIRequest
    language: str
    write: "services.AnswerWrite | None"
    response: tuple | None


def _handle_batch(requests: list[tuple]) -> list[tuple[int, list, bytes]]:
    checked = [_check(*request) for request in requests]
    writes = [item.write for item in checked if item.write is not None]
    problems = iter(services.save_answer_batch(writes) if writes else [])
    responses = []
    for item in checked:
        if item.response is not None:
            responses.append(item.response)
            continue
        # The request id of this answer on any line reply_for writes.
        token = logs.request_id.set(item.request.scope.get(logs.SCOPE_KEY, {}).get("id", ""))
        try:
            with translation.override(item.language):
                responses.append(_response(item.request, reply_for(next(problems))))
        finally:
            logs.request_id.reset(token)
    return responses


def _check(scope, body: bytes | None, code: str) -> _Checked:
    """Everything before the write: host, HTTPS, CSRF and the checks of checked_answer."""
    request = ASGIRequest(scope, io.BytesIO(body or b""))
    try:
        request.get_host()  # ALLOWED_HOSTS, as CommonMiddleware checks it for every request
    except DisallowedHost:
        return _Checked(
            request, "", None, (400, _response_headers(False), b'{"error": "Bad Request"}')
        )
    redirect = _security.process_request(request)  # SECURE_SSL_REDIRECT
    if redirect is not None:
        return _Checked(request, "", None, (redirect.status_code, _encode_headers(redirect), b""))
    language = translation.get_language_from_request(request)
    with translation.override(language):
        checked = _csrf_checked_answer(request, body, code)
        if isinstance(checked, Reply):
            return _Checked(request, language, None, _response(request, checked))
    return _Checked(request, language, checked, None)


def _csrf_checked_answer(request, body: bytes | None, code: str) -> "Reply | services.AnswerWrite":
    if body is None:
        return Reply(400, {"error": _("This answer is too large.")})
    try:
        _csrf.process_request(request)
        if _csrf.process_view(request, answer_request, (), {}) is not None:
            return Reply(403, {"error": _("This page has expired. Reload it and try again.")})
        return checked_answer(request, code)
    except SuspiciousOperation:  # e.g. too many fields: Django answers 400 as well
        return Reply(400, {"error": _("This answer is not valid.")})


def _response(request, reply: Reply) -> tuple[int, list, bytes]:
    headers = _response_headers(request.is_secure())
    if reply.headers:
        headers = headers + [(k.encode("latin-1"), v.encode("latin-1")) for k, v in reply.headers]
    return reply.status, headers, json.dumps(reply.data).encode()


@functools.cache
def _response_headers(secure: bool) -> list[tuple[bytes, bytes]]:
    """The headers SecurityMiddleware and XFrameOptionsMiddleware give a JSON response. They
    depend on the settings and on HTTPS only, so they are worked out once for each."""
    request = HttpRequest()
    request.is_secure = lambda: secure
    response = _frames.process_response(
        request, _security.process_response(request, JsonResponse({}))
    )
    return _encode_headers(response)


def _encode_headers(response) -> list[tuple[bytes, bytes]]:
    return [(k.encode("latin-1"), v.encode("latin-1")) for k, v in response.items()]


async def _send(send, status: int, content: bytes, headers) -> None:
    headers = [*headers, (b"content-length", str(len(content)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": content})


def _unused_get_response(request):  # the middleware below is only asked for its hooks
    raise NotImplementedError


_csrf = CsrfViewMiddleware(_unused_get_response)
_security = SecurityMiddleware(_unused_get_response)
_frames = XFrameOptionsMiddleware(_unused_get_response)


# -- the threads that write answers ---------------------------------------------------------------

_executor: ThreadPoolExecutor | None = None
_thread_connections = []


def _pool() -> ThreadPoolExecutor:
    global _executor
    if _executor is None:
        if settings.CSRF_USE_SESSIONS:
            raise ImproperlyConfigured("The answer endpoint expects the CSRF token in a cookie.")
        _executor = ThreadPoolExecutor(
            max_workers=settings.GK_ANSWER_THREADS,
            thread_name_prefix="gk-answer",
            initializer=_register_connection,
        )
    return _executor


def _register_connection() -> None:
    # Let `close_connections` close this thread's connection once the thread has stopped.
    wrapper = connections[DEFAULT_DB_ALIAS]
    wrapper.inc_thread_sharing()
    _thread_connections.append(wrapper)


def close_connections() -> None:
    """Stop the threads and close their database connections (tests, a stopping server)."""
    global _executor
    executor, _executor = _executor, None
    if executor is not None:
        executor.shutdown(wait=True)
    while _thread_connections:
        wrapper = _thread_connections.pop()
        wrapper.close()
        wrapper.dec_thread_sharing()

"""Logging: one JSON object per line, a request id on every line written while a request is
handled, and one access line per request. Django's LOGGING (settings/base.py) uses the
formatter and the filter below; `with_request_log` (asgi.py) wraps every handler: Django's and
the lean ones (live streams, answers, health and metrics) alike.

Privacy: an access line names the method, the path without its query string (a stream's
address carries its token there), the status, the duration and the route; never the client's
address (nginx's log has it), a cookie or a body. The secrets in invitation and password-reset
links are blanked on every line (`scrub`). Log messages elsewhere must not quote a participant
token, an answer or a note (tests/core/test_ops.py checks a whole gesprek).
"""

import contextvars
import json
import logging
import re
import time
import uuid
from datetime import UTC, datetime

from . import metrics

request_id: contextvars.ContextVar[str] = contextvars.ContextVar("gk_request_id", default="")

access_logger = logging.getLogger("gesprekskaarten.access")

# What nginx's $request_id looks like (32 hex digits), or any similar short token. Anything
# else is replaced: a header must not be able to write into the log.
REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")
SCOPE_KEY = "gk.request"  # per request: {"id": ..., "route": ...}

# The attributes every LogRecord has; anything else was passed with `extra=` and is written.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {
    "message",
    "asctime",
    "color_message",  # uvicorn's message with terminal colours
}


_PLAIN = (str, int, float, bool, type(None))


# Paths that carry a secret: an invitation's link, a password reset's link. Every line is
# written with the secret replaced by `…`, whichever logger wrote it (Django's "Not Found: …"
# quotes the path too).
SECRET_PATHS = re.compile(r"(/uitnodiging/|/wachtwoord-vergeten/[^/\s\"]+/)[^/\s\"]+")


def scrub(text: str) -> str:
    return SECRET_PATHS.sub("\\1…", text)


class RequestIdFilter(logging.Filter):
    """Gives every record the id of the request being handled ("" outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", ""):
            record.request_id = request_id.get()
        return True


class JSONFormatter(logging.Formatter):
    """One JSON object per line: time (UTC), level, logger, message, request_id, any extra
    fields, and the traceback as `exc`."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            # Extra fields of plain types only: Django's request logger passes the request,
            # whose repr has the query string (a stream token, for one).
            if key not in _STANDARD and not key.startswith("_") and isinstance(value, _PLAIN):
                entry[key] = value
        if not entry.get("request_id"):
            entry.pop("request_id", None)
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        elif record.exc_text:
            entry["exc"] = record.exc_text
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return scrub(json.dumps(entry, ensure_ascii=False, default=str))


class PlainFormatter(logging.Formatter):
    """For a terminal (GK_LOG_FORMAT=plain, the default of the dev settings)."""

    def __init__(self):
        super().__init__("%(asctime)s %(levelname)s %(name)s %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        text = scrub(super().format(record))
        rid = getattr(record, "request_id", "")
        return f"{text} [{rid}]" if rid else text


def incoming_request_id(scope) -> str:
    """nginx's X-Request-ID (the shipped site sets it, replacing the client's), else a new id."""
    for key, value in scope.get("headers", ()):
        if key == b"x-request-id":
            text = value.decode("latin-1")
            if REQUEST_ID.fullmatch(text):
                return text
            break
    return uuid.uuid4().hex


def set_route(scope, route: str) -> None:
    """Name the route of this request for the access line and the latency metric."""
    info = scope.get(SCOPE_KEY)
    if info is not None:
        info["route"] = route


def with_request_log(application):
    """Every HTTP request: a request id (in the context, so each log line carries it, and in
    the response's X-Request-ID), an access line and the latency metric."""

    async def logged(scope, receive, send):
        if scope["type"] != "http":
            await application(scope, receive, send)
            return
        rid = incoming_request_id(scope)
        info = {"id": rid, "route": ""}
        scope[SCOPE_KEY] = info
        token = request_id.set(rid)
        started = time.perf_counter()
        state = {"status": 0, "logged": False}

        def finish():
            if state["logged"]:
                return
            state["logged"] = True
            seconds = time.perf_counter() - started
            route = info["route"] or "unresolved"
            metrics.REQUEST_SECONDS.labels(route, _method(scope)).observe(seconds)
            access_logger.info(
                "%s %s %s",
                scope["method"],
                scope["path"],
                state["status"] or "-",
                extra={
                    "method": scope["method"],
                    "path": scope["path"],
                    "status": state["status"],
                    "duration_ms": round(seconds * 1000, 1),
                    "route": route,
                },
            )

        async def send_logged(message):
            kind = message["type"]
            if kind == "http.response.start":
                state["status"] = message["status"]
                message = dict(message)
                message["headers"] = [*message.get("headers", ()), (b"x-request-id", rid.encode())]
                await send(message)
                if info["route"] == "live_stream":  # a stream lasts: its latency is its start
                    finish()
                return
            await send(message)
            if kind == "http.response.body" and not message.get("more_body"):
                finish()

        try:
            await application(scope, receive, _Send(send, send_logged).send)
        finally:
            finish()
            request_id.reset(token)

    return logged


class _Send:
    """The wrapped `send`, as a bound method whose object has the server's `transport`: the
    live hub aborts a slow client's connection through it (live/hub.py, `_abort`)."""

    __slots__ = ("inner", "logged")

    def __init__(self, inner, logged):
        self.inner = inner
        self.logged = logged

    @property
    def transport(self):
        return getattr(getattr(self.inner, "__self__", None), "transport", None)

    async def send(self, message):
        await self.logged(message)


def inner_send(send):
    """The server's own `send` behind `with_request_log`'s."""
    owner = getattr(send, "__self__", None)
    return owner.inner if isinstance(owner, _Send) else send


_METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}


def _method(scope) -> str:
    method = scope.get("method", "")
    return method if method in _METHODS else "other"  # a fixed set of label values

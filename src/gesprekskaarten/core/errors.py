"""Optional error reporting to Sentry (or a compatible service such as GlitchTip).

Off unless SENTRY_DSN is set; then `start` (called by asgi.py and the `gesprekskaarten`
command) initialises sentry-sdk, and unhandled exceptions are reported: those of Django's views
(its Django integration), of the lean ASGI handlers ahead of Django (live streams, answers:
`wrap_asgi`), of the command, and log records at level ERROR. Without SENTRY_DSN sentry_sdk is
not even imported and nothing is sent.

Anonymity is a hard guarantee: no event may reveal a participant's answer, a note or its
author, or a token. Every event, transaction and breadcrumb goes through `scrub_event` /
`scrub_breadcrumb` before it leaves the process:

- the request keeps its method, its URL without a query string (a stream's address carries its
  token there) and a few harmless headers; cookies, the body, the query string, the client's
  address and every other header (Cookie, Authorization, X-CSRFToken, Referer, ...) go;
- no user, no local variables of stack frames, no SQL parameters;
- in every string that is left: the secrets of invitation and password-reset links are blanked
  (`logs.scrub`), anything that looks like a token (a run of 32 or more letters, digits, `-`
  and `_`: participant, invitation, session and CSRF tokens, token hashes; a signed stream
  token), an e-mail address or a query string (`?a=b`) is replaced by FILTERED;
- a database error keeps only its first line (PostgreSQL quotes the refused row after it).

See docs/operations.md, "Error reporting".
"""

import os
import re

from django.core.exceptions import ImproperlyConfigured

from . import logs

FILTERED = "[Filtered]"

# The request headers an event keeps (lower case); every other header is dropped.
KEPT_HEADERS = {
    "accept",
    "accept-language",
    "content-length",
    "content-type",
    "host",
    "user-agent",
    "x-forwarded-proto",
    "x-request-id",
}
# Parts of the request an event keeps; the rest (cookies, data, query_string, env, ...) goes.
KEPT_REQUEST = {"method", "url", "headers"}

# A signed value (django.core.signing: a stream token is payload:timestamp:signature).
SIGNED = re.compile(r"[A-Za-z0-9_.-]+:[A-Za-z0-9_-]+:[A-Za-z0-9_-]{20,}")
# A token: secrets.token_urlsafe(32) (43 characters), a session key (32), a CSRF token (32 or
# 64), a token hash (64 hex digits), a password-reset token (timestamp-hash). Long identifiers
# in a message are blanked as well: better too much than a token.
TOKEN = re.compile(r"(?<![A-Za-z0-9_-])[A-Za-z0-9_-]{32,}(?![A-Za-z0-9_-])")
QUERY = re.compile(r"\?[^\s'\"<>?]*=[^\s'\"<>]*")
EMAIL = re.compile(r"[^\s@'\"<>(),;:]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+")

# Keys whose values are the event's own identifiers or source code locations: kept as they are
# (an event id is 32 hex digits, a span id would look like a token too).
KEPT_KEYS = {
    "event_id",
    "release",  # gesprekskaarten@0.1.0 would look like an e-mail address
    "trace_id",
    "span_id",
    "parent_span_id",
    "sid",
    "abs_path",
    "filename",
    "module",
    "function",
    "context_line",
    "pre_context",
    "post_context",
    "lineno",
    "in_app",
}
DATABASE_MODULES = ("django.db", "psycopg", "sqlite3")

_started = False


def settings_from_environment(environ=os.environ) -> dict | None:
    """sentry_sdk.init's arguments from the environment, or None when SENTRY_DSN is unset."""
    dsn = environ.get("SENTRY_DSN", "").strip()
    if not dsn:
        return None
    text = environ.get("SENTRY_TRACES_SAMPLE_RATE", "").strip() or "0"
    try:
        rate = float(text)
    except ValueError:
        rate = -1.0
    if not 0.0 <= rate <= 1.0:
        raise ImproperlyConfigured(
            f"SENTRY_TRACES_SAMPLE_RATE must be a number from 0 to 1, not {text!r}."
        )
    return {
        "dsn": dsn,
        "environment": environ.get("SENTRY_ENVIRONMENT", "").strip() or "production",
        "release": environ.get("SENTRY_RELEASE", "").strip() or _release(),
        # 0: no performance tracing at all (no transactions are even made).
        "traces_sample_rate": rate or None,
        "send_default_pii": False,
        "include_local_variables": False,
        "max_request_body_size": "never",
        "before_send": scrub_event,
        "before_send_transaction": scrub_event,
        "before_breadcrumb": scrub_breadcrumb,
    }


def start(environ=os.environ) -> bool:
    """Initialise sentry-sdk when SENTRY_DSN is set (once per process); True when it is on."""
    global _started
    options = settings_from_environment(environ)
    if options is None:
        return False
    if not _started:
        import sentry_sdk

        sentry_sdk.init(**options)
        _started = True
    return True


def wrap_asgi(application):
    """The ASGI application, reporting its unhandled exceptions when error reporting is on:
    those of the lean handlers ahead of Django (Django's own are reported by its integration)."""
    if not _started:
        return application
    from sentry_sdk.integrations.asgi import SentryAsgiMiddleware

    return SentryAsgiMiddleware(application)


def _release() -> str | None:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return f"gesprekskaarten@{version('gesprekskaarten')}"
    except PackageNotFoundError:
        return None


# --- the scrubber ------------------------------------------------------------------------------


def scrub_text(text: str) -> str:
    text = logs.scrub(text)
    text = SIGNED.sub(FILTERED, text)
    text = TOKEN.sub(FILTERED, text)
    text = EMAIL.sub(FILTERED, text)
    return QUERY.sub("?" + FILTERED, text)


def _scrub(value):
    if isinstance(value, str):
        return scrub_text(value)
    if isinstance(value, dict):
        return {
            key: value[key] if key in KEPT_KEYS else _scrub(value[key])
            for key in value
            if key != "vars"  # a frame's local variables (include_local_variables=False too)
        }
    if isinstance(value, list | tuple):
        return [_scrub(item) for item in value]
    return value


def _scrub_request(request: dict) -> dict:
    kept = {key: request[key] for key in KEPT_REQUEST if key in request}
    if isinstance(kept.get("url"), str):
        kept["url"] = kept["url"].split("?", 1)[0].split("#", 1)[0]
    headers = kept.get("headers")
    if isinstance(headers, dict):
        kept["headers"] = {
            name: value for name, value in headers.items() if name.lower() in KEPT_HEADERS
        }
    else:
        kept.pop("headers", None)
    return kept


def _scrub_exceptions(event: dict) -> None:
    exception = event.get("exception")
    values = exception.get("values") if isinstance(exception, dict) else None
    for entry in values or ():
        module = entry.get("module") or ""
        if module.startswith(DATABASE_MODULES) and isinstance(entry.get("value"), str):
            entry["value"] = entry["value"].split("\n", 1)[0]


def _scrub_spans(event: dict) -> None:
    for span in event.get("spans") or ():
        data = span.get("data")
        if isinstance(data, dict):
            data.pop("db.params", None)


def scrub_event(event: dict, hint=None) -> dict:
    """before_send and before_send_transaction: the event with nothing that could reveal a
    participant, a note or a token (see the module's docstring). The event is changed in place
    and returned."""
    if isinstance(event.get("request"), dict):
        event["request"] = _scrub_request(event["request"])
    event.pop("user", None)
    _scrub_exceptions(event)
    _scrub_spans(event)
    breadcrumbs = event.get("breadcrumbs")
    if isinstance(breadcrumbs, dict) and isinstance(breadcrumbs.get("values"), list):
        breadcrumbs["values"] = [
            kept for kept in map(scrub_breadcrumb, breadcrumbs["values"]) if kept is not None
        ]
    scrubbed = _scrub(event)
    event.clear()
    event.update(scrubbed)
    rid = logs.request_id.get()
    if rid:  # links the event to the log lines of its request
        event.setdefault("tags", {})["request_id"] = rid
    return event


def scrub_breadcrumb(crumb: dict, hint=None) -> dict | None:
    """before_breadcrumb: SQL queries keep their text but not their parameters (an answer, a
    note, a token hash); everything else is scrubbed like an event."""
    if not isinstance(crumb, dict):
        return None
    crumb = dict(crumb)
    if crumb.get("category") == "query":
        crumb.pop("data", None)
    return _scrub(crumb)

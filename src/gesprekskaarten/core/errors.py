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

import functools
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
# Keys dropped wherever they are: a frame's local variables (include_local_variables=False
# too), SQL parameters (an answer, a note, a token hash), the query of an outgoing request's
# span or breadcrumb, cookies and a query string outside the request.
DROPPED_KEYS = {"vars", "db.params", "http.query", "http.fragment", "cookies", "query_string"}
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
    """The ASGI application, reporting the unhandled exceptions of every handler behind it
    when error reporting is on (Django's own views are reported by sentry-sdk's Django
    integration; the lean handlers ahead of Django are reported here).

    Not sentry-sdk's SentryAsgiMiddleware: that one hands the application a wrapped `send`,
    and a live stream must get the server's own (live/hub.py aborts a slow client's
    connection through it). Nothing is wrapped here but the call."""
    if not _started:
        return application
    import sentry_sdk
    from sentry_sdk.utils import event_from_exception

    async def reported(scope, receive, send):
        if scope["type"] != "http":
            await application(scope, receive, send)
            return
        # A scope of its own for each request: its breadcrumbs and its request data; Django's
        # threads run in a copy of this context, so events from views get them too.
        with sentry_sdk.isolation_scope() as isolation:
            isolation.add_event_processor(functools.partial(_add_request, scope))
            try:
                await application(scope, receive, send)
            except Exception as error:
                event, hint = event_from_exception(
                    error,
                    sentry_sdk.get_client().options,
                    mechanism={"type": "asgi", "handled": False},
                )
                sentry_sdk.capture_event(event, hint=hint)
                raise

    return reported


def _add_request(scope, event, hint):
    """The request an event happened in: method, address without query string, a few harmless
    headers (scrub_event keeps no more than this either)."""
    headers = {}
    for name, value in scope.get("headers", ()):
        key = name.decode("latin-1").lower()
        if key in KEPT_HEADERS:
            headers[key] = value.decode("latin-1")
    host = headers.get("host", "")
    path = scope.get("root_path", "") + scope.get("path", "")
    url = f"{scope.get('scheme', 'http')}://{host}{path}" if host else path
    event["request"] = {"method": scope.get("method"), "url": url, "headers": headers}
    return event


def trace_asgi(application):
    """With SENTRY_TRACES_SAMPLE_RATE above 0: sentry-sdk's ASGI middleware, which makes the
    transactions of performance tracing (asgi.py puts it around Django and the answer
    endpoint, not around the live streams); otherwise the application itself."""
    if not _started:
        return application
    import sentry_sdk

    if not sentry_sdk.get_client().options.get("traces_sample_rate"):
        return application
    from sentry_sdk.integrations.asgi import SentryAsgiMiddleware

    return SentryAsgiMiddleware(application, transaction_style="url")


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
            if key not in DROPPED_KEYS
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


def scrub_event(event: dict, hint=None) -> dict:
    """before_send and before_send_transaction: the event with nothing that could reveal a
    participant, a note or a token (see the module's docstring). The event is changed in place
    and returned."""
    if isinstance(event.get("request"), dict):
        event["request"] = _scrub_request(event["request"])
    event.pop("user", None)
    _scrub_exceptions(event)
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

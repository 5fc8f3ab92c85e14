"""Optional error reporting (core/errors.py): sentry-sdk sends real envelopes over HTTP to a
small server on 127.0.0.1 that keeps them, and nothing that could reveal a participant, a note
or a token may be in what it receives."""

import asyncio
import gzip
import http.server
import json
import os
import secrets
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

import brotli
import pytest
import sentry_sdk
from django.contrib.auth import get_user_model
from django.test import Client
from sentry_sdk.envelope import Envelope

from gesprekskaarten import asgi
from gesprekskaarten.core import errors
from gesprekskaarten.live.services import stream_token
from gesprekskaarten.meetings import answering, services
from tests.asgi import request
from tests.factories import make_gesprek
from tests.meetings.test_answer_endpoint import Phone

HOST = "127.0.0.1:8000"
CLIENT_ADDRESS = "198.51.100.23"  # TEST-NET-2: the "participant's" address
FORWARDED_ADDRESS = "203.0.113.7"
NOTE = "Mijn leidinggevende marmeladepinguin luistert nooit"


class Receiver(http.server.ThreadingHTTPServer):
    """Sentry's side: keeps the (decompressed) body of every envelope it is sent."""

    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), _EnvelopeHandler)
        self.bodies: list[bytes] = []
        self.paths: list[str] = []
        self.thread = threading.Thread(target=self.serve_forever, daemon=True)
        self.thread.start()

    @property
    def dsn(self) -> str:
        return f"http://public@127.0.0.1:{self.server_address[1]}/1"

    def received(self) -> bytes:
        return b"\n".join(self.bodies)

    def events(self, kind="event") -> list[dict]:
        found = []
        for body in self.bodies:
            for item in Envelope.deserialize(body).items:
                if item.type == kind:
                    found.append(item.payload.json)
        return found

    def stop(self):
        self.shutdown()
        self.server_close()


class _EnvelopeHandler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802 - http.server's name
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        # sentry-sdk compresses with brotli where the package is installed (it is: WhiteNoise
        # uses it), else with gzip.
        decode = {"br": brotli.decompress, "gzip": gzip.decompress}
        encoding = self.headers.get("Content-Encoding") or "identity"
        assert encoding in (*decode, "identity"), encoding
        body = decode.get(encoding, bytes)(body)
        self.server.paths.append(self.path)
        self.server.bodies.append(body)
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args):
        pass


@pytest.fixture
def receiver():
    server = Receiver()
    yield server
    server.stop()


@pytest.fixture
def reporting(receiver, monkeypatch):
    """Error reporting switched on as SENTRY_DSN does it; off again afterwards."""
    yield from _reporting(receiver, monkeypatch, {})


@pytest.fixture
def tracing(receiver, monkeypatch):
    """Error reporting with every request traced."""
    yield from _reporting(receiver, monkeypatch, {"SENTRY_TRACES_SAMPLE_RATE": "1"})


def _reporting(receiver, monkeypatch, environ):
    monkeypatch.setattr(errors, "_started", False)
    assert errors.start({"SENTRY_DSN": receiver.dsn, "SENTRY_ENVIRONMENT": "test", **environ})
    yield receiver
    client = sentry_sdk.get_client()
    client.close(timeout=5)
    sentry_sdk.get_global_scope().set_client(None)
    assert not sentry_sdk.get_client().is_active()


@pytest.fixture
def answer_threads():
    answering.close_connections()
    yield
    answering.close_connections()


def wait_for_events(receiver, count=1, kind="event"):
    sentry_sdk.flush(timeout=10)
    deadline = time.monotonic() + 10
    while len(receiver.events(kind)) < count and time.monotonic() < deadline:
        time.sleep(0.05)
    return receiver.events(kind)


def assert_absent(received: bytes, secrets_: dict[str, str]):
    text = received.decode("utf-8", "replace")
    for name, secret in secrets_.items():
        assert secret not in text, f"the {name} was sent to Sentry"


def call(app, method, path, headers, body=b"", query=b""):
    """One request through an ASGI application, from CLIENT_ADDRESS."""
    status, _headers, content = asyncio.run(
        request(app, method, path, headers, body, query=query, client=(CLIENT_ADDRESS, 50000))
    )
    return {"status": status, "body": content}


# --- a failing Django view, through asgi.py's application ---------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_failing_view_is_reported_without_any_secret(reporting, settings):
    settings.ROOT_URLCONF = "tests.core.error_urls"
    application = asgi.requests_application()  # built again, now with error reporting on
    user = get_user_model().objects.create_user(
        "facilitator-zwaluwstaart", "zwaluwstaart@gemeente.example", "a long pass phrase"
    )
    browser = Client()
    browser.force_login(user)
    session_key = browser.cookies[settings.SESSION_COOKIE_NAME].value
    invitation = secrets.token_urlsafe(32)
    participant = secrets.token_urlsafe(32)
    csrf_cookie = secrets.token_hex(16)
    csrf_header = secrets.token_hex(32)
    authorization = "Bearer " + secrets.token_urlsafe(24)
    stream = stream_token("gesprek:42", "facilitator")
    query = urlencode({"t": stream, "ref": "kwartelkoning"})
    body = urlencode({"note": NOTE, "choice": "disagree"})
    headers = {
        "host": HOST,
        "content-type": "application/x-www-form-urlencoded",
        "user-agent": "test-browser/1.0",
        "cookie": (
            f"{settings.SESSION_COOKIE_NAME}={session_key}; "
            f"{settings.CSRF_COOKIE_NAME}={csrf_cookie}; gk_p_ABCD2345={participant}"
        ),
        "authorization": authorization,
        "x-csrftoken": csrf_header,
        "x-forwarded-for": FORWARDED_ADDRESS,
        "referer": f"http://{HOST}/live/stream/?{query}",
    }
    path = f"/uitnodiging/{invitation}/"

    response = call(application, "POST", path, headers, body.encode(), query.encode())

    assert response["status"] == 500
    events = wait_for_events(reporting)
    assert events, "no event arrived"
    event = events[0]
    assert event["exception"]["values"][-1]["type"] == "CardDeckBroke"
    assert event["exception"]["values"][-1]["value"] == "The card deck broke"
    assert event["environment"] == "test"
    assert event["release"] == "gesprekskaarten@0.1.0"
    assert event["request"]["url"] == f"http://{HOST}/uitnodiging/…/"
    assert event["request"]["headers"]["user-agent"] == "test-browser/1.0"
    assert "tags" in event and len(event["tags"]["request_id"]) == 32  # links to the log lines
    assert "user" not in event
    assert all(
        "vars" not in frame for frame in event["exception"]["values"][-1]["stacktrace"]["frames"]
    )
    assert_absent(
        reporting.received(),
        {
            "session key": session_key,
            "CSRF cookie": csrf_cookie,
            "CSRF header": csrf_header,
            "participant token": participant,
            "authorization": authorization.split()[1],
            "invitation token": invitation,
            "stream token": stream,
            "stream token's signature": stream.rsplit(":", 1)[1],
            "query string": "kwartelkoning",
            "note": "marmeladepinguin",
            "body": "disagree",
            "client's address": CLIENT_ADDRESS,
            "forwarded address": FORWARDED_ADDRESS,
            "user name": "zwaluwstaart",
        },
    )


# --- the lean answer endpoint ahead of Django ----------------------------------------------------


def _broken_write(writes):
    raise RuntimeError("The answer store broke")


@pytest.mark.django_db(transaction=True)
def test_a_failing_answer_endpoint_is_reported_without_the_participant(
    reporting, answer_threads, monkeypatch
):
    application = asgi.requests_application()
    gesprek = make_gesprek()
    phone = Phone(gesprek)
    participant = phone.client.cookies[answering.cookie_name(gesprek.join_code)].value
    behaviour = services.behaviours_of(gesprek).values_list("pk", flat=True).first()
    monkeypatch.setattr(services, "save_answer_batch", _broken_write)  # a bug in the write

    with pytest.raises(RuntimeError, match="The answer store broke"):
        asyncio.run(
            phone.posting({"behaviour": behaviour, "choice": "recognised"}, app=application)
        )

    events = wait_for_events(reporting)
    assert [event["exception"]["values"][-1]["value"] for event in events] == [
        "The answer store broke"
    ]
    assert events[0]["request"]["url"].endswith(f"/g/{gesprek.join_code}/antwoord/")
    assert_absent(
        reporting.received(),
        {
            "participant token": participant,
            "CSRF token": phone.csrf,
            "CSRF cookie": phone.client.cookies["csrftoken"].value,
            # The body as it was sent (the frames' source lines, which Sentry sends as context,
            # hold these words too, but never the body itself).
            "answer": "choice=" + "recognised",
            "behaviour": f"behaviour={behaviour}",
        },
    )


# --- tracing, and the live streams' own `send` ----------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_traced_request_is_sent_without_any_secret(tracing):
    application = asgi.requests_application()
    invitation = secrets.token_urlsafe(32)
    participant = secrets.token_urlsafe(32)
    stream = stream_token("gesprek:42", "participant")
    headers = {"host": HOST, "cookie": f"gk_p_ABCD2345={participant}"}
    path = f"/uitnodiging/{invitation}/"

    response = call(application, "GET", path, headers, query=f"t={stream}".encode())

    assert response["status"] == 404  # no such invitation
    transactions = wait_for_events(tracing, kind="transaction")
    assert len(transactions) == 1
    assert transactions[0]["transaction"] == "/uitnodiging/…/"  # the route, blanked too
    assert any(span.get("op") == "db" for span in transactions[0]["spans"])
    assert_absent(
        tracing.received(),
        {
            "invitation token": invitation,
            "participant token": participant,
            "stream token": stream,
            "client's address": CLIENT_ADDRESS,
        },
    )


def test_the_reporter_hands_on_the_servers_own_send(reporting):
    """live/hub.py aborts a slow client's connection through `send.__self__.transport`."""
    seen = []

    async def handler(scope, receive, send):
        seen.append(send)
        raise LookupError("after the stream")

    async def send(message):
        pass

    with pytest.raises(LookupError):
        asyncio.run(errors.wrap_asgi(handler)({"type": "http", "path": "/"}, None, send))
    assert seen == [send]
    assert [e["exception"]["values"][-1]["value"] for e in wait_for_events(reporting)] == [
        "after the stream"
    ]


# --- the scrubber on its own --------------------------------------------------------------------


def test_the_scrubber_keeps_what_helps_and_drops_what_reveals():
    participant = secrets.token_urlsafe(32)
    token_hash = services.hash_token(participant)
    invitation = secrets.token_urlsafe(32)
    stream = "WyJnZXNwcmVrOjQyIiwiZmFjaWxpdGF0b3IiXQ:1tQx9Z:" + "a1B2c3D4e5" * 4
    event = {
        "event_id": "0123456789abcdef0123456789abcdef",
        "contexts": {"trace": {"trace_id": "f" * 32, "span_id": "e" * 16}},
        "message": f"Saving {participant} failed",
        "logentry": {"message": "Not Found: %s", "params": [f"/uitnodiging/{invitation}/"]},
        "user": {"id": 3, "email": "a@b.example", "ip_address": "198.51.100.1"},
        "request": {
            "method": "POST",
            "url": f"https://gk.example/wachtwoord-vergeten/MQ/{invitation}/?t={stream}",
            "query_string": f"t={stream}",
            "cookies": {"gk_p_ABCD": participant, "sessionid": "x"},
            "data": {"note": NOTE},
            "env": {"REMOTE_ADDR": "198.51.100.1"},
            "headers": {
                "Cookie": f"gk_p_ABCD={participant}",
                "Authorization": "Basic c2VjcmV0",
                "X-CSRFToken": "c" * 64,
                "Referer": "https://gk.example/g/ABCD/",
                "Host": "gk.example",
                "User-Agent": "Firefox",
            },
        },
        "exception": {
            "values": [
                {
                    "type": "IntegrityError",
                    "module": "django.db.utils",
                    "value": 'new row violates check constraint "note"\n'
                    f"DETAIL:  Failing row contains (7, {NOTE}).",
                    "stacktrace": {
                        "frames": [
                            {
                                "function": "save_a_participants_answer_in_one_transaction",
                                "module": "gesprekskaarten.meetings.services",
                                "lineno": 12,
                                "vars": {"token": participant},
                            }
                        ]
                    },
                }
            ]
        },
        "breadcrumbs": {
            "values": [
                {"category": "query", "message": "SELECT 1 WHERE x = %s", "data": {"p": [NOTE]}},
                {"category": "gesprekskaarten.access", "message": f"GET /live/stream/?t={stream}"},
                {"category": "mail", "message": "Sent to someone@gemeente.example"},
                {
                    "category": "httplib",
                    "data": {"url": "https://sso.example/auth", "http.query": "code=geheim99"},
                },
            ]
        },
        "spans": [{"description": "SELECT", "data": {"db.params": [token_hash]}}],
        "extra": {"sys.argv": ["gesprekskaarten", "user", "create", "x@gemeente.example"]},
    }

    scrubbed = errors.scrub_event(event)

    assert scrubbed["event_id"] == "0123456789abcdef0123456789abcdef"
    assert scrubbed["contexts"]["trace"] == {"trace_id": "f" * 32, "span_id": "e" * 16}
    assert scrubbed["request"] == {
        "method": "POST",
        "url": "https://gk.example/wachtwoord-vergeten/MQ/…/",
        "headers": {"Host": "gk.example", "User-Agent": "Firefox"},
    }
    assert "user" not in scrubbed
    assert scrubbed["message"] == "Saving [Filtered] failed"
    assert scrubbed["logentry"]["params"] == ["/uitnodiging/…/"]
    exception = scrubbed["exception"]["values"][0]
    assert exception["value"] == 'new row violates check constraint "note"'
    frame = exception["stacktrace"]["frames"][0]
    assert frame == {
        "function": "save_a_participants_answer_in_one_transaction",
        "module": "gesprekskaarten.meetings.services",
        "lineno": 12,
    }
    assert scrubbed["breadcrumbs"]["values"] == [
        {"category": "query", "message": "SELECT 1 WHERE x = %s"},
        {"category": "gesprekskaarten.access", "message": "GET /live/stream/?[Filtered]"},
        {"category": "mail", "message": "Sent to [Filtered]"},
        {"category": "httplib", "data": {"url": "https://sso.example/auth"}},
    ]
    assert scrubbed["spans"] == [{"description": "SELECT", "data": {}}]
    assert scrubbed["extra"]["sys.argv"][-1] == "[Filtered]"
    text = json.dumps(scrubbed)
    for secret in (participant, token_hash, invitation, stream, NOTE, "c2VjcmV0", "geheim99"):
        assert secret not in text
    assert "198.51.100.1" not in text


def test_a_stream_token_is_filtered_wherever_it_is_quoted():
    token = stream_token("gesprek:42", "participant")
    assert errors.scrub_text(f"token {token} refused") == "token [Filtered] refused"
    assert errors.scrub_breadcrumb(
        {"message": f"<ASGIRequest: GET '/live/stream/?t={token}'>"}
    ) == {"message": "<ASGIRequest: GET '/live/stream/?[Filtered]'>"}


def test_the_settings_come_from_the_environment():
    assert errors.settings_from_environment({}) is None
    assert errors.settings_from_environment({"SENTRY_DSN": "  "}) is None
    options = errors.settings_from_environment({"SENTRY_DSN": "http://k@127.0.0.1:9/1"})
    assert options["traces_sample_rate"] is None  # no tracing at all by default
    assert options["environment"] == "production"
    assert options["send_default_pii"] is False
    assert options["include_local_variables"] is False
    assert options["max_request_body_size"] == "never"
    assert options["before_send"] is errors.scrub_event
    rated = errors.settings_from_environment(
        {"SENTRY_DSN": "http://k@127.0.0.1:9/1", "SENTRY_TRACES_SAMPLE_RATE": "0.25"}
    )
    assert rated["traces_sample_rate"] == 0.25
    for wrong in ("fast", "2", "-0.1"):
        with pytest.raises(errors.ImproperlyConfigured, match="SENTRY_TRACES_SAMPLE_RATE"):
            errors.settings_from_environment(
                {"SENTRY_DSN": "http://k@127.0.0.1:9/1", "SENTRY_TRACES_SAMPLE_RATE": wrong}
            )


# --- the process: off without SENTRY_DSN, on with it ------------------------------------------


def run_python(code: str, **environ) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SENTRY_")}
    env.update(DJANGO_SETTINGS_MODULE="gesprekskaarten.settings.test", **environ)
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=Path(__file__).resolve().parents[2],
    )


def test_without_sentry_dsn_nothing_is_imported_or_sent(receiver):
    result = run_python(
        """
        import sys
        from gesprekskaarten import asgi
        from gesprekskaarten.core import errors
        assert errors.start() is False
        assert "sentry_sdk" not in sys.modules, "sentry_sdk was imported"
        import sentry_sdk
        assert not sentry_sdk.get_client().is_active()
        sentry_sdk.capture_message("nobody hears this")
        sentry_sdk.flush(timeout=2)
        print("off")
        """,
        SENTRY_ENVIRONMENT="test",  # without SENTRY_DSN it changes nothing
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "off"
    time.sleep(0.5)
    assert receiver.bodies == []


def test_with_sentry_dsn_the_process_reports_an_unhandled_exception(receiver):
    participant = secrets.token_urlsafe(32)
    result = run_python(
        f"""
        import sentry_sdk
        from gesprekskaarten import asgi
        assert sentry_sdk.get_client().is_active()
        assert sentry_sdk.get_client().options["environment"] == "staging"
        wrapped = [cell.cell_contents for cell in asgi._requests.__closure__]
        assert "wrap_asgi.<locals>.reported" in [getattr(f, "__qualname__", "") for f in wrapped]
        raise ValueError("No participant {participant}")
        """,
        SENTRY_DSN=receiver.dsn,
        SENTRY_ENVIRONMENT="staging",
    )
    assert "ValueError" in result.stderr  # the exception still ends the process as before
    assert result.returncode == 1
    events = receiver.events()
    assert len(events) == 1
    assert events[0]["exception"]["values"][-1]["value"] == "No participant [Filtered]"
    assert participant not in receiver.received().decode()


def test_the_command_starts_error_reporting_and_names_a_wrong_setting(monkeypatch, capsys):
    from gesprekskaarten.cli import main

    monkeypatch.setattr(errors, "_started", False)
    monkeypatch.setenv("SENTRY_DSN", "http://public@127.0.0.1:9/1")
    monkeypatch.setenv("SENTRY_TRACES_SAMPLE_RATE", "lots")

    assert main(["user", "create", "nobody"]) == 1

    assert "SENTRY_TRACES_SAMPLE_RATE must be a number from 0 to 1, not 'lots'" in (
        capsys.readouterr().err
    )
    assert not sentry_sdk.get_client().is_active()

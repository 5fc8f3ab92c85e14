"""Health, metrics and logs (core/ops.py, core/metrics.py, core/logs.py) through asgi.py's
application, with fake ASGI receive/send, as uvicorn would call it."""

import asyncio
import io
import json
import logging
import re

import pytest
from django.urls import reverse

from gesprekskaarten.asgi import application
from gesprekskaarten.core import logs, ops
from gesprekskaarten.meetings import answering, services
from gesprekskaarten.meetings.models import Step
from tests.asgi import request
from tests.factories import make_gesprek
from tests.live.conftest import free_port
from tests.meetings.test_answer_endpoint import Phone, asgi_call

pytestmark = pytest.mark.django_db(transaction=True)

PUBLIC_HOST = "gesprek.example.nl"  # not in ALLOWED_HOSTS of the test settings


@pytest.fixture(autouse=True)
def fresh_threads(monkeypatch):
    answering.close_connections()
    ops.close_connections()  # also waits for a check still running
    monkeypatch.setattr(ops, "_last_failures", ())
    # A slow machine (the suite on two busy cores) may need more than the 2 s of production
    # for the first check; the test of the timeout sets its own.
    monkeypatch.setattr(ops, "READY_TIMEOUT", 10.0)
    yield
    answering.close_connections()
    ops.close_connections()


def get(path, host="127.0.0.1:8001", client="127.0.0.1", headers=None, method="GET"):
    return asyncio.run(_get(path, host, client, headers, method))


async def _get(path, host, client, headers, method):
    fields = {"host": host, **(headers or {})}
    scope_client = (client, 40000) if client else None
    return await call(method, path, fields, scope_client)


async def call(method, path, fields, client=("127.0.0.1", 40000), query=b""):
    return await request(
        application, method, path, fields, query=query, client=client, server=("127.0.0.1", 8001)
    )


# -- health ---------------------------------------------------------------------------------------


def test_liveness_and_readiness_answer_a_local_check_whatever_the_host():
    # Django refuses this host (ALLOWED_HOSTS) ...
    assert get("/", host=PUBLIC_HOST)[0] == 400
    # ... the health checks do not look at it.
    for host in (PUBLIC_HOST, "127.0.0.1:8001", ""):
        status, headers, body = get("/health/live", host=host)
        assert (status, json.loads(body)) == (200, {"status": "ok"})
        assert headers["cache-control"] == "no-store"
        status, _, body = get("/health/ready", host=host)
        assert status == 200, body
        assert json.loads(body) == {"status": "ok", "checks": {"database": "ok", "broker": "ok"}}
    assert get("/health/ready/")[0] == 200
    assert get("/health/live", client=None)[0] == 200  # a Unix socket is this machine
    assert get("/health/live", method="POST")[0] == 405
    status, headers, body = get("/health/ready", method="HEAD")
    assert (status, body) == (200, b"") and int(headers["content-length"]) > 0


def test_health_and_metrics_are_not_for_other_networks(settings):
    for path in ("/health/live", "/health/ready", "/metrics"):
        status, _, body = get(path, client="203.0.113.7")
        assert (status, body) == (404, b"Not Found\n"), path
        assert get(path, client="::ffff:127.0.0.1")[0] == 200, path
    settings.GK_MONITORING_NETWORKS = "127.0.0.1, 203.0.113.0/24"
    assert get("/metrics", client="203.0.113.7")[0] == 200
    assert get("/metrics", client="198.51.100.1")[0] == 404


def test_readiness_is_red_while_the_broker_does_not_answer(settings, caplog):
    settings.GK_BROKER_URL = f"redis://127.0.0.1:{free_port()}/0"  # nobody listens there
    status, _, body = get("/health/ready")
    assert status == 503
    assert json.loads(body) == {
        "status": "unavailable",
        "checks": {"database": "ok", "broker": "unreachable"},
    }
    assert "Not ready: broker unreachable" in caplog.text
    settings.GK_BROKER_URL = "memory://"
    assert get("/health/ready")[0] == 200
    assert "Ready again" in caplog.text


def test_readiness_is_red_while_the_database_does_not_answer(monkeypatch):
    def broken(*args, **kwargs):
        raise ops_error()

    def ops_error():
        from django.db import OperationalError

        return OperationalError("connection refused by 10.0.0.5")

    from django.db.backends.base import base

    monkeypatch.setattr(base.BaseDatabaseWrapper, "cursor", broken)
    status, _, body = get("/health/ready")
    assert status == 503
    assert json.loads(body)["checks"] == {"database": "unreachable", "broker": "ok"}
    assert b"10.0.0.5" not in body  # which check, never why
    monkeypatch.undo()
    assert get("/health/ready")[0] == 200


def test_a_hanging_check_answers_503_in_time(monkeypatch):
    import time

    monkeypatch.setattr(ops, "READY_TIMEOUT", 0.2)
    calls = []
    monkeypatch.setattr(ops, "check_database", lambda: calls.append(1) or time.sleep(0.6) or "ok")
    started = time.monotonic()
    status, _, body = get("/health/ready")
    assert status == 503 and time.monotonic() - started < 0.5
    assert json.loads(body)["checks"]["database"] == "no answer"
    assert get("/health/ready")[0] == 503  # waits for the same check, not a second one
    assert len(calls) == 1
    monkeypatch.setattr(ops, "READY_TIMEOUT", 2.0)
    assert get("/health/ready")[0] == 200  # the check finished by itself
    assert len(calls) in (1, 2)


# -- metrics --------------------------------------------------------------------------------------


def metric(text: str, name: str) -> float:
    found = re.search(rf"^{re.escape(name)} (\S+)$", text, re.M)
    assert found, name
    return float(found.group(1))


def test_metrics_count_answers_and_requests_per_route():
    gesprek = make_gesprek(step="marking")
    phone = Phone(gesprek)
    before = get("/metrics")[2].decode()
    behaviour = services.behaviours_of(gesprek).values_list("pk", flat=True)[0]
    assert phone.post({"behaviour": behaviour, "choice": "recognised"})[0] == 200
    assert phone.post({"behaviour": behaviour, "choice": "nonsense"})[0] == 400
    asyncio.run(asgi_call(application, "GET", "/nergens/", {"host": "127.0.0.1:8000"}))
    status, headers, body = get("/metrics")
    assert status == 200 and headers["content-type"].startswith("text/plain; version=")
    text = body.decode()
    for result, change in (("accepted", 1), ("refused", 1), ("failed", 0)):
        name = f'gk_answers_total{{result="{result}"}}'
        assert metric(text, name) - metric(before, name) == change
    for route in ("answer", "metrics", "unresolved"):
        assert (
            f'gk_http_request_duration_seconds_count{{method="GET",route="{route}"}}' in text
            or (f'gk_http_request_duration_seconds_count{{method="POST",route="{route}"}}' in text)
        ), route
    assert "gk_live_open_streams" in text and "gk_live_dropped_slow_clients_total" in text
    assert gesprek.join_code not in text  # no label per gesprek


# -- logs -----------------------------------------------------------------------------------------


def test_the_request_id_comes_from_nginx_or_is_made():
    _, headers, _ = get(
        "/health/live", headers={"x-request-id": "0123456789abcdef0123456789abcdef"}
    )
    assert headers["x-request-id"] == "0123456789abcdef0123456789abcdef"
    for forged in ("short", "x" * 65, "bad id\nlevel=ERROR"):
        _, headers, _ = get("/health/live", headers={"x-request-id": forged})
        assert re.fullmatch(r"[0-9a-f]{32}", headers["x-request-id"]), forged


@pytest.fixture
def json_log():
    """Every log line of every logger, formatted as in production (JSON, request id)."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logs.JSONFormatter())
    handler.addFilter(logs.RequestIdFilter())
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    yield stream
    root.removeHandler(handler)
    root.setLevel(level)


def test_a_gesprek_leaves_no_token_answer_or_note_in_the_log(json_log, monkeypatch):
    """A participant joins, answers through the lean endpoint (one answer refused, one failing
    in the database), writes a note and reads pages through asgi.py: the log has JSON lines
    with request ids, and no token, answer or note text."""
    gesprek = make_gesprek(step="marking")
    phone = Phone(gesprek)
    token = phone.client.cookies[f"gk_p_{gesprek.join_code}"].value
    behaviours = list(services.behaviours_of(gesprek).values_list("pk", flat=True))
    for behaviour, choice in zip(behaviours, ["recognised", "missing", "unsure"], strict=False):
        assert phone.post({"behaviour": behaviour, "choice": choice, "discuss": "on"})[0] == 200
    assert phone.post({"behaviour": behaviours[0], "choice": "geheim-antwoord"})[0] == 400

    def failing(writes):
        from django.db import IntegrityError

        try:
            raise IntegrityError(f"UNIQUE failed: participant {token} choice missing")
        except IntegrityError as error:
            return [error for _ in writes]

    with monkeypatch.context() as patch:
        patch.setattr(services, "save_answer_batch", failing)
        status, headers, _ = phone.post({"behaviour": behaviours[1], "choice": "missing"})
    assert status == 503
    failed_id = headers["x-request-id"]

    gesprek = services.set_step(services.set_step(gesprek, Step.RESULTS), Step.DISCUSSION)
    note = "Mijn geheime notitie over de teamleider"
    response = phone.client.post(
        reverse("meetings:note_add", args=[gesprek.join_code]), {"text": note}
    )
    assert response.status_code == 302
    fields = {"host": "127.0.0.1:8000", "cookie": phone.cookie_header()}
    query = f"t={token}&last_event_id=1".encode()
    for path in (f"/g/{gesprek.join_code}/", "/live/stream/", "/nergens/"):
        asyncio.run(call("GET", path, fields, query=query))

    lines = [json.loads(line) for line in json_log.getvalue().splitlines()]
    text = json_log.getvalue()
    assert lines, "nothing was logged"
    for secret in (token, note, "geheime", "geheim-antwoord", "choice=", "csrfmiddlewaretoken"):
        assert secret not in text, secret
    access = [line for line in lines if line["logger"] == "gesprekskaarten.access"]
    answers = [line for line in access if line["route"] == "answer"]
    assert len(answers) == 5 and all(
        re.fullmatch(r"[0-9a-f]{32}", a["request_id"]) for a in answers
    )
    assert [a["status"] for a in answers] == [200, 200, 200, 400, 503]
    pages = [line for line in access if line["route"] != "answer"]
    assert {line["route"] for line in pages} == {"meetings:gesprek", "live_stream", "unresolved"}
    assert all("?" not in line["path"] and "client" not in line for line in access)
    # A line Django writes in its thread carries the request id of its request.
    not_found = next(line for line in lines if line["logger"] == "django.request")
    access_404 = next(line for line in access if line["path"] == "/nergens/")
    assert not_found["request_id"] == access_404["request_id"]
    # The warning about the failed write carries the request id of that answer.
    warning = next(line for line in lines if line["message"].startswith("Could not save"))
    assert warning["request_id"] == failed_id and warning["level"] == "WARNING"


@pytest.mark.django_db(transaction=True)
def test_the_access_log_keeps_no_link_secret(json_log):
    """Invitation and password-reset links carry a secret in their path: anyone who reads the
    log could use a link that was not used yet."""
    invitation = "/uitnodiging/Geheim-Token-123/"
    reset = "/wachtwoord-vergeten/MQ/cb6f-Geheim0Reset1Token/"
    for path in (invitation, reset):
        get(path, host="127.0.0.1")
    lines = [json.loads(line) for line in json_log.getvalue().splitlines()]
    paths = [line["path"] for line in lines if line.get("logger") == "gesprekskaarten.access"]
    assert "/uitnodiging/…/" in paths
    assert "/wachtwoord-vergeten/MQ/…/" in paths
    assert "Geheim" not in json_log.getvalue()

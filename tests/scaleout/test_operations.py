"""One app process with the production settings on a real PostgreSQL and Redis, as the systemd
unit runs it, watched the way an operator watches it:

- the readiness endpoint goes red when PostgreSQL or Redis stops and green when it returns,
  and answers the local check whatever the Host header says;
- the metrics show the open live streams during a gesprek;
- SIGTERM in the middle of a gesprek: streams end, the answers in flight are written or
  refused, every acknowledged answer is in the database, and the process exits cleanly.
"""

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time

import httpx
import pytest

from tests.live.conftest import RedisServer, free_port

from .conftest import ROOT, Postgres, missing_packages, postgres_bindir, wait_for
from .test_multiprocess import CHOICES, Gesprek, Participant

pytestmark = pytest.mark.e2e

PUBLIC_HOST = "gesprek.example.nl"  # the name the site has; not the local check's


@pytest.fixture(scope="module")
def services(tmp_path_factory):
    missing = [name for name in missing_packages() if name != "nginx"]
    if missing:
        pytest.skip(f"Needs PostgreSQL and Redis; missing Debian package(s): {', '.join(missing)}")
    base = tmp_path_factory.mktemp("operations")
    postgres = Postgres(postgres_bindir())
    redis = RedisServer(base)
    with contextlib.ExitStack() as stack:
        stack.callback(postgres.stop)
        postgres.start()
        stack.callback(redis.stop)
        redis.start()
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("GK_", "DATABASE_URL"))},
            "DJANGO_SETTINGS_MODULE": "gesprekskaarten.settings.production",
            "SECRET_KEY": "operations-test-" + "x" * 40,
            "ALLOWED_HOSTS": "127.0.0.1",
            "GK_SECURE_COOKIES": "false",
            "GK_VAR_DIR": str(base / "var"),
            "DATABASE_URL": postgres.url,
            "GK_BROKER_URL": redis.url,
            "GK_DB_CONNECT_TIMEOUT": "1",
            "GK_DB_POOL_TIMEOUT": "1",
            "LOG_LEVEL": "INFO",
            "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
        }
        run = subprocess.run(
            [sys.executable, "-m", "gesprekskaarten", "manage", "migrate", "--verbosity", "0"],
            env=env, cwd=ROOT, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert run.returncode == 0, run.stdout + run.stderr
        yield postgres, redis, env, base


class Server:
    def __init__(self, env: dict, log_path):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        with open(log_path, "ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "gesprekskaarten", "serve", "--port", str(self.port)],
                env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
            )  # fmt: skip
        wait_for(self.live, 60, "the app process to start", 0.1)

    def live(self) -> bool:
        assert self.process.poll() is None, self.log()
        with contextlib.suppress(httpx.HTTPError):
            return httpx.get(self.url + "/health/live", timeout=2).status_code == 200
        return False

    def ready(self) -> int:
        response = httpx.get(self.url + "/health/ready", headers={"host": PUBLIC_HOST}, timeout=5)
        return response.status_code

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self):
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)


@pytest.fixture
def server(services, tmp_path):
    *_, env, _ = services
    app = Server(env, tmp_path / "app.log")
    yield app
    app.stop()


def test_readiness_follows_postgresql_and_redis(services, server):
    postgres, redis, *_ = services
    # The local check with the public name in Host (or any other): answered all the same.
    assert httpx.get(server.url + "/", headers={"host": PUBLIC_HOST}).status_code == 400
    wait_for(lambda: server.ready() == 200, 10, "readiness")  # the first check opens connections

    redis.stop()
    wait_for(lambda: server.ready() == 503, 10, "readiness to go red without Redis")
    body = httpx.get(server.url + "/health/ready").json()
    assert body["checks"] == {"database": "ok", "broker": "unreachable"}
    assert httpx.get(server.url + "/health/live").status_code == 200  # still alive
    redis.start()
    wait_for(lambda: server.ready() == 200, 10, "readiness to come back with Redis")

    postgres.halt()
    try:
        started = time.monotonic()
        assert server.ready() == 503
        assert time.monotonic() - started < 3  # short timeouts: the probe is not held up
        body = httpx.get(server.url + "/health/ready").json()
        assert body["checks"]["database"] in ("unreachable", "no answer")
    finally:
        postgres.resume()
    wait_for(lambda: server.ready() == 200, 15, "readiness to come back with PostgreSQL")
    log = server.log()
    lines = [json.loads(line) for line in log.splitlines() if line.startswith("{")]
    assert any(line["message"].startswith("Not ready: broker") for line in lines), log
    assert any(line["message"].startswith("Not ready: database") for line in lines), log
    assert all(line.get("path") != "/" or line["status"] == 400 for line in lines)


def make_gesprek(env: dict) -> tuple[str, list[int]]:
    """A gesprek in its marking step, made with the factory of the tests in the app's database."""
    code = (
        "import django; django.setup()\n"
        "import uuid\n"
        "from tests.factories import make_facilitator, make_gesprek\n"
        "from gesprekskaarten.meetings import services\n"
        "name = uuid.uuid4().hex[:10]\n"
        "user, team = make_facilitator(username='f' + name, team_name='Team ' + name)\n"
        "g = make_gesprek(team=team, user=user, step='marking', cards=3)\n"
        "print(g.join_code, *services.behaviours_of(g).values_list('pk', flat=True))\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert run.returncode == 0, run.stderr
    join_code, *behaviours = run.stdout.split()
    return join_code, [int(behaviour) for behaviour in behaviours]


def metric(server: Server, name: str) -> float:
    text = httpx.get(server.url + "/metrics").text
    return float(re.search(rf"^{re.escape(name)} (\S+)$", text, re.M).group(1))


def test_metrics_show_streams_and_sigterm_loses_no_acknowledged_answer(services, server):
    postgres, *_ = services
    code, behaviours = make_gesprek(services[2])
    assert len(behaviours) >= 6
    people = [Participant(server.url, number) for number in range(6)]
    streams = []
    try:
        for person in people:
            streams.append(person.open_stream(person.join(code), f"p{person.number}"))
        assert metric(server, "gk_live_open_streams") == len(people)
        assert metric(server, "gk_live_channels") == 1
        # Every participant answers over and over, as fast as the server acknowledges.
        stop = threading.Event()
        refused: list[str] = []

        def keep_answering(person: Participant):
            round_ = 0
            while not stop.is_set():
                for index, behaviour in enumerate(behaviours):
                    choice = CHOICES[(round_ + index + person.number) % 3]
                    try:
                        response = person.post(
                            f"/g/{code}/antwoord/", {"behaviour": str(behaviour), "choice": choice}
                        )
                    except httpx.TransportError:
                        return  # the server has gone: not acknowledged
                    if response.status_code == 200 and response.json() == {"saved": True}:
                        person.acknowledged[behaviour] = (choice, False)
                    else:
                        refused.append(f"{response.status_code} {response.text[:100]}")
                round_ += 1

        threads = [threading.Thread(target=keep_answering, args=(p,)) for p in people]
        for thread in threads:
            thread.start()
        wait_for(lambda: sum(len(p.acknowledged) for p in people) >= 20, 20, "answers")
        assert metric(server, 'gk_answers_total{result="accepted"}') >= 20
        server.process.send_signal(signal.SIGTERM)  # as systemd stops the unit
        # uvicorn ends by raising the signal it caught again: systemd counts that as a clean stop.
        assert server.process.wait(20) in (0, -signal.SIGTERM)
        stop.set()
        for thread in threads:
            thread.join(10)
        # Streams were ended, not broken off: every one reconnects (to nothing now).
        for stream in streams:
            stream.wait(lambda s=stream: len(s.connections) >= 2, 10)
        gesprek = Gesprek(postgres.dsn(), code)
        for person in people:
            assert gesprek.answers_of(person.token) == person.acknowledged, person.number
        assert all(line.startswith(("429", "503")) for line in refused), refused
        log = server.log()
        assert "Stopped cleanly" in log and "uvicorn.access" not in log
        assert '"logger": "gesprekskaarten.access"' in log and "Traceback" not in log
    finally:
        for stream in streams:
            stream.close()
        for person in people:
            person.close()


def test_nothing_is_lost_across_connections_when_postgresql_is_down_briefly(services, server):
    """While PostgreSQL is away an answer is refused (503), never acknowledged and lost."""
    postgres, *_ = services
    code, behaviours = make_gesprek(services[2])
    person = Participant(server.url, 0)
    try:
        person.join(code)
        postgres.halt()
        try:
            response = person.post(
                f"/g/{code}/antwoord/", {"behaviour": behaviours[0], "choice": "unsure"}
            )
            assert response.status_code == 503
        finally:
            postgres.resume()
        gesprek = Gesprek(postgres.dsn(), code)
        assert gesprek.answers_of(person.token) == {}
        wait_for(lambda: server.ready() == 200, 15, "readiness after PostgreSQL returned")
        person.answer(code, behaviours[0], "unsure", False, retry=True)
        assert gesprek.answers_of(person.token) == {behaviours[0]: ("unsure", False)}
    finally:
        person.close()


def test_health_and_metrics_are_refused_from_outside(server):
    # Through a proxy that is trusted (uvicorn believes 127.0.0.1's X-Forwarded-For), a client
    # from elsewhere gets 404: nginx passes public requests on with their own address.
    for path in ("/health/ready", "/metrics"):
        response = httpx.get(server.url + path, headers={"x-forwarded-for": "203.0.113.9"})
        assert response.status_code == 404, path

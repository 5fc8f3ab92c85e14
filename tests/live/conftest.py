"""Live tests: an SSE parser, a streaming HTTP client (httpx), real Redis and server processes.

Server processes run `python -m gesprekskaarten serve` (uvicorn, as in production) on a SQLite
file of their own, with the test-only endpoints of tests/live/server_urls.py. Tokens are made
in the test process: the servers share its SECRET_KEY.
"""

import asyncio
import codecs
import contextlib
import itertools
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from django.conf import settings

from gesprekskaarten.live import broker

ROOT = Path(__file__).resolve().parents[2]
REDIS_SERVER = "/usr/bin/redis-server"
_channel_numbers = itertools.count(1)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def new_channel(prefix: str = "test") -> str:
    """A channel name no other test uses (the server processes are shared)."""
    return f"{prefix}:{os.getpid()}-{next(_channel_numbers)}-{time.monotonic_ns() % 10**6}"


# -- reading Server-Sent Events -----------------------------------------------------------------


@dataclass(frozen=True)
class SSEEvent:
    id: int | None
    type: str
    data: str


class SSEParser:
    """Parses an event stream as a browser's EventSource does (for the fields we use)."""

    def __init__(self):
        self.buffer = ""
        self.events: list[SSEEvent] = []
        self.comments: list[str] = []
        self.last_id: int | None = None
        self.retry: int | None = None

    def feed(self, text: str) -> None:
        self.buffer += text
        while "\n\n" in self.buffer:
            block, self.buffer = self.buffer.split("\n\n", 1)
            self._dispatch(block)

    def _dispatch(self, block: str) -> None:
        data, event_type = [], "message"
        for line in block.split("\n"):
            if line.startswith(":"):
                self.comments.append(line[1:].strip())
                continue
            field, _, value = line.partition(":")
            value = value[1:] if value.startswith(" ") else value
            if field == "id":
                self.last_id = int(value)
            elif field == "event":
                event_type = value
            elif field == "data":
                data.append(value)
            elif field == "retry":
                self.retry = int(value)
        if data:
            self.events.append(SSEEvent(self.last_id, event_type, "\n".join(data)))


class LiveStream:
    """An SSE stream read by httpx in a background thread, so tests can wait with timeouts."""

    def __init__(self, url: str, headers: dict | None = None, timeout: float = 10):
        self.url = url
        self.parser = SSEParser()
        self.status: int | None = None
        self.headers: httpx.Headers | None = None
        self.body = b""
        self.ended = False
        self.error: BaseException | None = None
        self._socket = None
        self._condition = threading.Condition()
        self._client = httpx.Client(timeout=httpx.Timeout(None, connect=5))
        self._thread = threading.Thread(target=self._read, args=(headers or {},), daemon=True)
        self._thread.start()
        if not self._wait(lambda: self.status is not None or self.ended, timeout):
            raise AssertionError(f"no response from {url}")

    def _read(self, headers):
        decoder = codecs.getincrementaldecoder("utf-8")()
        try:
            with self._client.stream("GET", self.url, headers=headers) as response:
                stream = response.extensions.get("network_stream")
                self._socket = stream.get_extra_info("socket") if stream else None
                with self._condition:
                    self.status = response.status_code
                    self.headers = response.headers
                    self._condition.notify_all()
                for chunk in response.iter_raw():
                    with self._condition:
                        self.body += chunk
                        if self.status == 200:
                            self.parser.feed(decoder.decode(chunk))
                        self._condition.notify_all()
        except Exception as error:
            self.error = error
        finally:
            with self._condition:
                self.ended = True
                self._condition.notify_all()

    def _wait(self, predicate, timeout: float) -> bool:
        with self._condition:
            return self._condition.wait_for(predicate, timeout)

    @property
    def events(self) -> list[SSEEvent]:
        with self._condition:
            return list(self.parser.events)

    def wait_for_events(self, count: int, timeout: float = 5) -> list[SSEEvent]:
        if not self._wait(lambda: len(self.parser.events) >= count or self.ended, timeout):
            raise AssertionError(
                f"expected {count} events within {timeout} s, got {self.events} ({self.url})"
            )
        return self.events

    def wait_for_id(self, seq: int, timeout: float = 5) -> None:
        """Until the client's last event id is `seq` (also from an id-only block)."""
        ok = self._wait(lambda: (self.parser.last_id or 0) >= seq or self.ended, timeout)
        assert ok and self.parser.last_id == seq, (self.parser.last_id, seq)

    def wait_for_end(self, timeout: float = 5) -> bool:
        return self._wait(lambda: self.ended, timeout)

    def wait_for_comment(self, text: str, count: int = 1, timeout: float = 5) -> bool:
        return self._wait(lambda: self.parser.comments.count(text) >= count, timeout)

    def close(self):
        if self._socket is not None and not self.ended:
            with contextlib.suppress(OSError):
                self._socket.shutdown(socket.SHUT_RDWR)  # wakes the reading thread at once
        self._thread.join(5)
        self._client.close()


@pytest.fixture
def live_settings(settings):
    """Settings for the in-process stream tests: small limits, a heartbeat that stays away."""
    settings.GK_BROKER_URL = "memory://"
    settings.GK_LIVE_HEARTBEAT = 60  # tests that need the heartbeat make it short
    settings.GK_LIVE_REPLAY_LIMIT = 5
    settings.GK_LIVE_QUEUE_SIZE = 4
    return settings


# -- Redis -----------------------------------------------------------------------------------


class RedisServer:
    def __init__(self, directory: Path):
        self.directory = directory
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self):
        self.process = subprocess.Popen(
            [
                REDIS_SERVER,
                "--bind", "127.0.0.1",
                "--port", str(self.port),
                "--save", "",
                "--appendonly", "no",
                "--dir", str(self.directory),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 10
        while True:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
                    sock.sendall(b"PING\r\n")
                    if sock.recv(16).startswith(b"+PONG"):
                        return
            except OSError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"redis-server did not start on port {self.port}")
            time.sleep(0.05)

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)


# -- server processes --------------------------------------------------------------------------


def server_env(var: Path, **extra) -> dict:
    env = {
        **os.environ,
        "GK_VAR_DIR": str(var),
        "DJANGO_SETTINGS_MODULE": "tests.live.server_settings",
        "SECRET_KEY": settings.SECRET_KEY,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
        "LOG_LEVEL": "WARNING",
        **{key: str(value) for key, value in extra.items()},
    }
    env.pop("DATABASE_URL", None)  # these processes share a SQLite file
    return env


def gesprekskaarten(*arguments, env: dict, check=True) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "gesprekskaarten", *arguments],
        env=env,
        cwd=ROOT,
        check=check,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.fixture(scope="session")
def migrated_database(tmp_path_factory) -> Path:
    """A migrated SQLite database file, copied for each group of servers."""
    var = tmp_path_factory.mktemp("template")
    gesprekskaarten("manage", "migrate", "--verbosity", "0", env=server_env(var))
    return var / "gesprekskaarten.sqlite3"


class LiveServer:
    def __init__(self, var: Path, name: str, **env):
        self.var = var
        self.name = name
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.env = server_env(var, **env)
        self.log_path = var / f"{name}.log"
        self.process: subprocess.Popen | None = None

    def start(self):
        self._log = open(self.log_path, "wb")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gesprekskaarten", "serve", "--port", str(self.port)],
            env=self.env,
            cwd=ROOT,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )

    def wait_ready(self, timeout: float = 30):
        deadline = time.monotonic() + timeout
        while True:
            try:
                if httpx.get(self.base_url + "/live-test/stats/", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.process.kill()
                raise RuntimeError(f"server {self.name} did not start:\n{self.log()}")
            time.sleep(0.05)

    def stop(self, timeout: float = 10) -> float:
        """SIGTERM, as systemd does; returns how long the process took to exit."""
        started = time.monotonic()
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        self._log.close()
        return time.monotonic() - started

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def rss_kb(self) -> int:
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        raise AssertionError("no VmRSS")

    def stream(self, channel: str, audience: str, *, last_event_id=None, query_id=None):
        from gesprekskaarten.live.services import stream_url

        headers = {} if last_event_id is None else {"Last-Event-ID": str(last_event_id)}
        return LiveStream(self.base_url + stream_url(channel, audience, query_id), headers)

    def publish(self, channel: str, type: str, payloads: dict, count: int = 1) -> list[int]:
        body = {"channel": channel, "type": type, "payloads": payloads, "count": count}
        response = httpx.post(self.base_url + "/live-test/publish/", json=body, timeout=30)
        assert response.status_code == 200, response.text
        return response.json()["seqs"]

    def publish_from_cli(self, channel: str, type: str, payloads: dict, count: int = 1):
        """Publish from another process (`manage live_publish`) with this server's settings."""
        import json

        result = gesprekskaarten(
            "manage", "live_publish", channel, type, json.dumps(payloads), "--count", str(count),
            env=self.env,
        )  # fmt: skip
        return [int(line) for line in result.stdout.split()]

    def stats(self) -> dict:
        return httpx.get(self.base_url + "/live-test/stats/", timeout=5).json()


# Small limits so the tests reach them quickly.
LIMITS = {"GK_LIVE_REPLAY_LIMIT": 20, "GK_LIVE_QUEUE_SIZE": 8}


@pytest.fixture(scope="session")
def live_servers(migrated_database, tmp_path_factory, request):
    """All server processes of the session, started at the same time (each takes seconds).

    - "memory": the in-process broker; a short heartbeat for cross-process catch-up.
    - "a" and "b" (when redis-server is installed): two processes sharing one SQLite file and
      one Redis. The heartbeat is long, so an event that arrives quickly came through Redis.
    - "stopping": for the test that stops a server.
    """
    groups = {"memory": ["memory"], "stopping": ["stopping"]}
    env = {
        "memory": {"GK_BROKER_URL": "memory://", "GK_LIVE_HEARTBEAT": 0.5, **LIMITS},
        "stopping": {"GK_BROKER_URL": "memory://", "GK_LIVE_HEARTBEAT": 30},
    }
    try:
        redis = request.getfixturevalue("redis_server")
    except pytest.skip.Exception:  # the Redis tests say so themselves
        redis = None
    if redis is not None:
        groups["redis"] = ["a", "b"]
        env["redis"] = {"GK_BROKER_URL": redis.url, "GK_LIVE_HEARTBEAT": 30, **LIMITS}
    servers = {}
    for group, names in groups.items():
        var = tmp_path_factory.mktemp(group)
        shutil.copy(migrated_database, var / "gesprekskaarten.sqlite3")
        for name in names:
            servers[name] = LiveServer(var, name, **env[group])
            servers[name].start()
    for server in servers.values():
        server.wait_ready()
    yield servers
    for server in servers.values():
        server.stop()


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory):
    """A real redis-server on a free port, without persistence."""
    if not os.access(REDIS_SERVER, os.X_OK):
        pytest.skip(
            f"{REDIS_SERVER} is missing (Debian package redis-server); run 'make test' as root."
        )
    server = RedisServer(tmp_path_factory.mktemp("redis"))
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def memory_server(live_servers) -> "LiveServer":
    return live_servers["memory"]


@pytest.fixture(scope="session")
def redis_servers(redis_server, live_servers) -> list["LiveServer"]:
    return [live_servers["a"], live_servers["b"]]


@pytest.fixture(scope="session")
def stopping_server(live_servers) -> "LiveServer":
    return live_servers["stopping"]


@pytest.fixture(params=["memory", "redis"])
def server(request) -> LiveServer:
    """The same behaviour with either broker."""
    if request.param == "memory":
        return request.getfixturevalue("memory_server")
    return request.getfixturevalue("redis_servers")[0]


@pytest.fixture
def streams():
    """Collects streams and closes them after the test."""
    opened: list[LiveStream] = []
    yield opened
    for stream in opened:
        stream.close()


def run_async(coroutine):
    """asyncio.run in a thread of its own: the browser tests' Playwright keeps an event loop
    running in the main thread of the same pytest worker, where asyncio.run would refuse."""
    import concurrent.futures

    try:
        asyncio.get_running_loop()
    except RuntimeError:  # no loop here: run in the main thread (signal handlers need it)
        return asyncio.run(coroutine)
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


class Recorder:
    """A broker that only notes what it was asked to announce."""

    def __init__(self):
        self.announced = []

    def announce(self, channel, seq):
        self.announced.append((channel, seq))


@pytest.fixture
def recorder(monkeypatch):
    recorder = Recorder()
    monkeypatch.setattr(broker, "get_broker", lambda: recorder)
    return recorder

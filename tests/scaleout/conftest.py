"""Production on one machine: PostgreSQL, Redis, nginx and two app processes behind it.

Everything runs on 127.0.0.1 on free ports, in a temporary directory, and is stopped after
the test: a throwaway PostgreSQL cluster (as scripts/with-postgres.sh makes one), a
redis-server without persistence, nginx with the location rules of
deploy/nginx/gesprekskaarten-locations.conf and the upstream block of
deploy/nginx/gesprekskaarten.conf, and two `python -m gesprekskaarten serve` processes with
the production settings.
"""

import codecs
import contextlib
import glob
import html
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.live.conftest import REDIS_SERVER, RedisServer, SSEParser, free_port

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy" / "nginx"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
IS_ROOT = os.geteuid() == 0
# Long enough that an event arriving within a second came through Redis, not the poll.
HEARTBEAT = 10
RETRY_MS = 300


def postgres_bindir() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(p.split("/")[-2]))
    return Path(found[-1]) if found and os.access(f"{found[-1]}/initdb", os.X_OK) else None


def wait_for(predicate, timeout: float, what: str, interval: float = 0.05):
    deadline = time.monotonic() + timeout
    while True:
        result = predicate()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(interval)


# -- PostgreSQL ----------------------------------------------------------------------------------


class Postgres:
    """A throwaway cluster, as scripts/with-postgres.sh makes one."""

    def __init__(self, bindir: Path):
        self.bindir = bindir
        self.port = free_port()
        # Not under pytest's tmp_path: the postgres user must be able to enter it.
        self.dir = Path(tempfile.mkdtemp(prefix="gk-scaleout-pg-"))
        self.url = f"postgres://postgres@127.0.0.1:{self.port}/gesprekskaarten"

    def _run(self, *command):
        prefix = ["runuser", "-u", "postgres", "--"] if IS_ROOT else []
        subprocess.run([*prefix, *map(str, command)], check=True, capture_output=True, timeout=60)

    def start(self):
        if IS_ROOT:
            shutil.chown(self.dir, "postgres")
        data = self.dir / "data"
        self._run(
            self.bindir / "initdb", "-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8",
            "--locale=C.UTF-8", "--no-sync",
        )  # fmt: skip
        self.resume()
        import psycopg

        with psycopg.connect(self.dsn("postgres"), autocommit=True) as connection:
            connection.execute("CREATE DATABASE gesprekskaarten")

    def resume(self):
        """Start the server (again, after `halt`)."""
        options = f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.dir} -c fsync=off"
        self._run(self.bindir / "pg_ctl", "-D", self.dir / "data", "-w", "-l", self.dir / "log",
                  "-o", options, "start")  # fmt: skip

    def halt(self):
        """Stop the server as a crash would, keeping its data."""
        self._run(self.bindir / "pg_ctl", "-D", self.dir / "data", "-m", "immediate", "-w",
                  "stop")  # fmt: skip

    def dsn(self, database="gesprekskaarten") -> str:
        return f"host=127.0.0.1 port={self.port} user=postgres dbname={database}"

    def stop(self):
        with contextlib.suppress(subprocess.SubprocessError):
            self._run(self.bindir / "pg_ctl", "-D", self.dir / "data", "-m", "immediate", "-w",
                      "stop")  # fmt: skip
        shutil.rmtree(self.dir, ignore_errors=True)


# -- app processes -------------------------------------------------------------------------------


class App:
    """`python -m gesprekskaarten serve` with the production settings, as a systemd unit runs it."""

    def __init__(self, name: str, env: dict, log_dir: Path):
        self.name = name
        self.port = free_port()
        self.address = f"127.0.0.1:{self.port}"
        self.env = env
        self.log_path = log_dir / f"app-{name}.log"
        self.process: subprocess.Popen | None = None

    def start(self):
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "gesprekskaarten", "serve", "--port", str(self.port),
                 "--log-level", "warning"],
                env=self.env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
            )  # fmt: skip

    def ready(self) -> bool:
        if self.process.poll() is not None:
            raise AssertionError(f"app {self.name} exited:\n{self.log()}")
        try:
            return httpx.get(f"http://{self.address}/", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    def wait_ready(self, timeout: float = 60):
        wait_for(self.ready, timeout, f"app {self.name} to answer on {self.address}", 0.1)

    def kill(self):
        """kill -9: no clean shutdown, open streams are cut off."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


# -- nginx ---------------------------------------------------------------------------------------


def nginx_config(directory: Path, port: int, apps: list[App]) -> str:
    """The deployed upstream block (with our ports) and locations, on 127.0.0.1 only."""
    site = (DEPLOY / "gesprekskaarten.conf").read_text()
    upstream = re.search(r"^upstream gesprekskaarten \{.*?^\}", site, re.S | re.M).group(0)
    servers = re.findall(r"^\s*server 127\.0\.0\.1:\d+", upstream, re.M)
    assert len(servers) >= len(apps), upstream
    for line in servers[len(apps) :]:
        upstream = re.sub(rf"^{re.escape(line)}.*\n", "", upstream, flags=re.M)
    for line, app in zip(servers, apps, strict=False):
        upstream = upstream.replace(line, re.sub(r"\d+$", str(app.port), line), 1)
    temp = "\n".join(
        f"    {kind}_temp_path {directory / kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    return f"""{"user root;" if IS_ROOT else ""}
worker_processes 1;
pid {directory / "nginx.pid"};
error_log {directory / "error.log"} warn;
events {{ worker_connections 1024; }}
http {{
    access_log {directory / "access.log"};
{temp}
    # For the test only: which app process answered.
    add_header X-GK-Upstream $upstream_addr always;
{upstream}
    server {{
        listen 127.0.0.1:{port};
        server_name _;
        include {DEPLOY / "gesprekskaarten-locations.conf"};
    }}
}}
"""


class Nginx:
    def __init__(self, directory: Path, apps: list[App]):
        self.dir = directory
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.dir.mkdir(parents=True, exist_ok=True)
        self.config = self.dir / "nginx.conf"
        self.config.write_text(nginx_config(self.dir, self.port, apps))
        self.process: subprocess.Popen | None = None

    def start(self):
        command = [NGINX, "-e", str(self.dir / "error.log"), "-p", str(self.dir), "-c",
                   str(self.config)]  # fmt: skip
        check = subprocess.run([*command, "-t"], capture_output=True, text=True)
        assert check.returncode == 0, check.stderr
        self.process = subprocess.Popen(
            [*command, "-g", "daemon off;"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )

        def up():
            assert self.process.poll() is None, (self.dir / "error.log").read_text()
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.port)):
                return True

        wait_for(up, 10, "nginx")

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)


# -- clients -------------------------------------------------------------------------------------


def upstream_of(response: httpx.Response) -> str:
    """The app process that answered (nginx lists every one it tried; the last one answered)."""
    return response.headers.get("x-gk-upstream", "").split(",")[-1].strip()


class Stream:
    """An EventSource through nginx: follows one stream URL and, like a browser, reconnects
    after `retry` ms with Last-Event-ID when the connection ends."""

    def __init__(self, url: str, name: str):
        self.url = url
        self.name = name
        self.parser = SSEParser()
        self.connections: list[dict] = []  # upstream, status, the Last-Event-ID sent, error
        self.arrived: list[float] = []  # monotonic arrival time of each event
        self.closed = False
        self._socket = None
        self._condition = threading.Condition()
        self._thread = threading.Thread(target=self._run, daemon=True, name=f"sse-{name}")
        self._thread.start()
        self.wait(lambda: self.connections and self.connections[-1]["status"] == 200, 10)

    def _run(self):
        with httpx.Client(timeout=httpx.Timeout(3 * HEARTBEAT, connect=5)) as client:
            while not self.closed:
                last_id = self.parser.last_id
                headers = {} if last_id is None else {"Last-Event-ID": str(last_id)}
                record = {"sent": last_id, "upstream": None, "status": None, "error": None}
                try:
                    with client.stream("GET", self.url, headers=headers) as response:
                        network = response.extensions.get("network_stream")
                        self._socket = network.get_extra_info("socket") if network else None
                        record.update(upstream=upstream_of(response), status=response.status_code)
                        with self._condition:
                            self.connections.append(record)
                            self.parser.buffer = ""  # a new connection: a new stream
                            self._condition.notify_all()
                        decoder = codecs.getincrementaldecoder("utf-8")()
                        for chunk in response.iter_raw():
                            with self._condition:
                                if response.status_code == 200:
                                    self.parser.feed(decoder.decode(chunk))
                                    now = time.monotonic()
                                    new = len(self.parser.events) - len(self.arrived)
                                    self.arrived.extend([now] * new)
                                self._condition.notify_all()
                except httpx.HTTPError as error:
                    record["error"] = repr(error)
                    with self._condition:
                        if record not in self.connections:
                            self.connections.append(record)
                        self._condition.notify_all()
                if not self.closed:
                    time.sleep((self.parser.retry or 3000) / 1000)

    def wait(self, predicate, timeout: float) -> bool:
        with self._condition:
            if not self._condition.wait_for(predicate, timeout):
                raise AssertionError(
                    f"stream {self.name}: timed out; events {self.ids()}, "
                    f"connections {self.connections}"
                )
            return True

    def wait_for_id(self, seq: int, timeout: float):
        self.wait(lambda: (self.parser.last_id or 0) >= seq, timeout)

    def ids(self) -> list[int]:
        return [event.id for event in self.parser.events]

    @property
    def upstream(self) -> str:
        return self.connections[-1]["upstream"]

    def close(self):
        self.closed = True
        if self._socket is not None:
            with contextlib.suppress(OSError):
                self._socket.shutdown(socket.SHUT_RDWR)
        self._thread.join(5)


CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
STREAM = re.compile(r'<meta name="gk-stream" content="([^"]+)"')


class Person:
    """Someone with a browser of their own (cookies) talking to nginx."""

    def __init__(self, base_url: str):
        self.base_url = base_url
        self.http = httpx.Client(base_url=base_url, follow_redirects=True, timeout=15)
        self.csrf = ""

    def get(self, path: str) -> str:
        response = self.http.get(path)
        assert response.status_code == 200, (path, response.status_code, response.text[:500])
        self._remember_csrf(response.text)
        return response.text

    def post(self, path: str, data: dict) -> httpx.Response:
        return self.http.post(path, data={"csrfmiddlewaretoken": self.csrf, **data})

    def _remember_csrf(self, text: str):
        found = CSRF.search(text)
        if found:
            self.csrf = found.group(1)

    def stream_path(self, text: str) -> str:
        return html.unescape(STREAM.search(text).group(1))

    def open_stream(self, text: str, name: str) -> Stream:
        return Stream(self.base_url + self.stream_path(text), name)

    def close(self):
        self.http.close()


# -- the whole installation ----------------------------------------------------------------------


@dataclass
class Cluster:
    postgres: Postgres
    redis: RedisServer
    apps: list[App]
    nginx: Nginx
    username: str
    password: str
    setup: dict  # seconds per step of the set-up

    @property
    def url(self) -> str:
        return self.nginx.url

    def app_at(self, address: str) -> App:
        return next(app for app in self.apps if app.address == address)


def missing_packages() -> list[str]:
    missing = []
    if postgres_bindir() is None:
        missing.append("postgresql")
    if not os.access(REDIS_SERVER, os.X_OK):
        missing.append("redis-server")
    if not os.access(NGINX, os.X_OK):
        missing.append("nginx")
    return missing


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    missing = missing_packages()
    if missing:
        pytest.skip(
            "The multi-process test needs PostgreSQL, Redis and nginx; missing Debian "
            f"package(s): {', '.join(missing)}. Run 'make test' as root to install them."
        )
    base = tmp_path_factory.mktemp("scaleout")
    setup = {}
    clock = time.monotonic()

    def lap(name):
        nonlocal clock
        setup[name] = round(time.monotonic() - clock, 1)
        clock = time.monotonic()

    stack = contextlib.ExitStack()
    with stack:
        postgres = Postgres(postgres_bindir())
        stack.callback(postgres.stop)
        postgres.start()
        redis = RedisServer(base)
        stack.callback(redis.stop)
        redis.start()
        lap("postgres+redis")
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("GK_", "DATABASE_URL"))},
            "DJANGO_SETTINGS_MODULE": "gesprekskaarten.settings.production",
            "SECRET_KEY": "scaleout-test-" + "x" * 40,
            "ALLOWED_HOSTS": "127.0.0.1",
            "GK_SECURE_COOKIES": "false",
            "GK_VAR_DIR": str(base / "var"),
            "DATABASE_URL": postgres.url,
            "GK_BROKER_URL": redis.url,
            "GK_CACHE_URL": f"redis://127.0.0.1:{redis.port}/1",
            "GK_LIVE_HEARTBEAT": str(HEARTBEAT),
            "GK_LIVE_RETRY_MS": str(RETRY_MS),
            "LOG_LEVEL": "INFO",
            "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
        }
        demo = subprocess.run(
            [sys.executable, "-m", "gesprekskaarten", "demo"],
            env=env, cwd=ROOT, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert demo.returncode == 0, demo.stdout + demo.stderr
        found = {
            key: re.search(pattern, demo.stdout).group(1)
            for key, pattern in {
                "username": r"user name: (\S+)",
                "password": r"password: +(\S+)",
            }.items()
        }
        lap("demo")
        apps = [App(name, env, base) for name in ("a", "b")]
        for app in apps:
            stack.callback(app.stop)
            app.start()  # both at once: they take turns collecting the static files
        for app in apps:
            app.wait_ready()
        lap("apps")
        nginx = Nginx(base / "nginx", apps)
        stack.callback(nginx.stop)
        nginx.start()
        lap("nginx")
        yield Cluster(postgres, redis, apps, nginx, setup=setup, **found)

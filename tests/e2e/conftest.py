"""Browser tests: a real server process (uvicorn, as `make run` starts it) and Debian's Chromium."""

import atexit
import functools
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"width": 375, "height": 812}
LAPTOP = {"width": 1280, "height": 800}


def pytest_collection_modifyitems(items):
    for item in items:
        if "/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


COMMAND = [sys.executable, "-m", "gesprekskaarten"]


@dataclass
class Server:
    """A running `gesprekskaarten serve`, with what `demo` printed for a new user."""

    url: str
    var: Path
    port: int
    username: str
    password: str
    join_code: str
    env: dict = field(default_factory=dict)
    process: subprocess.Popen | None = None

    def start(self):
        log = open(self.var / "server.log", "ab")  # noqa: SIM115 - lives as long as the process
        self.process = subprocess.Popen(
            [*COMMAND, "serve", "--port", str(self.port), "--log-level", "warning"],
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 20
        while True:
            try:
                urllib.request.urlopen(self.url + "/", timeout=1)  # noqa: S310 - our own server
                return
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    self.process.kill()
                    raise RuntimeError((self.var / "server.log").read_text()) from None
                time.sleep(0.1)

    def stop(self, kill=False):
        self.process.kill() if kill else self.process.terminate()
        self.process.wait(timeout=10)


def server_env(var: Path, extra_env: dict) -> dict:
    env = {
        **os.environ,
        "GK_VAR_DIR": str(var),
        "DJANGO_SETTINGS_MODULE": "gesprekskaarten.settings.dev",
        **extra_env,
    }
    env.pop("DATABASE_URL", None)
    return env


@functools.cache
def demo_database(extra_env: tuple) -> tuple[Path, dict]:
    """`gesprekskaarten demo` on a fresh SQLite database, once per settings: its migrations take
    seconds, so every server starts from a copy. Returns the filled var directory and what
    `demo` printed for the new user."""
    var = Path(tempfile.mkdtemp(prefix="gk-e2e-demo-"))
    atexit.register(shutil.rmtree, var, True)
    demo = subprocess.run(
        [*COMMAND, "demo"],
        env=server_env(var, dict(extra_env)),
        check=True,
        capture_output=True,
        text=True,
    )
    patterns = {
        "username": r"user name: (\S+)",
        "password": r"password: +(\S+)",
        "join_code": r"/doe-mee/([A-Z0-9]+)/",
    }
    return var, {key: re.search(pattern, demo.stdout).group(1) for key, pattern in patterns.items()}


def start_server(var: Path, **extra_env) -> Server:
    """`serve` on a fresh demo database of its own (what `gesprekskaarten demo` makes), like
    `make run`."""
    template, found = demo_database(tuple(sorted(extra_env.items())))
    shutil.copytree(template, var, dirs_exist_ok=True)
    port = free_port()
    env = server_env(var, extra_env)
    server = Server(url=f"http://127.0.0.1:{port}", var=var, port=port, env=env, **found)
    server.start()
    return server


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    server = start_server(tmp_path_factory.mktemp("var"))
    yield server
    server.stop()


@pytest.fixture(scope="module")
def browser():
    """One Chromium per test module. Playwright's sync API runs an event loop in this thread
    while it is open, and Django refuses database work from a thread with a running loop: with
    `pytest -n 2` a worker runs database tests after a browser module, so the loop must end
    with the module (a launch takes well under a second)."""
    if not shutil.which(CHROMIUM):
        pytest.skip("Chromium is not installed (Debian package chromium); run 'make test' as root.")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def new_page(
    browser, server, *, viewport=PHONE, javascript=True, color_scheme="light", locale="nl-NL"
):
    context = browser.new_context(
        base_url=server.url,
        viewport=viewport,
        java_script_enabled=javascript,
        color_scheme=color_scheme,
        locale=locale,
    )
    return context.new_page()


@pytest.fixture
def page(browser, server):
    page = new_page(browser, server)
    yield page
    page.context.close()


@pytest.fixture
def page_factory(browser, server):
    pages = []

    def factory(**options):
        page = new_page(browser, server, **options)
        pages.append(page)
        return page

    yield factory
    for page in pages:
        page.context.close()

"""Browser tests: a real server process (uvicorn, as `make run` starts it) and Debian's Chromium."""

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request

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


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    """`gesprekskaarten demo` then `serve` on a fresh SQLite database, like `make run`."""
    var = tmp_path_factory.mktemp("var")
    port = free_port()
    env = {
        **os.environ,
        "GK_VAR_DIR": str(var),
        "DJANGO_SETTINGS_MODULE": "gesprekskaarten.settings.dev",
    }
    env.pop("DATABASE_URL", None)
    command = [sys.executable, "-m", "gesprekskaarten"]
    subprocess.run([*command, "demo"], env=env, check=True, capture_output=True)
    log = open(var / "server.log", "wb")  # noqa: SIM115 - closed in teardown
    process = subprocess.Popen(
        [*command, "serve", "--port", str(port), "--log-level", "warning"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base_url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while True:
        try:
            urllib.request.urlopen(base_url + "/", timeout=1)  # noqa: S310 - our own server
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise RuntimeError((var / "server.log").read_text()) from None
            time.sleep(0.1)
    yield base_url
    process.terminate()
    process.wait(timeout=10)
    log.close()


@pytest.fixture(scope="session")
def browser():
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
        base_url=server,
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

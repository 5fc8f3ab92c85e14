"""Page weight: each page a participant sees, loaded by Chromium with an empty cache, transfers
less than 30 KB in total (HTML, CSS, JavaScript, icons: every response, headers included, as
compressed as the server sends it). The gesprek is the heaviest one a facilitator can start:
all seven cards with the behaviours for everyone and for leaders, every behaviour answered.

Measured as production serves it: `gesprekskaarten serve` with the production settings
(static files collected and pre-compressed by WhiteNoise's CompressedManifestStaticFilesStorage)
behind nginx with the deployed location rules (deploy/nginx/gesprekskaarten-locations.conf,
which gzips HTML), and straight from the app process, as `make run` serves them (the app
compresses HTML itself with Django's GZipMiddleware). Both must stay under the limit.

The live stream (text/event-stream) stays open and never finishes loading: it is not counted.
Sizes come from the Chrome DevTools Protocol (`Network.loadingFinished.encodedDataLength`).
"""

import html
import os
import re
import secrets
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import PHONE, free_port

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy" / "nginx"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
LIMIT = 30 * 1024
COMMAND = [sys.executable, "-m", "gesprekskaarten"]


def wait_until_up(url: str, process: subprocess.Popen, log: Path, timeout: float = 90):
    deadline = time.monotonic() + timeout
    while True:
        try:
            urllib.request.urlopen(url, timeout=2)  # noqa: S310 - our own server
            return
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise RuntimeError(log.read_text(errors="replace")) from None
            time.sleep(0.2)


def stop(process: subprocess.Popen):
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


@pytest.fixture(scope="module")
def production(tmp_path_factory):
    """`demo`, then `serve` with the production settings, then nginx in front of it."""
    if not os.access(NGINX, os.X_OK):
        pytest.skip("nginx is not installed (Debian package nginx); run 'make test' as root.")
    var = tmp_path_factory.mktemp("weight")
    port = free_port()
    env = {
        **os.environ,
        "GK_VAR_DIR": str(var),
        "DJANGO_SETTINGS_MODULE": "gesprekskaarten.settings.production",
        "SECRET_KEY": secrets.token_urlsafe(40),
        "GK_SECURE_COOKIES": "false",  # plain HTTP on loopback; the bytes sent are the same
        "LOG_LEVEL": "WARNING",
    }
    env.pop("DATABASE_URL", None)
    demo = subprocess.run(
        [*COMMAND, "demo"], env=env, cwd=ROOT, check=True, capture_output=True, text=True
    )
    credentials = {
        "username": re.search(r"user name: (\S+)", demo.stdout).group(1),
        "password": re.search(r"password: +(\S+)", demo.stdout).group(1),
    }
    log = var / "server.log"
    app = subprocess.Popen(
        [*COMMAND, "serve", "--port", str(port), "--log-level", "warning"],
        env=env, cwd=ROOT, stdout=log.open("ab"), stderr=subprocess.STDOUT,
    )  # fmt: skip
    nginx = None
    try:
        app_url = f"http://127.0.0.1:{port}"
        wait_until_up(app_url + "/", app, log)
        nginx_dir = var / "nginx"
        nginx_dir.mkdir()
        nginx_port = free_port()
        (nginx_dir / "nginx.conf").write_text(nginx_config(nginx_dir, nginx_port, port))
        nginx = subprocess.Popen(
            [NGINX, "-e", str(nginx_dir / "error.log"), "-p", str(nginx_dir), "-c",
             str(nginx_dir / "nginx.conf"), "-g", "daemon off;"],
            stdout=subprocess.DEVNULL, stderr=(nginx_dir / "stderr.log").open("wb"),
        )  # fmt: skip
        nginx_url = f"http://127.0.0.1:{nginx_port}"
        wait_until_up(nginx_url + "/", nginx, nginx_dir / "stderr.log", timeout=20)
        yield {"app": app_url, "nginx": nginx_url, **credentials}
    finally:
        if nginx is not None:
            stop(nginx)
        stop(app)


def nginx_config(directory: Path, port: int, app_port: int) -> str:
    temp = "\n".join(
        f"    {kind}_temp_path {directory / kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    return f"""{"user root;" if os.geteuid() == 0 else ""}
worker_processes 1;
pid {directory / "nginx.pid"};
error_log {directory / "error.log"} warn;
events {{ worker_connections 256; }}
http {{
    access_log off;
{temp}
    upstream gesprekskaarten {{
        server 127.0.0.1:{app_port};
        keepalive 8;
        keepalive_timeout 4s;
    }}
    server {{
        listen 127.0.0.1:{port};
        include {DEPLOY / "gesprekskaarten-locations.conf"};
    }}
}}
"""


class Facilitator:
    """The facilitator's side, over plain HTTP: start the heaviest gesprek there is (all seven
    cards, behaviours for everyone and for leaders) and move it through its steps."""

    def __init__(self, base_url: str, username: str, password: str):
        self.http = httpx.Client(base_url=base_url, timeout=30)
        page = self.http.get("/inloggen/")
        form = {"csrfmiddlewaretoken": _csrf(page.text), "username": username}
        response = self.http.post("/inloggen/", data={**form, "password": password})
        assert response.status_code == 302, response.text
        page = self.http.get("/begeleiden/nieuw/")
        response = self.http.post(
            "/begeleiden/nieuw/",
            data={
                "csrfmiddlewaretoken": _csrf(page.text),
                "team": re.search(r'<option value="([^"]+)"', page.text).group(1),
                "title": "Teamoverleg",
                "principles": re.findall(r'name="principles" value="([^"]+)"', page.text),
                "audience": "both",
                "threshold": "2",
            },
        )
        assert response.status_code == 302, response.text
        self.control = response.headers["location"]
        self.code = re.search(r"/doe-mee/([A-Z0-9]{10})/", self.http.get(self.control).text)[1]

    def step(self, step: str):
        page = self.http.get(self.control)
        response = self.http.post(
            self.control + "stap/", data={"csrfmiddlewaretoken": _csrf(page.text), "step": step}
        )
        assert response.status_code == 302, response.text


def answer_every_card(base_url: str, code: str, cards: list[str], cookies: dict, pick: int):
    """One participant answers every behaviour of every card with the card forms."""
    with httpx.Client(base_url=base_url, cookies=cookies, timeout=30) as http:
        if not cookies:
            page = http.get(f"/doe-mee/{code}/")
            joined = http.post(f"/doe-mee/{code}/", data={"csrfmiddlewaretoken": _csrf(page.text)})
            assert joined.status_code == 302, joined.text
        for card in cards:
            page = http.get(card)
            form = {"csrfmiddlewaretoken": _csrf(page.text)}
            for behaviour in re.findall(r'data-behaviour="(\d+)"', page.text):
                form[f"choice-{behaviour}"] = ["recognised", "missing", "unsure"][pick]
                form[f"discuss-{behaviour}"] = "on"
            assert http.post(card, data=form).status_code == 302


def _csrf(text: str) -> str:
    return html.unescape(re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', text).group(1))


class Scale:
    """Weighs page loads: every response of the page, with the browser cache switched off."""

    def __init__(self, page):
        self.page = page
        self.cdp = page.context.new_cdp_session(page)
        self.cdp.send("Network.enable")
        self.cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
        self.responses, self.sizes, self.requests = {}, {}, set()
        self.collecting = False
        self.cdp.on("Network.requestWillBeSent", self._request)
        self.cdp.on("Network.responseReceived", self._response)
        self.cdp.on("Network.loadingFinished", self._finished)

    def _request(self, event):
        if self.collecting:  # only what this page load asks for, nothing left from before
            self.requests.add(event["requestId"])

    def _response(self, event):
        self.responses[event["requestId"]] = event["response"]

    def _finished(self, event):
        if event["requestId"] in self.requests:
            self.sizes[event["requestId"]] = event["encodedDataLength"]

    def weigh(self, url: str) -> dict:
        self.page.wait_for_timeout(300)  # let the previous page finish what it was doing
        self.responses.clear()
        self.sizes.clear()
        self.requests.clear()
        self.collecting = True
        self.page.goto(url, wait_until="load")
        self.page.wait_for_timeout(500)  # the last loadingFinished events
        self.collecting = False
        rows = []
        for request_id, size in self.sizes.items():
            response = self.responses.get(request_id, {})
            headers = {k.lower(): v for k, v in response.get("headers", {}).items()}
            rows.append(
                {
                    "url": response.get("url", "?").split("?")[0],
                    "type": response.get("mimeType", "?"),
                    "encoding": headers.get("content-encoding", "-"),
                    "bytes": int(size),
                }
            )
        return {"total": sum(row["bytes"] for row in rows), "rows": rows}


def participant_pages(browser, base_url: str, production: dict) -> dict:
    """Weigh the join page, lobby, marking overview, every card and the results."""
    facilitator = Facilitator(base_url, production["username"], production["password"])
    code = facilitator.code
    context = browser.new_context(base_url=base_url, viewport=PHONE, locale="nl-NL")
    try:
        page = context.new_page()
        scale = Scale(page)
        weights = {"join": scale.weigh(f"/doe-mee/{code}/")}
        page.get_by_role("button", name="Meedoen").click()
        expect(page.get_by_role("heading", name="Je doet mee")).to_be_visible()
        weights["lobby"] = scale.weigh(f"/g/{code}/")
        facilitator.step("marking")
        weights["marking"] = scale.weigh(f"/g/{code}/")
        cards = [link.get_attribute("href") for link in page.locator("a[href*='/kaart/']").all()]
        assert len(cards) == 7, cards
        for number, card in enumerate(cards, 1):
            weights[f"card {number}"] = scale.weigh(card)
        own = {cookie["name"]: cookie["value"] for cookie in context.cookies()}
        for pick, cookies in enumerate([own, {}, {}]):  # three people answer everything
            answer_every_card(base_url, code, cards, cookies, pick)
        facilitator.step("results")
        weights["results"] = scale.weigh(f"/g/{code}/")
        assert page.locator(".gk-result").count() > 90  # every behaviour, with its numbers
    finally:
        context.close()
    return weights


def print_weights(title: str, weights: dict) -> None:
    print(f"\n{title}")
    for name, weight in weights.items():
        print(f"  {name:8} {weight['total'] / 1024:6.1f} KB")
        for row in weight["rows"]:
            print(f"           {row['bytes'] / 1024:6.1f} KB  {row['encoding']:5} {row['url']}")


def test_participant_pages_weigh_under_30_kb(browser, production):
    deployed = participant_pages(browser, production["nginx"], production)
    alone = participant_pages(browser, production["app"], production)
    print_weights("Behind nginx (as deployed):", deployed)
    print_weights("Straight from the app process:", alone)
    for where, weights in [("behind nginx", deployed), ("from the app", alone)]:
        for name, weight in weights.items():
            kinds = {row["type"] for row in weight["rows"]}
            assert {"text/html", "text/css"} <= kinds, (name, weight)  # really the whole page
            assert weight["total"] < LIMIT, (
                f"{where}, the {name} page transfers {weight['total'] / 1024:.1f} KB "
                f"(limit 30 KB): {weight}"
            )

"""The plain-HTTP trial of docs/operations.md (step 6), for real: nginx with the shipped
deploy/nginx/gesprekskaarten-trial.conf in front of one app process with the production
settings plus the trial lines (GK_SECURE_COOKIES=false, GK_HSTS_SECONDS=0). A facilitator
logs in over HTTP (the CSRF cookie comes back), nothing redirects to HTTPS or sends HSTS.

And the logs, as the systemd unit runs the process: `serve --log-level` sets uvicorn's own
messages only, so the app's access lines are there even at `--log-level warning`, and
nginx's log names the app process that answered (`upstream=`).
"""

import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.live.conftest import free_port

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy" / "nginx"
NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
HOST = "gesprek.example.nl"

pytestmark = [pytest.mark.skipif(NGINX is None, reason="nginx is not installed"), pytest.mark.e2e]


def wait_for(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.1)


def trial_nginx_config(directory: Path, port: int, app_port: int) -> str:
    """The shipped trial site, listening on 127.0.0.1:`port`, its upstream the one app."""
    site = (DEPLOY / "gesprekskaarten-trial.conf").read_text()
    site = site.replace("listen 80;", f"listen 127.0.0.1:{port};")
    site = site.replace("listen [::]:80;", "")
    servers = re.findall(r"^\s*server 127\.0\.0\.1:\d+ .*\n", site, re.M)
    ours = re.sub(r"127\.0\.0\.1:\d+", f"127.0.0.1:{app_port}", servers[0])
    site = site.replace(servers[0], ours)
    for line in servers[1:]:
        site = site.replace(line, "")
    site = site.replace(
        "/etc/nginx/snippets/gesprekskaarten-locations.conf",
        str(DEPLOY / "gesprekskaarten-locations.conf"),
    ).replace("/var/log/nginx/", f"{directory}/")
    temp = "\n".join(
        f"{kind}_temp_path {directory / kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    return (
        ("user root;\n" if os.geteuid() == 0 else "")
        + f"worker_processes 1;\npid {directory / 'nginx.pid'};\n"
        + f"error_log {directory / 'error.log'} warn;\nevents {{ worker_connections 256; }}\n"
        + f"http {{\n{temp}\n{site}\n}}\n"
    )


@pytest.fixture(scope="module")
def trial(tmp_path_factory):
    base = tmp_path_factory.mktemp("trial")
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("GK_", "DATABASE_URL"))},
        "DJANGO_SETTINGS_MODULE": "gesprekskaarten.settings.production",
        "SECRET_KEY": "trial-" + "x" * 50,
        "ALLOWED_HOSTS": HOST,
        "CSRF_TRUSTED_ORIGINS": f"https://{HOST}",  # as the settings file has it for later
        "GK_VAR_DIR": str(base / "var"),
        "LOG_LEVEL": "INFO",
        "GK_LOG_FORMAT": "json",
        # The trial lines of the settings file:
        "GK_SECURE_COOKIES": "false",
        "GK_HSTS_SECONDS": "0",
    }
    demo = subprocess.run(
        [sys.executable, "-m", "gesprekskaarten", "demo", "--base-url", f"http://{HOST}"],
        env=env, cwd=ROOT, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert demo.returncode == 0, demo.stdout + demo.stderr
    password = re.search(r"password:\s+(\S+)", demo.stdout).group(1)

    app_port, port = free_port(), free_port()
    app_log = base / "app.log"
    with app_log.open("wb") as log:
        app = subprocess.Popen(
            [sys.executable, "-m", "gesprekskaarten", "serve", "--port", str(app_port),
             "--log-level", "warning"],  # as before the fix in the unit: access lines stay
            env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
    config = base / "nginx.conf"
    config.write_text(trial_nginx_config(base, port, app_port))
    command = [NGINX, "-e", str(base / "error.log"), "-p", str(base), "-c", str(config)]
    nginx = None
    try:
        check = subprocess.run([*command, "-t"], capture_output=True, text=True)
        assert check.returncode == 0, check.stderr
        nginx = subprocess.Popen(
            [*command, "-g", "daemon off;"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )

        def up():
            assert app.poll() is None, app_log.read_text()
            try:
                return httpx.get(f"http://127.0.0.1:{app_port}/health/live", timeout=2).is_success
            except httpx.HTTPError:
                return False

        wait_for(up, 90, "the app process")
        yield {
            "url": f"http://127.0.0.1:{port}",
            "host": f"{HOST}:{port}",
            "password": password,
            "app_port": app_port,
            "app_log": app_log,
            "nginx_log": base / "gesprekskaarten.access.log",
        }
    finally:
        for process in (nginx, app):
            if process is not None and process.poll() is None:
                process.terminate()
                process.wait(20)


def test_a_facilitator_logs_in_over_plain_http(trial):
    origin = f"http://{trial['host']}"
    with httpx.Client(base_url=trial["url"], headers={"Host": trial["host"]}) as client:
        page = client.get("/inloggen/")
        assert page.status_code == 200  # no redirect to HTTPS
        assert "strict-transport-security" not in page.headers
        csrf_cookie = next(c for c in page.headers.get_list("set-cookie") if "csrftoken=" in c)
        assert "secure" not in csrf_cookie.lower()
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)

        login = client.post(
            "/inloggen/",
            data={"csrfmiddlewaretoken": token, "username": "begeleider",
                  "password": trial["password"]},
            headers={"Origin": origin, "Referer": f"{origin}/inloggen/"},
        )  # fmt: skip
        assert login.status_code == 302, login.text[:2000]
        assert login.headers["location"] == "/begeleiden/"
        dashboard = client.get("/begeleiden/")
        assert dashboard.status_code == 200
        assert 'action="/uitloggen/"' in dashboard.text


def test_access_lines_and_the_upstream_in_the_logs(trial):
    with httpx.Client(base_url=trial["url"], headers={"Host": trial["host"]}) as client:
        marker = client.get("/inloggen/")
    request_id = marker.headers["x-request-id"]

    def app_line():
        for line in trial["app_log"].read_text().splitlines():
            if line.startswith("{") and request_id in line:
                entry = json.loads(line)
                if entry.get("logger") == "gesprekskaarten.access":
                    return entry
        return None

    wait_for(app_line, 10, "the app's access line (serve --log-level warning)")
    entry = app_line()
    assert entry["level"] == "INFO" and "/inloggen/" in json.dumps(entry)

    def nginx_line():
        log = trial["nginx_log"]
        text = log.read_text() if log.exists() else ""
        return next((line for line in text.splitlines() if f"rid={request_id}" in line), None)

    wait_for(nginx_line, 10, "nginx's access line")
    assert f"upstream=127.0.0.1:{trial['app_port']}" in nginx_line()

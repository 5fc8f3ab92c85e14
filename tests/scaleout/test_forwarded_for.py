"""Per-address limits hold behind the shipped nginx config, whatever X-Forwarded-For a client
writes (issue 13, item 2).

One `gesprekskaarten serve` with the production settings (SQLite, no Redis) behind nginx with
deploy/nginx/gesprekskaarten-locations.conf. The app process believes forwarded headers from
anyone (`FORWARDED_ALLOW_IPS=*`, what docs/operations.md once advised for containers): so what
keeps a forged header out is nginx, which replaces the client's X-Forwarded-For with the
address it saw. With the old config (`$proxy_add_x_forwarded_for`) uvicorn took the client's
own left-most value, and every forged address got a fresh allowance.
"""

import contextlib
import html
import os
import re
import subprocess
import sys
import time

import httpx
import pytest

from tests.scaleout.conftest import NGINX, ROOT, App, Nginx

pytestmark = pytest.mark.usefixtures("whole_window")  # tests/conftest.py

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@pytest.fixture(scope="module")
def behind_nginx(tmp_path_factory):
    if not os.access(NGINX, os.X_OK):
        pytest.skip("nginx is not installed (Debian package nginx); run 'make test' as root.")
    base = tmp_path_factory.mktemp("forwarded")
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("GK_", "DATABASE_URL"))},
        "DJANGO_SETTINGS_MODULE": "gesprekskaarten.settings.production",
        "SECRET_KEY": "forwarded-test-" + "x" * 40,
        "ALLOWED_HOSTS": "127.0.0.1",
        "GK_SECURE_COOKIES": "false",
        "GK_VAR_DIR": str(base / "var"),
        "FORWARDED_ALLOW_IPS": "*",
        "LOG_LEVEL": "WARNING",
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    }
    demo = subprocess.run(
        [sys.executable, "-m", "gesprekskaarten", "demo"],
        env=env, cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert demo.returncode == 0, demo.stdout + demo.stderr
    username = re.search(r"user name: (\S+)", demo.stdout).group(1)
    app = App("forwarded", env, base)
    nginx = Nginx(base / "nginx", [app])
    with contextlib.ExitStack() as stack:
        stack.callback(app.stop)
        app.start()
        app.wait_ready()
        stack.callback(nginx.stop)
        nginx.start()
        yield {"url": nginx.url, "username": username}


def posts_with_forged_addresses(base_url: str, path: str, data, count: int) -> list[int]:
    """`count` POSTs to `path` (form `data(number)`), each claiming another address, all in
    one window of the per-minute limits (they are fixed windows on the clock's minutes)."""
    left = 60 - time.time() % 60
    if left < 20:  # a slow machine could spread the posts over two windows
        time.sleep(left + 0.1)
    with httpx.Client(base_url=base_url, timeout=15) as client:
        token = html.unescape(CSRF.search(client.get(path).text).group(1))
        statuses = []
        for number in range(count):
            forged = f"198.51.100.{number + 1}, 203.0.113.{number + 1}"
            response = client.post(
                path,
                data={"csrfmiddlewaretoken": token, **data(number)},
                headers={"X-Forwarded-For": forged, "X-Real-IP": f"192.0.2.{number + 1}"},
            )
            statuses.append(response.status_code)
        return statuses


def test_forged_addresses_do_not_dodge_the_wrong_code_limit(behind_nginx):
    statuses = posts_with_forged_addresses(
        behind_nginx["url"], "/doe-mee/", lambda number: {"code": "ACDEF-GHJKM"}, 13
    )
    assert statuses == [200] * 10 + [429] * 3


def test_forged_addresses_do_not_dodge_the_login_limit(behind_nginx):
    # Another user name each time, so that only the per-address limit can refuse.
    statuses = posts_with_forged_addresses(
        behind_nginx["url"],
        "/inloggen/",
        lambda number: {"username": f"{behind_nginx['username']}-{number}", "password": "x"},
        12,
    )
    assert statuses == [200] * 10 + [429] * 2

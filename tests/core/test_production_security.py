"""Production defaults that protect users without anyone having to switch them on: HSTS in
the app's production settings and in the shipped nginx site (issue 13, item 8)."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

DEPLOY = Path(__file__).resolve().parents[2] / "deploy" / "nginx"

PRINT_SECURITY = (
    "import django; django.setup(); from django.conf import settings; import json; "
    "print(json.dumps({name: getattr(settings, name) for name in "
    "['SECURE_HSTS_SECONDS', 'SESSION_COOKIE_SECURE', 'CSRF_COOKIE_SECURE', "
    "'SECURE_PROXY_SSL_HEADER']}))"
)


def production_settings(**env) -> dict:
    environment = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("GK_", "DATABASE_URL"))},
        "DJANGO_SETTINGS_MODULE": "gesprekskaarten.settings.production",
        "SECRET_KEY": "settings-check-" + "x" * 40,
        **env,
    }
    result = subprocess.run(
        [sys.executable, "-c", PRINT_SECURITY],
        env=environment, capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    return json.loads(result.stdout)


def test_production_sends_hsts_by_default():
    found = production_settings()
    assert found["SECURE_HSTS_SECONDS"] == 31536000
    assert found["SESSION_COOKIE_SECURE"] and found["CSRF_COOKIE_SECURE"]
    assert found["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]


def test_hsts_can_be_switched_off_for_a_test_installation():
    assert production_settings(GK_HSTS_SECONDS="0")["SECURE_HSTS_SECONDS"] == 0


def test_the_app_sends_hsts_over_https(client, settings):
    settings.SECURE_HSTS_SECONDS = 31536000
    response = client.get("/privacy/", secure=True)
    assert response["Strict-Transport-Security"] == "max-age=31536000"


def test_the_nginx_site_sends_hsts_on_https():
    site = (DEPLOY / "gesprekskaarten.conf").read_text()
    https = site[site.index("listen 443") :]
    header = re.search(r'^\s*add_header Strict-Transport-Security "([^"]+)" always;', https, re.M)
    assert header is not None, https
    assert int(re.search(r"max-age=(\d+)", header.group(1)).group(1)) >= 31536000
    assert re.search(r"^\s*proxy_hide_header Strict-Transport-Security;", https, re.M)
    # A location with an add_header of its own would drop the server's: there is none.
    assert "add_header" not in (DEPLOY / "gesprekskaarten-locations.conf").read_text()

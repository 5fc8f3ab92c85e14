"""The single sign-on pages pass the Nu HTML Checker (as the presenter screens do)."""

import json
import subprocess
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from gesprekskaarten.organisations.models import Role
from gesprekskaarten.organisations.services import add_member
from tests.meetings.test_html_validity import checker
from tests.sso.conftest import sso_organisation

pytestmark = pytest.mark.django_db


def test_the_single_sign_on_pages_pass_the_nu_html_checker(provider, tmp_path):
    command = checker()
    organisation = sso_organisation(provider)
    sso_organisation(None, slug="stil")  # nobody answers at its issuer
    admin = get_user_model().objects.create_user("admin", email="admin@example.org")
    add_member(organisation, admin, Role.ADMIN)
    anonymous, signed_in = Client(), Client()
    signed_in.force_login(admin)
    pages = {
        "choose": anonymous.get(reverse("sso_choose")),
        "choose-error": anonymous.post(reverse("sso_choose"), {"query": "x@gmail.com"}),
        "found": anonymous.post(reverse("sso_choose"), {"query": "anna@example.org"}),
        "problem": anonymous.get(reverse("sso_begin", args=["stil"])),
        "login": anonymous.get(reverse("login")),
        "settings": signed_in.get(reverse("organisation_sso", args=["voorbeeld"])),
        "settings-errors": signed_in.post(
            reverse("organisation_sso", args=["voorbeeld"]), {"issuer": "http://x", "test": "1"}
        ),
    }
    files = []
    for name, response in pages.items():
        path = tmp_path / f"{name}.html"
        path.write_bytes(response.content)
        files.append(str(path))
    result = subprocess.run(
        [*command, "--format", "json", "--stdout", *files],
        capture_output=True,
        text=True,
        timeout=120,
    )
    errors = [
        f"{Path(m.get('url', '')).name}:{m.get('lastLine')}: {m['message']}"
        for m in json.loads(result.stdout)["messages"]
        if m["type"] == "error"
    ]
    assert errors == []

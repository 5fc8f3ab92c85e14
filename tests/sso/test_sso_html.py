"""The single sign-on pages pass the Nu HTML Checker (as the presenter screens do)."""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from gesprekskaarten.organisations.models import Role
from gesprekskaarten.organisations.services import add_member
from tests.htmlcheck import checker, html_errors
from tests.sso.conftest import sso_organisation

pytestmark = pytest.mark.django_db


def test_the_single_sign_on_pages_pass_the_nu_html_checker(provider, tmp_path):
    checker()  # skips early when the checker cannot run
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
    assert html_errors(pages, tmp_path) == []

"""The confirmation pages (also with an error and with a live gesprek) and the page after a
deletion pass the Nu HTML Checker (see tests/meetings/test_html_validity.py)."""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from gesprekskaarten.organisations.models import Role
from gesprekskaarten.organisations.services import add_member
from tests.factories import make_facilitator, make_gesprek
from tests.htmlcheck import checker, html_errors
from tests.reports.builders import closed_gesprek

pytestmark = pytest.mark.django_db


def test_confirmation_and_deleted_pages_pass_the_nu_html_checker(tmp_path):
    checker()  # skips early when the checker cannot run
    facilitator, team = make_facilitator()
    add_member(team.organisation, facilitator, Role.ADMIN)
    facilitator.memberships.update(role=Role.ADMIN)  # the history shows the links to delete
    admin = get_user_model().objects.create_user("beheerder", password="a-Long-pass-1")
    add_member(team.organisation, admin, Role.ADMIN)
    gesprek = closed_gesprek(people=3, team=team, user=facilitator).gesprek
    live = make_gesprek(team=team, user=facilitator, step="marking")
    client, admin_client = Client(), Client()
    client.force_login(facilitator)
    admin_client.force_login(admin)
    url = f"/begeleiden/{gesprek.public_id}/verwijderen/"
    pages = {
        "gesprek": client.get(url),
        "gesprek-error": client.post(url, {}),
        "gesprek-live": client.get(f"/begeleiden/{live.public_id}/verwijderen/"),
        "team-live": admin_client.get(f"/teams/{team.slug}/verwijderen/"),
        "organisation": admin_client.get(f"/organisatie/{team.organisation.slug}/verwijderen/"),
        "history": client.get(f"/teams/{team.slug}/geschiedenis/"),
        "deleted": client.post(url, {"confirm": "on"}),
    }
    assert b"/archief.zip" in pages["history"].content
    for name, response in pages.items():
        assert response.status_code in (200, 409), name
    assert html_errors(pages, tmp_path) == []

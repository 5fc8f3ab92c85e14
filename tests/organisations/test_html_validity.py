"""The organisation, invitation and password reset pages pass the Nu HTML Checker (as
tests/meetings/test_html_validity.py; skipped without Java and vnu, except under CI=true)."""

import pytest
from django.test import Client
from django.urls import reverse

from gesprekskaarten.organisations import people
from gesprekskaarten.organisations.models import Membership, Role
from tests.htmlcheck import checker, html_errors
from tests.organisations.helpers import make_org, make_user, member

pytestmark = pytest.mark.django_db


def test_the_pages_pass_the_nu_html_checker(tmp_path, smtp_settings):
    checker()  # skips early when the checker cannot run
    organisation, admin, team = make_org(name="Organisatie <met> & tekens")
    person = member(organisation, teams=[team])
    archived = people.create_team(admin, organisation, "Oud & archief")
    people.archive_team(admin, archived)
    links = []
    invitation = people.invite(
        admin, organisation, "nieuw@example.org", Role.FACILITATOR, [team], links.append
    )
    people.invite(admin, organisation, "analist@example.org", Role.ANALYST, [], links.append)
    membership = Membership.objects.get(user=person)
    slug = organisation.slug
    pages = {}

    def keep(client, name, url, data=None, status=200):
        response = client.post(url, data) if data is not None else client.get(url)
        assert response.status_code == status, url
        pages[name] = response.content

    for language in ["nl", "en"]:
        client = Client(headers={"accept-language": language})
        client.force_login(admin)
        keep(client, f"{language}-index", reverse("organisations:index"))
        keep(client, f"{language}-overview", reverse("organisations:overview", args=[slug]))
        keep(client, f"{language}-invite", reverse("organisations:invite", args=[slug]))
        keep(
            client,
            f"{language}-invite-errors",
            reverse("organisations:invite", args=[slug]),
            {"email": "nieuw@example.org", "role": "analyst", "teams": [team.pk]},
        )
        keep(
            client,
            f"{language}-person",
            reverse("organisations:person", args=[slug, membership.pk]),
        )
        keep(
            client,
            f"{language}-remove",
            reverse("organisations:remove", args=[slug, membership.pk]),
        )
        keep(
            client,
            f"{language}-revoke",
            reverse("organisations:revoke", args=[slug, invitation.pk]),
        )
        keep(client, f"{language}-new-team", reverse("organisations:new_team", args=[slug]))
        keep(
            client,
            f"{language}-archive",
            reverse("organisations:archive_team", args=[slug, team.slug]),
        )
        keep(client, f"{language}-settings", reverse("organisations:settings", args=[slug]))
        client.logout()
        link = reverse("organisations:invitation", args=[links[0]])
        keep(client, f"{language}-new-account", link)
        keep(
            client, f"{language}-new-account-errors", link, {"password1": "kort", "password2": "x"}
        )
        keep(
            client,
            f"{language}-unknown",
            reverse("organisations:invitation", args=["nee"]),
            status=404,
        )
        keep(client, f"{language}-reset", reverse("password_reset"))
        keep(client, f"{language}-reset-done", reverse("password_reset_done"))
        keep(client, f"{language}-reset-complete", reverse("password_reset_complete"))
        keep(client, f"{language}-login", reverse("login"))
    other = make_user("ander", email="ander@example.org")
    client = Client()
    client.force_login(other)
    keep(client, "other-account", reverse("organisations:invitation", args=[links[0]]))
    client.logout()
    make_user("analist", email="analist@example.org")
    keep(client, "log-in-first", reverse("organisations:invitation", args=[links[1]]))
    assert html_errors(pages, tmp_path) == []

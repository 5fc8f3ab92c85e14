"""Builders for organisation tests: an organisation with an administrator and a team."""

import itertools

from django.contrib.auth import get_user_model

from gesprekskaarten.organisations.models import Membership, Role
from gesprekskaarten.organisations.services import create_organisation
from gesprekskaarten.teams.services import add_facilitator, create_team

PASSWORD = "a-Long-pass-123"
_serial = itertools.count(1)


def make_user(name=None, email=None):
    name = name or f"person{next(_serial)}"
    return get_user_model().objects.create_user(
        username=name,
        email=email if email is not None else f"{name}@example.org",
        password=PASSWORD,
    )


def make_org(name=None, admin=None):
    """An organisation with an administrator and one team; returns (organisation, admin, team)."""
    number = next(_serial)
    admin = admin or make_user(f"admin{number}")
    organisation = create_organisation(name or f"Organisatie {number}", admin=admin)
    team = create_team(f"Team {number}", organisation=organisation)
    return organisation, admin, team


def member(organisation, role=Role.FACILITATOR, teams=(), user=None):
    user = user or make_user()
    Membership.objects.create(organisation=organisation, user=user, role=role)
    for team in teams:
        add_facilitator(team, user)
    return user

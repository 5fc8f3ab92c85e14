import datetime

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from gesprekskaarten.insight.demo import create_demo_insight
from gesprekskaarten.organisations.models import Role
from gesprekskaarten.organisations.services import add_member
from tests.factories import make_organisation

# A fixed "now": the demo's quarters are 2026 Q1 (two teams), Q2 and Q3 (four teams).
NOW = datetime.datetime(2026, 11, 15, 12, tzinfo=datetime.UTC)


@pytest.fixture
def insight_world(db):
    """An organisation like the demo's: four teams with closed gesprekken in three past
    quarters, an administrator (who made them), an analyst."""
    users = get_user_model().objects
    organisation = make_organisation("Inzicht-organisatie")
    admin = users.create_user("beheerder", password="a-Long-pass-123")
    add_member(organisation, admin, Role.ADMIN)
    demo = create_demo_insight(organisation, admin, now=NOW)
    analyst = users.get(username=demo.username)
    teams = list(organisation.teams.order_by("slug"))
    return {"organisation": organisation, "admin": admin, "analyst": analyst, "teams": teams}


@pytest.fixture
def at_now(monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: NOW)
    return NOW

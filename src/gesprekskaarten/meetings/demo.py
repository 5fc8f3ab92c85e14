"""Demo data for `gesprekskaarten demo`: an organisation, a team, an account that administers
the one and facilitates the other, and a gesprek ready to join."""

import secrets
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from gesprekskaarten.decks.services import default_deck_version
from gesprekskaarten.organisations.models import Organisation, Role
from gesprekskaarten.organisations.services import add_member
from gesprekskaarten.teams.models import Team
from gesprekskaarten.teams.services import add_facilitator

from .models import Gesprek, Step
from .services import create_gesprek

DEMO_TEAM = "demoteam"
DEMO_USER = "begeleider"
DEMO_ORGANISATION = "demo"


@dataclass
class Demo:
    team: Team
    username: str
    password: str
    gesprek: Gesprek


@transaction.atomic
def create_demo() -> Demo:
    """Idempotent: reuses the team and an open demo gesprek; sets a fresh demo password."""
    organisation, _ = Organisation.objects.get_or_create(
        slug=DEMO_ORGANISATION, defaults={"name": "Demo-organisatie"}
    )
    team, _ = Team.objects.get_or_create(
        slug=DEMO_TEAM, defaults={"name": "Demoteam", "organisation": organisation}
    )
    user, _ = get_user_model().objects.get_or_create(
        username=DEMO_USER, defaults={"email": "begeleider@demo.example"}
    )
    password = secrets.token_urlsafe(9)
    user.set_password(password)
    user.save()
    add_member(team.organisation, user, Role.ADMIN)
    add_facilitator(team, user)
    open_gesprekken = team.gesprekken.exclude(step=Step.CLOSED).filter(
        join_code_expires_at__gt=timezone.now()
    )
    gesprek = open_gesprekken.order_by("-created_at").first()
    if gesprek is None:
        version = default_deck_version()
        gesprek = create_gesprek(
            team=team,
            user=user,
            principles=list(version.principles.order_by("order")[:2]),
            title="Demogesprek",
        )
    return Demo(team=team, username=DEMO_USER, password=password, gesprek=gesprek)

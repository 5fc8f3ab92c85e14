"""Team membership: the one place that decides who may facilitate what."""

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.text import slugify

from .models import Team


def teams_of(user):
    if not user.is_authenticated:
        return Team.objects.none()
    return Team.objects.filter(facilitators=user)


def is_facilitator(user, team: Team) -> bool:
    return user.is_authenticated and team.facilitators.filter(pk=user.pk).exists()


@transaction.atomic
def create_team(name: str, slug: str = "") -> Team:
    slug = slug or slugify(name)[:80]
    if not slug:
        raise ValueError("The team needs a name with letters or digits.")
    if Team.objects.filter(slug=slug).exists():
        raise ValueError(f"There is already a team with the short name {slug!r}.")
    return Team.objects.create(name=name.strip(), slug=slug)


def add_facilitator(team: Team, username: str) -> None:
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        raise ValueError(f"There is no user {username!r}.")
    team.facilitators.add(user)

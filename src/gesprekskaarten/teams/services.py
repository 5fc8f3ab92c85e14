"""Team membership: the one place that decides who may facilitate what."""

from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from .models import Team


def teams_of(user):
    """The teams whose gesprekken `user` runs (organisations/policy.py decides)."""
    from gesprekskaarten.organisations.policy import facilitated_teams

    return facilitated_teams(user)


@transaction.atomic
def create_team(name: str, slug: str = "", *, organisation, actor=None) -> Team:
    from gesprekskaarten.audit.models import Action
    from gesprekskaarten.audit.services import record

    slug = slug or slugify(name)[:80]
    if not slug:
        raise ValueError(_("The team needs a name with letters or digits."))
    if Team.objects.filter(slug=slug).exists():
        raise ValueError(
            _("There is already a team with the short name %(slug)s.") % {"slug": slug}
        )
    team = Team.objects.create(organisation=organisation, name=name.strip(), slug=slug)
    record(actor, Action.TEAM_CREATED, organisation=organisation, target=team.name)
    return team


@transaction.atomic
def add_facilitator(team: Team, user) -> None:
    """Make an account a facilitator of `team`, and a facilitator of its organisation if it was
    not a member yet (an analyst stays an analyst and is refused)."""
    from gesprekskaarten.organisations.models import Role
    from gesprekskaarten.organisations.services import add_member

    membership = add_member(team.organisation, user, Role.FACILITATOR)
    if membership.role == Role.ANALYST:
        raise ValueError(_("%(name)s is an analyst and runs no gesprekken.") % {"name": user})
    team.facilitators.add(user)

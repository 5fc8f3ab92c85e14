"""Organisations and memberships: creating them and keeping their rules.

Invariant kept here: a team's facilitators are members of its organisation as administrator or
facilitator. Changing a role to analyst or removing a person takes them off its teams."""

from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gesprekskaarten.audit.models import Action
from gesprekskaarten.audit.services import record

from .models import Membership, Organisation, Role

LAST_ADMIN = gettext_lazy(
    "An organisation needs at least one administrator. Make someone else one first."
)


class OrganisationError(ValueError):
    """A friendly reason why a change to an organisation was refused; nothing was changed."""


@transaction.atomic
def create_organisation(name: str, slug: str = "", admin=None) -> Organisation:
    name = name.strip()
    slug = slug or slugify(name)[:80]
    if not name or not slug:
        raise OrganisationError(_("The organisation needs a name with letters or digits."))
    if Organisation.objects.filter(slug=slug).exists():
        raise OrganisationError(
            _("There is already an organisation with the short name %(slug)s.") % {"slug": slug}
        )
    organisation = Organisation.objects.create(name=name, slug=slug)
    if admin is not None:
        Membership.objects.create(organisation=organisation, user=admin, role=Role.ADMIN)
    record(admin, Action.ORGANISATION_CREATED, organisation=organisation, target=name)
    return organisation


def add_member(organisation, user, role: str) -> Membership:
    """Make `user` a member (or change nothing if they already are one)."""
    membership, _created = Membership.objects.get_or_create(
        organisation=organisation, user=user, defaults={"role": role}
    )
    return membership


def admins_left(organisation, without=None) -> int:
    admins = Membership.objects.filter(organisation=organisation, role=Role.ADMIN)
    if without is not None:
        admins = admins.exclude(user=without)
    return admins.count()


@transaction.atomic
def change_role(actor, membership: Membership, role: str) -> None:
    if role not in Role.values:
        raise OrganisationError(_("Choose one of the roles."))
    if (
        membership.role == Role.ADMIN
        and role != Role.ADMIN
        and admins_left(membership.organisation, without=membership.user) == 0
    ):
        raise OrganisationError(LAST_ADMIN)
    old = membership.role
    membership.role = role
    membership.save(update_fields=["role"])
    if role == Role.ANALYST:  # analysts see no team's gesprekken
        for team in membership.organisation.teams.filter(facilitators=membership.user):
            team.facilitators.remove(membership.user)
    record(
        actor,
        Action.ROLE_CHANGED,
        organisation=membership.organisation,
        target=account_label(membership.user),
        old=old,
        new=role,
    )


@transaction.atomic
def remove_member(actor, membership: Membership) -> None:
    organisation = membership.organisation
    if membership.role == Role.ADMIN and admins_left(organisation, without=membership.user) == 0:
        raise OrganisationError(LAST_ADMIN)
    for team in organisation.teams.filter(facilitators=membership.user):
        team.facilitators.remove(membership.user)
    membership.delete()
    record(
        actor,
        Action.MEMBER_REMOVED,
        organisation=organisation,
        target=account_label(membership.user),
    )


def account_label(user) -> str:
    return user.email or user.username

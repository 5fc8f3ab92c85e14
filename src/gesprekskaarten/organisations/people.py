"""What an organisation's administrator does from its pages: invite people (send, resend,
revoke), change which teams a person facilitates, create, archive and restore teams, change the
organisation's settings. Roles and removals are in services.py (they keep the last
administrator). Every act is written to the audit log here; views only call these functions.
"""

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from gesprekskaarten.audit.models import Action
from gesprekskaarten.audit.services import record

from . import mail
from .invitations import VALID_DAYS, normalise_email, open_invitation_for
from .models import Invitation, Membership, Role
from .services import OrganisationError, account_label


def member_with_email(organisation, email: str) -> Membership | None:
    return (
        Membership.objects.filter(
            organisation=organisation, user__email__iexact=normalise_email(email)
        )
        .select_related("user")
        .first()
    )


def check_invitable(organisation, email: str) -> None:
    """Refuse an address that is already a member, or already has an open invitation."""
    if member_with_email(organisation, email):
        raise OrganisationError(
            _("%(email)s already has an account in this organisation.") % {"email": email}
        )
    if open_invitation_for(organisation, email):
        raise OrganisationError(
            _("%(email)s already has an open invitation. You can send it again.") % {"email": email}
        )


def _expiry() -> datetime.datetime:
    return timezone.now() + datetime.timedelta(days=VALID_DAYS)


@transaction.atomic
def invite(actor, organisation, email: str, role: str, teams, link_for) -> Invitation:
    """Make an invitation and mail its link. `link_for(token)` turns a token into the absolute
    address of the invitation page (the view knows the host)."""
    email = normalise_email(email)
    check_invitable(organisation, email)
    if role not in Role.values:
        raise OrganisationError(_("Choose one of the roles."))
    teams = list(teams)
    if any(team.organisation_id != organisation.pk or team.archived_at for team in teams):
        raise OrganisationError(_("Choose teams of this organisation only."))
    invitation = Invitation(
        organisation=organisation,
        email=email,
        role=role,
        invited_by=actor,
        expires_at=_expiry(),
    )
    token = invitation.new_token()
    invitation.save()
    invitation.teams.set(teams)
    record(
        actor,
        Action.INVITATION_SENT,
        organisation=organisation,
        target=email,
        role=role,
        teams=[team.name for team in teams],
    )
    mail.send_invitation(invitation, link_for(token))
    return invitation


@transaction.atomic
def resend(actor, invitation: Invitation, link_for) -> Invitation:
    """A new link with a new expiry: the old link stops working."""
    if invitation.accepted_at or invitation.revoked_at:
        raise OrganisationError(_("This invitation was already used or revoked."))
    token = invitation.new_token()
    invitation.expires_at = _expiry()
    invitation.invited_by = actor
    invitation.save(update_fields=["token_hash", "expires_at", "invited_by"])
    record(
        actor,
        Action.INVITATION_RESENT,
        organisation=invitation.organisation,
        target=invitation.email,
    )
    mail.send_invitation(invitation, link_for(token))
    return invitation


@transaction.atomic
def revoke(actor, invitation: Invitation) -> None:
    if invitation.accepted_at or invitation.revoked_at:
        raise OrganisationError(_("This invitation was already used or revoked."))
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at"])
    record(
        actor,
        Action.INVITATION_REVOKED,
        organisation=invitation.organisation,
        target=invitation.email,
    )


@transaction.atomic
def change_teams(actor, membership: Membership, teams) -> None:
    """Make `membership`'s person facilitator of exactly `teams` among the organisation's active
    teams (archived teams keep their facilitators)."""
    organisation = membership.organisation
    user = membership.user
    wanted = {team.pk: team for team in teams}
    active = organisation.teams.filter(archived_at__isnull=True)
    if any(pk not in set(active.values_list("pk", flat=True)) for pk in wanted):
        raise OrganisationError(_("Choose teams of this organisation only."))
    if wanted and membership.role == Role.ANALYST:
        raise OrganisationError(
            _("An analyst runs no gesprekken. Make this person a facilitator first.")
        )
    current = {team.pk: team for team in active.filter(facilitators=user)}
    added = [team for pk, team in wanted.items() if pk not in current]
    removed = [team for pk, team in current.items() if pk not in wanted]
    for team in added:
        team.facilitators.add(user)
    for team in removed:
        team.facilitators.remove(user)
    if added or removed:
        record(
            actor,
            Action.TEAMS_CHANGED,
            organisation=organisation,
            target=account_label(user),
            added=sorted(team.name for team in added),
            removed=sorted(team.name for team in removed),
        )


def unique_team_slug(name: str) -> str:
    """A free short name for a team. Short names are unique over all organisations; a taken one
    gets a number, so nobody learns another organisation's team names."""
    from gesprekskaarten.teams.models import Team

    base = slugify(name)[:70]
    if not base:
        raise OrganisationError(_("The team needs a name with letters or digits."))
    slug, number = base, 1
    while Team.objects.filter(slug=slug).exists():
        number += 1
        slug = f"{base}-{number}"
    return slug


@transaction.atomic
def create_team(actor, organisation, name: str):
    """A new team. A facilitator who creates one becomes its facilitator; an administrator
    chooses its facilitators afterwards (the person's page)."""
    from gesprekskaarten.teams import services as teams

    name = name.strip()
    if organisation.teams.filter(name__iexact=name).exists():
        raise OrganisationError(
            _("This organisation already has a team called %(name)s.") % {"name": name}
        )
    team = teams.create_team(name, unique_team_slug(name), organisation=organisation, actor=actor)
    membership = Membership.objects.filter(organisation=organisation, user=actor).first()
    if membership and membership.role == Role.FACILITATOR:
        teams.add_facilitator(team, actor)
    return team


@transaction.atomic
def archive_team(actor, team) -> None:
    if team.archived_at:
        raise OrganisationError(_("This team is already archived."))
    team.archived_at = timezone.now()
    team.save(update_fields=["archived_at"])
    record(actor, Action.TEAM_ARCHIVED, organisation=team.organisation, target=team.name)


@transaction.atomic
def restore_team(actor, team) -> None:
    if not team.archived_at:
        raise OrganisationError(_("This team is not archived."))
    team.archived_at = None
    team.save(update_fields=["archived_at"])
    record(actor, Action.TEAM_RESTORED, organisation=team.organisation, target=team.name)


SETTINGS_FIELDS = [
    "name",
    "facilitators_create_teams",
    "admins_need_second_factor",
    "retention_days",
]


@transaction.atomic
def change_settings(actor, organisation, **values) -> list[str]:
    """Store the settings that changed; returns their names (nothing recorded when none)."""
    changed = {}
    for field in SETTINGS_FIELDS:
        if field in values and getattr(organisation, field) != values[field]:
            changed[field] = {"old": getattr(organisation, field), "new": values[field]}
            setattr(organisation, field, values[field])
    if changed:
        organisation.save(update_fields=list(changed))
        record(
            actor,
            Action.SETTINGS_CHANGED,
            organisation=organisation,
            target=organisation.name,
            **changed,
        )
    return list(changed)

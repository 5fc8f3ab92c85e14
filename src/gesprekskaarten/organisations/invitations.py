"""Invitations: a single-use link by e-mail that makes its receiver a member.

The link carries a secret token; only its hash is stored (models.hash_token). Looking a link up
and accepting it happen here, for every door that accepts one: the invitation page with a
password (views) and a first login through the organisation's identity provider (accounts/sso).
"""

from django.db import transaction
from django.utils import timezone

from gesprekskaarten.audit.models import Action
from gesprekskaarten.audit.services import record

from .models import Invitation, Membership, Role, hash_token
from .services import add_member

VALID_DAYS = 7


def normalise_email(email: str) -> str:
    return email.strip().lower()


def invitation_by_token(token: str) -> Invitation | None:
    """The invitation a link names, open or not (the page says why a closed one fails)."""
    if not token or len(token) > 100:
        return None
    return (
        Invitation.objects.select_related("organisation")
        .filter(token_hash=hash_token(token))
        .first()
    )


def open_invitation_for(organisation, email: str) -> Invitation | None:
    """The newest open invitation of `organisation` for `email` (matched without case)."""
    candidates = Invitation.objects.filter(
        organisation=organisation,
        email__iexact=normalise_email(email),
        accepted_at__isnull=True,
        revoked_at__isnull=True,
        expires_at__gt=timezone.now(),
    )
    return candidates.order_by("-created_at").first()


@transaction.atomic
def accept(invitation: Invitation, user) -> Membership:
    """Make `user` a member with the invitation's role and teams; the link is used up.

    An account that already is a member keeps the stronger of its role and the invited one
    (administrator > facilitator > analyst)."""
    from gesprekskaarten.teams.services import add_facilitator

    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if not invitation.is_open:
        raise ValueError("This invitation is no longer open.")
    membership = add_member(invitation.organisation, user, invitation.role)
    strength = [Role.ANALYST, Role.FACILITATOR, Role.ADMIN]
    if strength.index(invitation.role) > strength.index(membership.role):
        membership.role = invitation.role
        membership.save(update_fields=["role"])
    if membership.role != Role.ANALYST:
        for team in invitation.teams.filter(archived_at__isnull=True):
            add_facilitator(team, user)
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    record(
        user,
        Action.INVITATION_ACCEPTED,
        organisation=invitation.organisation,
        target=invitation.email,
        role=membership.role,
    )
    return membership

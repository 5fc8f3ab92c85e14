"""Single sign-on's rules: which organisation a person means, and which account (if any) the
claims of its identity provider open. The protocol itself is in accounts/oidc.py.

Matching (docs/single-sign-on.md):
1. the provider must give `email` and `email_verified: true` (or, from Microsoft Entra ID,
   which has no `email_verified`, its `xms_edov: true`);
2. the address's domain must be one of the organisation's allowed domains;
3. an active account with that address (case aside) that is a member of this organisation is
   logged in;
4. otherwise an open invitation of this organisation for that address creates an account
   (user name: the address in lower case, no usable password) and is accepted;
5. anything else is refused. An address that already has an account elsewhere is not joined to
   it through the provider: that account accepts the invitation with its own login first, so one
   organisation's provider never opens an account it was not already trusted with.
"""

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q

from gesprekskaarten.organisations.invitations import accept, normalise_email, open_invitation_for
from gesprekskaarten.organisations.models import Organisation, SingleSignOn


class Refused(Exception):
    """The provider vouched for someone who may not come in. `reason` picks the message."""

    def __init__(self, reason: str, email: str = ""):
        super().__init__(reason)
        self.reason = reason
        self.email = email


def enabled_sign_on(organisation) -> SingleSignOn | None:
    return SingleSignOn.objects.filter(organisation=organisation, enabled=True).first()


def organisations_with_sign_on():
    return Organisation.objects.filter(single_sign_on__enabled=True).order_by("name")


def find_organisations(query: str) -> list[Organisation]:
    """The organisations with single sign-on that `query` names: an e-mail address (or its
    domain after an @) by allowed domain, otherwise a name or short name (case aside)."""
    query = query.strip()
    if "@" in query:
        domain = query.rsplit("@", 1)[1].strip().lower()
        return [
            sso.organisation
            for sso in SingleSignOn.objects.filter(enabled=True).select_related("organisation")
            if domain and domain in sso.domains
        ]
    return list(organisations_with_sign_on().filter(Q(name__iexact=query) | Q(slug__iexact=query)))


def verified_email(claims: dict) -> str:
    email = claims.get("email")
    if not isinstance(email, str) or "@" not in email.strip() or len(email) > 150:
        raise Refused("no_email")
    email = normalise_email(email)
    if not is_verified(claims):
        raise Refused("unverified", email)
    return email


def is_verified(claims: dict) -> bool:
    """`email_verified: true` (some providers send the boolean as a string). Microsoft Entra ID
    never sends `email_verified` for an organisation's own accounts; it can send the optional
    claim `xms_edov` (the address's domain is verified as the tenant's own), which counts only
    when `email_verified` is absent. The allowed domains still apply."""
    if "email_verified" in claims:
        value = claims["email_verified"]
        return value is True or value == "true"
    return claims.get("xms_edov") is True


def account_for(organisation, sso: SingleSignOn, claims: dict):
    """The account these (checked) claims open in `organisation`, or Refused."""
    email = verified_email(claims)
    if email.rsplit("@", 1)[1] not in sso.domains:
        raise Refused("domain", email)
    User = get_user_model()
    members = list(
        User.objects.filter(email__iexact=email, memberships__organisation=organisation)[:2]
    )
    if len(members) > 1:
        raise Refused("ambiguous", email)
    if members:
        if not members[0].is_active:
            raise Refused("inactive", email)
        return members[0]
    invitation = open_invitation_for(organisation, email)
    if invitation is None:
        raise Refused("not_invited", email)
    if User.objects.filter(Q(email__iexact=email) | Q(username__iexact=email)).exists():
        raise Refused("existing_account", email)
    try:
        with transaction.atomic():
            user = User.objects.create_user(username=email, email=email)  # no usable password
            accept(invitation, user)
    except ValueError:  # the invitation closed in the meantime (revoked, used)
        raise Refused("not_invited", email) from None
    return user


def password_login_allowed(user) -> bool:
    """False when one of the person's organisations lets its people in through its identity
    provider only (single sign-on on, local passwords off)."""
    return not SingleSignOn.objects.filter(
        organisation__memberships__user=user, enabled=True, local_passwords_allowed=False
    ).exists()

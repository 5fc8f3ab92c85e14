"""Saving an organisation's single sign-on settings, and testing its identity provider."""

from django.db import transaction
from django.utils.translation import gettext as _

from gesprekskaarten.accounts import oidc
from gesprekskaarten.audit.models import Action
from gesprekskaarten.audit.services import record


def check_connection(issuer: str) -> str | None:
    """None when the provider's discovery document is there and usable; else why not."""
    try:
        oidc.discover(issuer)
    except oidc.ProviderUnavailable as error:
        return str(error)[:300] or _("no answer")
    return None


@transaction.atomic
def save_settings(actor, organisation, form) -> list[str]:
    """Store the form's settings for `organisation`; returns the names of what changed (logged
    in the audit log, with the new values of everything but the secret)."""
    sso = form.save(commit=False)
    sso.organisation = organisation
    new = sso.pk is None
    # The stored fields that changed, by name (never the secret's value), in the form's order.
    changed = [name for name in form._meta.fields if name in form.changed_data]
    if "client_secret" in changed and sso.client_secret == form.stored_secret:
        changed.remove("client_secret")  # the same secret typed again
    sso.save()
    if changed or new:
        record(
            actor,
            Action.SSO_CHANGED,
            organisation=organisation,
            target=sso.issuer,
            changed=changed,
            enabled=sso.enabled,
            local_passwords_allowed=sso.local_passwords_allowed,
            client_id=sso.client_id,
            domains=sso.domains,
        )
    return changed

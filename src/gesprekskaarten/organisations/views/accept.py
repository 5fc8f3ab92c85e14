"""The page an invitation's link opens (/uitnodiging/<token>/): a new person sets a password, a
person with an account accepts with one button. A link that does not work (unknown, used,
revoked, expired) gets a page that says why and changes nothing.

Tokens are long random secrets, but a made-up link is still a guess: every POST, and every
unknown link opened, counts against a per-address limit (core/ratelimit.py)."""

from django.contrib import messages
from django.contrib.auth import get_user_model, login
from django.db import transaction
from django.db.models import Q
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from gesprekskaarten.core.forms import posted
from gesprekskaarten.core.ratelimit import (
    INVITATION_LINKS,
    client_address,
    limit_posts,
    too_many,
)

from .. import invitations
from ..forms import ConfirmForm, NewAccountForm
from ..policy import Rule, allow

MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


def _problem(request, invitation, reason: str, status: int):
    return render(
        request,
        "organisations/invitation_problem.html",
        {"invitation": invitation, "reason": reason},
        status=status,
    )


def _closed_reason(invitation) -> str | None:
    if invitation.accepted_at:
        return "used"
    if invitation.revoked_at:
        return "revoked"
    if invitation.expires_at <= timezone.now():
        return "expired"
    return None


def _account_for(email: str):
    return (
        get_user_model()
        .objects.filter(Q(email__iexact=email) | Q(username__iexact=email))
        .order_by("pk")
        .first()
    )


def _welcome(request, membership):
    messages.success(
        request,
        _("Welcome to %(organisation)s. You are now %(role)s.")
        % {
            "organisation": membership.organisation,
            "role": membership.get_role_display().lower(),
        },
    )
    return redirect("meetings:dashboard")


@allow(Rule.ANYONE)
@limit_posts(INVITATION_LINKS, client_address)
def accept_invitation(request, token):
    invitation = invitations.invitation_by_token(token)
    if invitation is None:
        if request.method != "POST" and (
            INVITATION_LINKS.hit(client_address(request)) > INVITATION_LINKS.allowed
        ):
            return too_many(request)
        return _problem(request, None, "unknown", 404)
    reason = _closed_reason(invitation)
    if reason:
        return _problem(request, invitation, reason, 410)
    context = {"invitation": invitation, "organisation": invitation.organisation}
    user = request.user
    if user.is_authenticated:
        if (user.email or "").strip().lower() != invitation.email:
            return render(request, "organisations/invitation_other_account.html", context)
        form = ConfirmForm(posted(request))
        if request.method == "POST" and form.is_valid():
            try:
                membership = invitations.accept(invitation, user)
            except ValueError:
                return _problem(request, invitation, "used", 410)
            return _welcome(request, membership)
        return render(request, "organisations/invitation_accept.html", {**context, "form": form})
    if _account_for(invitation.email):
        return render(request, "organisations/invitation_log_in.html", context)
    account = get_user_model()(username=invitation.email, email=invitation.email)
    form = NewAccountForm(posted(request), user=account)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                form.set_password_and_save(account)
                membership = invitations.accept(invitation, account)
        except ValueError:
            return _problem(request, invitation, "used", 410)
        login(request, account, backend=MODEL_BACKEND)
        return _welcome(request, membership)
    return render(request, "organisations/invitation_new_account.html", {**context, "form": form})

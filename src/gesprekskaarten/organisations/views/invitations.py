"""Inviting people by e-mail: send, send again (a new link) and revoke."""

import logging
import smtplib

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from gesprekskaarten.core.forms import posted

from .. import people
from ..forms import ConfirmForm, InviteForm
from ..invitations import open_invitation_for
from ..models import Invitation
from ..policy import Rule, allow
from ..services import OrganisationError
from .common import administered, link_maker, overview_url

logger = logging.getLogger(__name__)

MAIL_FAILED = (smtplib.SMTPException, OSError)


def _mail_failed_message() -> str:
    return _(
        "The e-mail could not be sent, so nothing was saved. Try again later, or ask the "
        "people who run this server to check the e-mail settings."
    )


@allow(Rule.ORGANISATION_ADMIN)
def invite(request, slug):
    organisation = administered(request, slug)
    form = InviteForm(posted(request), organisation=organisation)
    already_open = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            people.invite(
                request.user,
                organisation,
                data["email"],
                data["role"],
                data["teams"],
                link_maker(request),
            )
        except OrganisationError as problem:
            already_open = open_invitation_for(organisation, data["email"])
            form.add_error("email", str(problem))
        except MAIL_FAILED:
            logger.exception("Sending an invitation failed")
            form.add_error(None, _mail_failed_message())
        else:
            messages.success(
                request,
                _("The invitation is sent to %(email)s.") % {"email": data["email"]},
            )
            return redirect(overview_url(organisation, "gk-invitations"))
    return render(
        request,
        "organisations/invite.html",
        {"organisation": organisation, "form": form, "already_open": already_open},
    )


def _invitation(organisation, pk) -> Invitation:
    return get_object_or_404(Invitation, organisation=organisation, pk=pk)


@allow(Rule.ORGANISATION_ADMIN)
def resend(request, slug, pk):
    organisation = administered(request, slug)
    invitation = _invitation(organisation, pk)
    if request.method == "POST":
        try:
            people.resend(request.user, invitation, link_maker(request))
        except OrganisationError as problem:
            messages.error(request, str(problem))
        except MAIL_FAILED:
            logger.exception("Sending an invitation again failed")
            messages.error(request, _mail_failed_message())
        else:
            messages.success(
                request,
                _("The invitation is sent again to %(email)s. The earlier link no longer works.")
                % {"email": invitation.email},
            )
    return redirect(overview_url(organisation, "gk-invitations"))


@allow(Rule.ORGANISATION_ADMIN)
def revoke(request, slug, pk):
    """Revoking takes two steps: this page says what happens and asks to confirm."""
    organisation = administered(request, slug)
    invitation = _invitation(organisation, pk)
    form = ConfirmForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            people.revoke(request.user, invitation)
        except OrganisationError as problem:
            messages.error(request, str(problem))
        else:
            messages.success(
                request,
                _("The invitation for %(email)s is revoked. Its link no longer works.")
                % {"email": invitation.email},
            )
        return redirect(overview_url(organisation, "gk-invitations"))
    return render(
        request,
        "organisations/revoke.html",
        {"organisation": organisation, "invitation": invitation, "form": form},
    )

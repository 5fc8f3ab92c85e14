"""Logging in through an organisation's identity provider (single sign-on, OpenID Connect).

    /inloggen/organisatie/          choose or find your organisation
    /inloggen/organisatie/<slug>/   off to the organisation's provider
    /inloggen/terug/                back from any provider (one redirect URI for all)

The session keeps each login that was started (at most a few, each for PENDING_SECONDS) under its
`state`, with the organisation, the PKCE verifier and the nonce; the way back must bring a state
that is there. The protocol is in accounts/oidc.py, who may come in in accounts/signon.py.
Every way this can fail ends on one friendly page (accounts/sso/problem.html) that says what
happened and offers the local login where the organisation allows it.
"""

import logging
import re
import time

from django.conf import settings
from django.contrib.auth import login
from django.shortcuts import get_object_or_404, redirect, render, resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _

from gesprekskaarten.organisations.models import Organisation
from gesprekskaarten.organisations.policy import Rule, allow

from . import oidc, signon
from .signon import password_login_allowed  # noqa: F401 - the login form asks here
from .sso_forms import FindOrganisationForm

PENDING_KEY = "gk_sso_pending"
# How a session was logged in: "sso" here, "password" by the login form. A second factor is
# asked of password logins only (the organisation's provider takes care of its own).
LOGIN_METHOD_KEY = "gk_login_method"
PENDING_SECONDS = 15 * 60
MAX_PENDING = 5
BACKEND = "django.contrib.auth.backends.ModelBackend"
logger = logging.getLogger(__name__)

# reason -> (status, title, text). Texts may use %(organisation)s, %(email)s, %(domain)s and
# %(error)s.
PROBLEMS = {
    "not_enabled": (
        404,
        _("Single sign-on is not available here"),
        _(
            "There is no organisation at this address that lets people log in through its own "
            "login service, or it has been switched off. Choose your organisation again, or log "
            "in with your user name and password."
        ),
    ),
    "unavailable": (
        502,
        _("The login service does not answer"),
        _(
            "We could not reach the login service of %(organisation)s. Nothing has changed. Try "
            "again in a few minutes. Does it keep happening? Then tell your organisation's "
            "administrator."
        ),
    ),
    "cancelled": (
        400,
        _("You are not logged in"),
        _(
            "The login service of %(organisation)s did not log you in: the login was cancelled "
            "or refused there. Try again if you want to."
        ),
    ),
    "provider_error": (
        400,
        _("You are not logged in"),
        _(
            "The login service of %(organisation)s sent back an error (%(error)s) instead of "
            "logging you in. Try again. Does it keep happening? Then tell your organisation's "
            "administrator."
        ),
    ),
    "invalid": (
        400,
        _("We could not check your login"),
        _(
            "The answer of the login service of %(organisation)s did not pass our checks, so we "
            "did not use it. Start again. Does it keep happening? Then tell your organisation's "
            "administrator."
        ),
    ),
    "state": (
        400,
        _("This login does not match"),
        _(
            "The answer of the login service does not belong to a login that was started in this "
            "browser. To keep your account safe we did not use it. Start again from this site."
        ),
    ),
    "expired": (
        400,
        _("Your login took too long"),
        _(
            "We no longer know which login you started: it took longer than 15 minutes, or the "
            "browser forgot it (for example after deleting cookies). Start again."
        ),
    ),
    "no_email": (
        403,
        _("We did not get your e-mail address"),
        _(
            "We recognise people by their e-mail address, but the login service of "
            "%(organisation)s did not give it. Ask your administrator to let it share the "
            "e-mail address (the scope “email”)."
        ),
    ),
    "unverified": (
        403,
        _("Your e-mail address is not confirmed"),
        _(
            "The login service of %(organisation)s has not confirmed that %(email)s is yours. "
            "Only confirmed addresses get in. Ask your administrator."
        ),
    ),
    "domain": (
        403,
        _("This e-mail address does not get in here"),
        _(
            "%(organisation)s lets in people with an address ending in certain domains only, "
            "and @%(domain)s is not one of them. Did you log in at the login service with "
            "another account than your work account? Then log out there and start again."
        ),
    ),
    "not_invited": (
        403,
        _("You have not been invited yet"),
        _(
            "%(email)s is not yet part of %(organisation)s here. You can log in through its "
            "login service once an administrator of %(organisation)s has invited you. Ask them "
            "for an invitation."
        ),
    ),
    "existing_account": (
        403,
        _("You already have an account"),
        _(
            "There already is an account with the address %(email)s. Log in with that account "
            "and accept the invitation through the link in its e-mail. After that you can also "
            "log in through the login service of %(organisation)s."
        ),
    ),
    "inactive": (
        403,
        _("This account is switched off"),
        _("The account of %(email)s is switched off. Ask your administrator."),
    ),
    "ambiguous": (
        403,
        _("More than one account has this address"),
        _(
            "More than one account of %(organisation)s has the address %(email)s, so we cannot "
            "tell which one is yours. Ask your administrator to sort this out."
        ),
    ),
}


def redirect_uri(request) -> str:
    """The one address every provider sends people back to (register it at the provider)."""
    return request.build_absolute_uri(reverse("sso_callback"))


def safe_next(request, url: str) -> str:
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return ""


def problem(request, reason, organisation=None, sso=None, *, email="", error=""):
    status, title, text = PROBLEMS[reason]
    values = {
        "organisation": organisation.name if organisation else _("your organisation"),
        "email": email,
        "domain": email.rsplit("@", 1)[-1] if email else "",
        "error": error,
    }
    context = {
        "reason": reason,
        "title": title,
        "text": text % values,
        "organisation": organisation if sso else None,
        "email": email,
        # The local login stays on offer unless the organisation switched passwords off.
        "local_login": sso is None or not sso.enabled or sso.local_passwords_allowed,
    }
    return render(request, "accounts/sso/problem.html", context, status=status)


@allow(Rule.ANYONE)
def choose(request):
    """Choose your organisation from the list, or find it by e-mail address or name. A found
    organisation is a link to follow: the browser may not leave for another site straight from
    a form (CSP form-action 'self')."""
    next_url = safe_next(request, request.POST.get("next") or request.GET.get("next", ""))
    form = FindOrganisationForm(request.POST or None)
    found = form.organisations if request.method == "POST" and form.is_valid() else None
    return render(
        request,
        "accounts/sso/choose.html" if found is None else "accounts/sso/found.html",
        {
            "form": form,
            "organisations": signon.organisations_with_sign_on() if found is None else found,
            "next": next_url,
        },
    )


@allow(Rule.ANYONE)
def begin(request, slug):
    """Off to the organisation's provider, with a fresh state, nonce and PKCE verifier."""
    organisation = get_object_or_404(Organisation, slug=slug)
    sso = signon.enabled_sign_on(organisation)
    if sso is None:
        return problem(request, "not_enabled")
    try:
        url, pending = oidc.start(sso, redirect_uri(request))
    except oidc.SignOnError as error:
        logger.warning("Single sign-on of %s: %s", organisation.slug, error)
        return problem(request, error.reason, organisation, sso)
    pending.update(
        organisation=organisation.pk,
        next=safe_next(request, request.GET.get("next", "")),
        started=time.time(),
    )
    started = _live_pending(request)
    started[pending["state"]] = pending
    # The newest few: an old tab's login is forgotten before the session grows.
    newest = sorted(started.items(), key=lambda item: item[1]["started"])[-MAX_PENDING:]
    request.session[PENDING_KEY] = dict(newest)
    return redirect(url)


@allow(Rule.ANYONE)
def callback(request):
    """Back from the provider: check the state, then the answer, then who may come in."""
    state = request.GET.get("state", "")
    started = _live_pending(request)
    pending = started.pop(state, None)
    if pending is None:
        remembered = request.session.get(PENDING_KEY)
        # Nothing started here (any more): the session was lost or the login is too old.
        if not started or (isinstance(remembered, dict) and state in remembered):
            return problem(request, "expired")
        return problem(request, "state")
    request.session[PENDING_KEY] = started  # a state is used once
    organisation = Organisation.objects.filter(pk=pending["organisation"]).first()
    sso = signon.enabled_sign_on(organisation) if organisation else None
    # Switched off, or another provider configured, while the person was away.
    if (
        sso is None
        or sso.client_id != pending["client_id"]
        or sso.issuer.rstrip("/") != pending["issuer"].rstrip("/")
    ):
        return problem(request, "not_enabled")
    error = request.GET.get("error")
    if error is not None:
        if error == "access_denied":
            return problem(request, "cancelled", organisation, sso)
        code = error if re.fullmatch(r"[a-z_]{1,40}", error) else "?"
        return problem(request, "provider_error", organisation, sso, error=code)
    code = request.GET.get("code", "")
    if not code or len(code) > 2000:
        return problem(request, "invalid", organisation, sso)
    try:
        claims = oidc.finish(sso, pending, code, redirect_uri(request))
        user = signon.account_for(organisation, sso, claims)
    except oidc.SignOnError as failure:
        logger.warning("Single sign-on of %s: %s", organisation.slug, failure)
        return problem(request, failure.reason, organisation, sso)
    except signon.Refused as refusal:
        return problem(request, refusal.reason, organisation, sso, email=refusal.email)
    login(request, user, backend=BACKEND)
    request.session.pop(PENDING_KEY, None)
    request.session[LOGIN_METHOD_KEY] = "sso"
    return redirect(pending["next"] or resolve_url(settings.LOGIN_REDIRECT_URL))


def _live_pending(request) -> dict:
    """The logins started in this session that have not expired."""
    started = request.session.get(PENDING_KEY)
    if not isinstance(started, dict):
        return {}
    oldest = time.time() - PENDING_SECONDS
    return {state: p for state, p in started.items() if p.get("started", 0) > oldest}

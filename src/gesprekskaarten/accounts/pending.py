"""A login that passed the password and waits for its second-factor code.

Until the code is right nobody is logged in: the session holds only the account's id, the
authentication backend, where to go afterwards and when the password was right. After
GK_SECOND_FACTOR_PENDING_SECONDS the waiting login is forgotten.
"""

import time

from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils.http import url_has_allowed_host_and_scheme

PENDING = "gk_pending_login"
# How the session logged in: "password" here, "sso" for single sign-on. A second factor is
# asked for password logins only (the identity provider is responsible for its own factors).
LOGIN_METHOD = "gk_login_method"


def begin(request, user, next_url: str) -> None:
    request.session.cycle_key()
    request.session[PENDING] = {
        "user": user.pk,
        "backend": getattr(user, "backend", settings.AUTHENTICATION_BACKENDS[0]),
        "next": next_url,
        "at": time.time(),
    }


def user(request):
    """The account waiting for its code, or None (none waiting, or it waited too long)."""
    pending = request.session.get(PENDING)
    if not isinstance(pending, dict):
        return None
    waited = time.time() - float(pending.get("at", 0))
    if not 0 <= waited <= settings.GK_SECOND_FACTOR_PENDING_SECONDS:
        forget(request)
        return None
    return get_user_model().objects.filter(pk=pending.get("user"), is_active=True).first()


def forget(request) -> dict:
    return request.session.pop(PENDING, None) or {}


def next_url(request, pending: dict) -> str:
    url = pending.get("next") or ""
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return settings.LOGIN_REDIRECT_URL

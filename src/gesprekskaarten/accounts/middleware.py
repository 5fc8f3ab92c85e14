"""The second factor where it is due, for every signed-in page (docs/two-factor.md).

1. A password session of an account with a second factor that did not pass it (it came in
   through another door, such as the admin's login form, or the app was added in another
   session) is logged out and asked for the code: nothing signed-in opens before it.
2. An administrator of an organisation that requires a second factor, logged in with a
   password and without one, is sent to set it up before any signed-in page works. Pages for
   anyone (rule ANYONE or PARTICIPANT), the setup pages, logging out and the language switch
   stay open.
Single sign-on sessions are left alone: the identity provider is responsible for its factors.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import BACKEND_SESSION_KEY, logout
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from gesprekskaarten.organisations.policy import Rule, rule_of

from . import pending, second_factor

# Pages that work before the required second factor is set up (URL names).
SETUP_ALLOWED = {
    "second_factor",
    "second_factor_start",
    "second_factor_setup",
    "second_factor_qr",
    "recovery_codes",
    "logout",
    "login_code",
    "set_language",
}
OPEN_RULES = {Rule.ANYONE, Rule.PARTICIPANT}


class SecondFactorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if (
            user.is_authenticated
            and not _by_single_sign_on(request)
            and not user.is_verified()
            and not request.path.startswith(settings.STATIC_URL)
            and request.path != reverse("logout")  # logging out needs no code
            and _has_second_factor(request)
        ):
            return _ask_for_code(request, user)
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = request.user
        if not user.is_authenticated or _by_single_sign_on(request):
            return None
        match = request.resolver_match
        if (match and match.url_name in SETUP_ALLOWED) or rule_of(view_func) in OPEN_RULES:
            return None
        if _has_second_factor(request) or not second_factor.required_by_organisation(user):
            return None
        messages.info(
            request,
            _("Your organisation asks its administrators to use a second step. Set it up first."),
        )
        return redirect("second_factor")


def _has_second_factor(request) -> bool:
    """Asked once per request: both checks above need it."""
    if not hasattr(request, "_gk_has_second_factor"):
        request._gk_has_second_factor = second_factor.has_second_factor(request.user)
    return request._gk_has_second_factor


def _by_single_sign_on(request) -> bool:
    return request.session.get(pending.LOGIN_METHOD) == "sso"


def _ask_for_code(request, user):
    backend = request.session.get(BACKEND_SESSION_KEY)
    next_url = request.get_full_path() if request.method == "GET" else ""
    logout(request)
    user.backend = backend
    pending.begin(request, user, next_url)
    return redirect("login_code")

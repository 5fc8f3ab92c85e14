"""Logging in (with a second step when the account has one) and the person's own account pages."""

import django_otp
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import views as auth_views
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from gesprekskaarten.core.ratelimit import (
    LOGIN_FAILURES,
    LOGINS,
    SECOND_FACTOR_FAILURES,
    account_key,
    client_address,
    login_paused,
    too_many,
)
from gesprekskaarten.organisations.policy import Rule, allow

from . import pending, second_factor
from .forms import CodeForm, ConfirmAppForm, LoginForm, RemoveSecondFactorForm

NEW_CODES = "gk_new_recovery_codes"  # shown once, on the next page, then gone


def failures_key(user) -> str:
    return f"account:{user.pk}"


def code_paused(request):
    minutes = -(-SECOND_FACTOR_FAILURES.seconds_left() // 60)
    response = render(request, "accounts/code_paused.html", {"minutes": minutes}, status=429)
    response["Retry-After"] = str(SECOND_FACTOR_FAILURES.seconds_left())
    return response


# -- logging in -----------------------------------------------------------------------------


class PasswordLoginView(auth_views.LoginView):
    """/inloggen/: the password. An account with a second factor is not logged in yet: it
    goes on to /inloggen/code/."""

    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def form_valid(self, form):
        user = form.get_user()
        pending.forget(self.request)
        if second_factor.has_second_factor(user):
            pending.begin(self.request, user, self.get_success_url())
            return redirect("login_code")
        response = super().form_valid(form)
        self.request.session[pending.LOGIN_METHOD] = "password"
        return response


@allow(Rule.ANYONE)
@never_cache
def login_code(request):
    """/inloggen/code/: the second step. Wrong codes count per account (from any address) and
    per address; an account that used up its wrong codes takes none, not even the right one,
    until the window ends."""
    user = pending.user(request)
    if user is None:
        messages.info(request, _("Log in again: it took too long, or you did not start yet."))
        return redirect("login")
    form = CodeForm()
    if request.method == "POST":
        if LOGINS.hit(client_address(request)) > LOGINS.allowed:
            return too_many(request)
        if SECOND_FACTOR_FAILURES.reached(failures_key(user)):
            return code_paused(request)
        form = CodeForm(request.POST)
        if form.is_valid():
            device = second_factor.verify(user, form.cleaned_data["code"])
            if device is not None:
                return _finish_login(request, user, device)
            SECOND_FACTOR_FAILURES.hit(failures_key(user))
            form.add_error(
                "code",
                _(
                    "This code is not right. Type the code your app shows now, "
                    "or an unused recovery code."
                ),
            )
    return render(request, "accounts/login_code.html", {"form": form})


def _finish_login(request, user, device):
    waiting = pending.forget(request)
    auth_login(request, user, backend=waiting.get("backend"))
    django_otp.login(request, device)
    request.session[pending.LOGIN_METHOD] = "password"
    if second_factor.is_recovery_device(device):
        left = second_factor.recovery_codes_left(user)
        messages.warning(
            request,
            ngettext(
                "You used a recovery code. You have %(count)d left.",
                "You used a recovery code. You have %(count)d left.",
                left,
            )
            % {"count": left},
        )
    return redirect(pending.next_url(request, waiting))


# -- the person's own account ---------------------------------------------------------------


@allow(Rule.SIGNED_IN)
def account(request):
    user = request.user
    return render(
        request,
        "accounts/account.html",
        {
            "has_second_factor": second_factor.has_second_factor(user),
            "has_password": user.has_usable_password(),
        },
    )


class PasswordChangeView(auth_views.PasswordChangeView):
    """/account/wachtwoord/: wrong current passwords count as wrong logins for the account."""

    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("account")

    def post(self, request, *args, **kwargs):
        if LOGIN_FAILURES.reached(account_key(request.user.get_username())):
            return login_paused(request)
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form):
        if form.has_error("old_password", "password_incorrect"):
            LOGIN_FAILURES.hit(account_key(self.request.user.get_username()))
        return super().form_invalid(form)

    def form_valid(self, form):
        messages.success(self.request, _("Your password is changed."))
        return super().form_valid(form)


@allow(Rule.SIGNED_IN)
def second_factor_page(request):
    user = request.user
    return render(
        request,
        "accounts/second_factor.html",
        {
            "has_second_factor": second_factor.has_second_factor(user),
            "codes_left": second_factor.recovery_codes_left(user),
            "required": second_factor.required_by_organisation(user),
            "sso": request.session.get(pending.LOGIN_METHOD) == "sso",
        },
    )


@allow(Rule.SIGNED_IN)
@require_POST
def second_factor_start(request):
    if second_factor.has_second_factor(request.user):
        messages.info(request, _("You already use a second step. Switch it off first."))
        return redirect("second_factor")
    second_factor.start_setup(request.user)
    return redirect("second_factor_setup")


@allow(Rule.SIGNED_IN)
@never_cache
def second_factor_setup(request):
    """The QR code and the secret of the new app, and its first code to switch it on."""
    device = second_factor.device_being_set_up(request.user)
    if device is None:
        return redirect("second_factor")
    form = ConfirmAppForm()
    if request.method == "POST":
        form = ConfirmAppForm(request.POST)
        if form.is_valid():
            codes = second_factor.confirm_setup(request.user, device, form.cleaned_data["code"])
            if codes is not None:
                django_otp.login(request, device)  # this session passed it just now
                request.session[NEW_CODES] = codes
                messages.success(request, _("The second step is on."))
                return redirect("recovery_codes")
            form.add_error(
                "code",
                _(
                    "This code is not right. Check that the time on your phone is correct "
                    "and type the code the app shows now."
                ),
            )
    return render(
        request,
        "accounts/second_factor_setup.html",
        {"form": form, "secret": second_factor.secret_text(device)},
    )


@allow(Rule.SIGNED_IN)
@never_cache
def second_factor_qr(request):
    device = second_factor.device_being_set_up(request.user)
    if device is None:
        raise Http404
    response = HttpResponse(second_factor.qr_svg(device), content_type="image/svg+xml")
    response["Cache-Control"] = "no-store"  # it holds the secret
    return response


@allow(Rule.SIGNED_IN)
@never_cache
def recovery_codes(request):
    """New recovery codes are shown once, right after they were made; otherwise how many are
    left, and a button to make new ones (the old ones stop working)."""
    user = request.user
    if not second_factor.has_second_factor(user):
        return redirect("second_factor")
    if request.method == "POST":
        request.session[NEW_CODES] = second_factor.new_recovery_codes(user)
        return redirect("recovery_codes")
    codes = request.session.pop(NEW_CODES, None)
    response = render(
        request,
        "accounts/recovery_codes.html",
        {"codes": codes, "codes_left": second_factor.recovery_codes_left(user)},
    )
    response["Cache-Control"] = "no-store"
    return response


@allow(Rule.SIGNED_IN)
def second_factor_remove(request):
    """Switching it off asks for a current code from the app or the password."""
    user = request.user
    if not second_factor.has_second_factor(user):
        return redirect("second_factor")
    form = RemoveSecondFactorForm()
    if request.method == "POST":
        form = RemoveSecondFactorForm(request.POST)
        if SECOND_FACTOR_FAILURES.reached(failures_key(user)):
            form.is_valid()
            minutes = -(-SECOND_FACTOR_FAILURES.seconds_left() // 60)
            form.add_error(
                None,
                ngettext(
                    "Someone typed a wrong code or password for this account too often. "
                    "Try again in %(minutes)d minute.",
                    "Someone typed a wrong code or password for this account too often. "
                    "Try again in %(minutes)d minutes.",
                    minutes,
                )
                % {"minutes": minutes},
            )
        elif form.is_valid():
            if second_factor.proves_owner(user, form.cleaned_data["proof"]):
                second_factor.remove(user, actor=user)
                messages.success(request, _("The second step is off."))
                return redirect("second_factor")
            SECOND_FACTOR_FAILURES.hit(failures_key(user))
            form.add_error(
                "proof", _("This is not a current code from your app, nor your password.")
            )
    return render(request, "accounts/second_factor_remove.html", {"form": form})

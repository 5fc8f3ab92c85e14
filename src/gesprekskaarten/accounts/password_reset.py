"""Password reset by e-mail: Django's PasswordResetView family with our pages and mail.

The answer is the same for a known and an unknown address (Django's view sends a mail only to
an active account with a usable password, and says "check your mail" either way). Asking for a
mail is limited per e-mail address and per client address (core/ratelimit.py), so nobody can
flood a mailbox or the mail server."""

from django.contrib.auth import password_validation
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import PasswordResetForm, SetPasswordForm
from django.urls import path, reverse_lazy
from django.utils.translation import gettext_lazy as _

from gesprekskaarten.core.ratelimit import (
    PASSWORD_RESETS,
    PASSWORD_RESETS_FROM,
    client_address,
    limit_posts,
)
from gesprekskaarten.organisations.policy import Rule, allow


class ResetForm(PasswordResetForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        email = self.fields["email"]
        email.label = _("Your e-mail address")
        email.help_text = _("The address of your account. We send a link to it.")
        email.error_messages = {
            "required": _("Enter the e-mail address of your account."),
            "invalid": _("Enter an e-mail address like name@example.nl."),
        }


class NewPasswordForm(SetPasswordForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Plain text: the help text sits in a paragraph (core/field.html).
        self.fields["new_password1"].help_text = " ".join(
            password_validation.password_validators_help_texts()
        )


def email_key(request) -> str | None:
    """The address asked for, as a counter key; nothing to count for an empty one."""
    email = request.POST.get("email", "").strip().casefold()[:254]
    return email or None


request_reset = allow(Rule.ANYONE)(
    limit_posts(PASSWORD_RESETS_FROM, client_address)(
        limit_posts(PASSWORD_RESETS, email_key)(
            auth_views.PasswordResetView.as_view(
                form_class=ResetForm,
                template_name="accounts/password_reset_form.html",
                email_template_name="accounts/mail/password_reset.txt",
                subject_template_name="accounts/mail/password_reset_subject.txt",
                success_url=reverse_lazy("password_reset_done"),
            )
        )
    )
)

reset_sent = allow(Rule.ANYONE)(
    auth_views.PasswordResetDoneView.as_view(template_name="accounts/password_reset_done.html")
)

choose_password = allow(Rule.ANYONE)(
    auth_views.PasswordResetConfirmView.as_view(
        form_class=NewPasswordForm,
        template_name="accounts/password_reset_confirm.html",
        success_url=reverse_lazy("password_reset_complete"),
    )
)

reset_complete = allow(Rule.ANYONE)(
    auth_views.PasswordResetCompleteView.as_view(
        template_name="accounts/password_reset_complete.html"
    )
)

urlpatterns = [
    path("wachtwoord-vergeten/", request_reset, name="password_reset"),
    path("wachtwoord-vergeten/verstuurd/", reset_sent, name="password_reset_done"),
    path("wachtwoord-vergeten/<uidb64>/<token>/", choose_password, name="password_reset_confirm"),
    path("wachtwoord-vergeten/klaar/", reset_complete, name="password_reset_complete"),
]

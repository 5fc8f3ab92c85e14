from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": _(
            "This user name and password do not match. Check them and try again. "
            "Both are case-sensitive."
        ),
        "inactive": _("This account is switched off. Ask your administrator."),
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].label = _("E-mail address or user name")
        self.fields["username"].widget.attrs.update({"autocomplete": "username"})
        self.fields["password"].widget.attrs.update({"autocomplete": "current-password"})

    def confirm_login_allowed(self, user):
        from .sso import password_login_allowed

        super().confirm_login_allowed(user)
        if not password_login_allowed(user):
            raise forms.ValidationError(
                _(
                    "Your organisation lets you log in through its own login service only, not "
                    "with a password. Choose “Log in with your organisation's account”."
                ),
                code="sso_only",
            )


def _code_field(label, help_text="", max_length=32):
    return forms.CharField(
        label=label,
        help_text=help_text,
        max_length=max_length,
        error_messages={
            "required": _("Type the code."),
            "max_length": _("This code is too long. Check it and try again."),
        },
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "autocapitalize": "off",
                "spellcheck": "false",
                "size": 12,
            }
        ),
    )


class CodeForm(forms.Form):
    """The second step of a login: the app's code or a recovery code."""

    code = _code_field(
        _("Code"),
        _("The 6 digits your authenticator app shows now, or one of your recovery codes."),
    )


class ConfirmAppForm(forms.Form):
    """The first code from a newly added app: proof that it works."""

    code = _code_field(_("Code from the app"), _("The 6 digits the app shows now."), 16)


class RemoveSecondFactorForm(forms.Form):
    """Switching the second factor off asks for proof: a current code or the password."""

    proof = forms.CharField(
        label=_("A code from your app, or your password"),
        max_length=128,
        strip=False,
        error_messages={"required": _("Type a code from your app or your password.")},
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

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
        self.fields["username"].label = _("User name")
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

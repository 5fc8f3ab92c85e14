import re
from urllib.parse import urlsplit

from django import forms
from django.utils.translation import gettext_lazy as _

from gesprekskaarten.accounts.oidc import is_local

from .models import SingleSignOn

DOMAIN = re.compile(r"(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}")
MAX_DOMAINS = 50


class SingleSignOnForm(forms.ModelForm):
    """An organisation's identity provider. The client secret is write-only: it is never shown,
    and an empty field keeps the stored one."""

    issuer = forms.URLField(
        label=_("Issuer"),
        max_length=300,
        assume_scheme="https",
        help_text=_(
            "The address of your identity provider, as it names itself, for example "
            "https://login.microsoftonline.com/<tenant id>/v2.0. We read its settings from "
            "this address with /.well-known/openid-configuration after it."
        ),
        widget=forms.TextInput(
            attrs={"inputmode": "url", "spellcheck": "false", "autocomplete": "off"}
        ),
    )
    # One line of domains (a text field keeps no line breaks); stored one per line.
    allowed_domains = forms.CharField(
        label=_("Allowed e-mail domains"),
        max_length=2000,
        help_text=_(
            "For example minbzk.nl, rijksoverheid.nl (separated by commas or spaces). Only "
            "people whose confirmed e-mail address ends in one of these get in."
        ),
        widget=forms.TextInput(attrs={"spellcheck": "false", "autocomplete": "off"}),
    )
    client_secret = forms.CharField(
        label=_("Client secret"),
        required=False,
        max_length=500,
        strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
    )

    class Meta:
        model = SingleSignOn
        fields = [
            "issuer",
            "client_id",
            "client_secret",
            "allowed_domains",
            "enabled",
            "local_passwords_allowed",
        ]
        labels = {
            "client_id": _("Client ID"),
            "enabled": _("People can log in through this login service"),
            "local_passwords_allowed": _("People can also still log in with a password"),
        }
        help_texts = {
            "client_id": _("The ID the identity provider gave this application."),
            "local_passwords_allowed": _(
                "Off: your organisation's people log in through the login service only, "
                "administrators too. Test the connection first."
            ),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.stored_secret = self.instance.client_secret if self.instance.pk else ""
        self.has_secret = bool(self.stored_secret)
        self.fields["client_secret"].help_text = (
            _("A secret is stored. Leave this empty to keep it; type a new one to replace it.")
            if self.has_secret
            else _("The secret the identity provider gave this application.")
        )
        self.initial.pop("client_secret", None)
        if self.instance.pk:
            self.initial["allowed_domains"] = ", ".join(self.instance.domains)
        self.fields["issuer"].error_messages["invalid"] = _(
            "Type the whole address, starting with https://."
        )

    def clean_issuer(self):
        issuer = self.cleaned_data["issuer"].strip()
        parts = urlsplit(issuer)
        if parts.query or parts.fragment:
            raise forms.ValidationError(_("The issuer is an address without ? or # in it."))
        if parts.scheme != "https" and not is_local(issuer):
            raise forms.ValidationError(_("The issuer's address must start with https://."))
        return issuer

    def clean_client_id(self):
        return self.cleaned_data["client_id"].strip()

    def clean_client_secret(self):
        secret = self.cleaned_data.get("client_secret", "")
        if not secret:
            if not self.has_secret:
                raise forms.ValidationError(_("Type the client secret."))
            return self.stored_secret
        return secret

    def clean_allowed_domains(self):
        domains = []
        for word in re.split(r"[\s,;]+", self.cleaned_data["allowed_domains"]):
            domain = word.lower().lstrip("@")
            if not domain:
                continue
            if not DOMAIN.fullmatch(domain):
                raise forms.ValidationError(
                    _("“%(domain)s” is not a domain. Write it like minbzk.nl."),
                    params={"domain": word[:100]},
                )
            if domain not in domains:
                domains.append(domain)
        if not domains:
            raise forms.ValidationError(_("Name at least one domain, for example minbzk.nl."))
        if len(domains) > MAX_DOMAINS:
            raise forms.ValidationError(
                _("Name at most %(max)s domains."), params={"max": MAX_DOMAINS}
            )
        return "\n".join(domains)

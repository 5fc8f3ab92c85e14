from django import forms
from django.utils.translation import gettext_lazy as _

from .signon import find_organisations


class FindOrganisationForm(forms.Form):
    """Which organisation's identity provider to use: found by e-mail address or by name."""

    query = forms.CharField(
        label=_("Your work e-mail address or the name of your organisation"),
        max_length=254,
        help_text=_("For example anna@minbzk.nl or Demo-organisatie."),
        error_messages={"required": _("Type your work e-mail address or your organisation.")},
        widget=forms.TextInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
    )

    def clean_query(self):
        query = self.cleaned_data["query"].strip()
        self.organisations = find_organisations(query)
        if not self.organisations:
            if "@" in query:
                domain = query.rsplit("@", 1)[1]
                raise forms.ValidationError(
                    _(
                        "No organisation here logs in people with an address ending in "
                        "@%(domain)s through its own login service. Check the address, or log "
                        "in with your user name and password."
                    ),
                    params={"domain": domain},
                    code="unknown_domain",
                )
            raise forms.ValidationError(
                _(
                    "We know no organisation with that name that has its own login service. "
                    "Check the spelling, type your e-mail address, or choose from the list."
                ),
                code="unknown_organisation",
            )
        return query

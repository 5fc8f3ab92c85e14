from django import forms
from django.utils.translation import get_language_info
from django.utils.translation import gettext_lazy as _

from gesprekskaarten.decks.models import DeckVersion

LAYOUT_CHOICES = [
    ("a4-4up", _("A4, four cards on each sheet")),
    ("a6", _("A6, one card on each sheet")),
]


def language_name(code: str) -> str:
    """The language's name in the interface language ("Nederlands", "Engels" ...)."""
    try:
        return get_language_info(code)["name_translated"]
    except KeyError:
        return code


class PrintDeckForm(forms.Form):
    """Language and layout of the printable cards; the field names are the URL's query keys."""

    taal = forms.ChoiceField(label=_("Language of the cards"))
    opmaak = forms.ChoiceField(
        label=_("Paper"),
        choices=LAYOUT_CHOICES,
        help_text=_("Print double-sided. Cut A4 sheets along the marks."),
    )

    def __init__(self, *args, version: DeckVersion, **kwargs):
        kwargs.setdefault("auto_id", "gk-print-%s")
        super().__init__(*args, **kwargs)
        self.fields["taal"].choices = [(code, language_name(code)) for code in version.languages]

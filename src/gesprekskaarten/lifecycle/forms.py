from django import forms
from django.utils.translation import gettext_lazy as _


class ConfirmDeleteForm(forms.Form):
    """One tick: the person read what goes and means it."""

    confirm = forms.BooleanField(
        label=_("I have read what is deleted. It cannot be brought back."),
        error_messages={
            "required": _("Tick the box to confirm that everything listed above may be deleted.")
        },
    )

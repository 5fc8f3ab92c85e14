"""Forms only read what was sent; the services check it (lengths, dates, links) and explain."""

from django import forms
from django.utils.translation import gettext_lazy as _

from gesprekskaarten.decks.models import localized

from .models import REASON_MAX_LENGTH, WHAT_MAX_LENGTH, WHO_MAX_LENGTH, Status
from .services import DUE_FILTERS

# Browsers without a date picker send what was typed: accept the usual ways to write a date.
DATE_FORMATS = ["%Y-%m-%d", "%d-%m-%Y", "%d/%m/%Y", "%d.%m.%Y"]
DATE_ERROR = _("This is not a date. Write it as day-month-year, for example 31-12-2026.")


def date_field(label, help_text=""):
    return forms.DateField(
        label=label,
        required=False,
        input_formats=DATE_FORMATS,
        help_text=help_text,
        error_messages={"invalid": DATE_ERROR},
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )


def text_field(label, limit, help_text="", required=False, lines=1):
    """Up to four times the limit passes the form, so the service can say how long it was.
    With `lines` above 1 it is a multi-line field (a textarea) of that many rows."""
    attrs = {"maxlength": limit}
    widget = forms.Textarea(attrs={**attrs, "rows": lines}) if lines > 1 else forms.TextInput(attrs)
    return forms.CharField(
        label=label,
        required=required,
        max_length=limit * 4,
        help_text=help_text,
        widget=widget,
    )


class AgreementForm(forms.Form):
    what = text_field(
        _("What do you agree on?"),
        WHAT_MAX_LENGTH,
        _("Make it concrete: what will happen? At most 300 characters."),
        lines=4,
    )
    who = text_field(
        _("Who does it? (optional)"),
        WHO_MAX_LENGTH,
        _("A name or a role, for example “the team leader” or “everyone”."),
    )
    due_on = date_field(_("By when? (optional)"))
    principles = forms.MultipleChoiceField(
        label=_("Which principles does it belong to? (optional)"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    behaviours = forms.MultipleChoiceField(
        label=_("Which behaviours does it belong to? (optional)"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    theme = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, principles, behaviours, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["principles"].choices = [(str(p.pk), localized(p.title)) for p in principles]
        self.fields["behaviours"].choices = [(str(b.pk), localized(b.text)) for b in behaviours]
        self._behaviours = list(behaviours)

    def behaviour_groups(self) -> list[tuple]:
        """The behaviour checkboxes per card, so the form reads like the cards."""
        boxes = {str(box.data["value"]): box for box in self["behaviours"]}
        groups: dict[int, tuple] = {}
        for behaviour in self._behaviours:
            principle = behaviour.principle
            group = groups.setdefault(principle.pk, (principle, []))
            group[1].append((behaviour, boxes[str(behaviour.pk)]))
        return list(groups.values())

    def values(self) -> dict:
        data = self.cleaned_data
        return {
            "what": data["what"],
            "who": data["who"],
            "due_on": data["due_on"],
            "principles": data["principles"],
            "behaviours": data["behaviours"],
        }


class StatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=Status.choices)
    reason = text_field(
        _("Reason for dropping"),
        REASON_MAX_LENGTH,
        _("Needed when you drop the agreement."),
    )


class FollowUpForm(forms.Form):
    follow_up_on = date_field(
        _("Follow-up date"),
        _("When does the team meet again? Leave it empty to remove the date."),
    )


class FilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("all")), ("active", _("open or in progress")), *Status.choices],
    )
    principle = forms.ChoiceField(label=_("Principle"), required=False)
    due = forms.ChoiceField(
        label=_("By when"),
        required=False,
        choices=[
            ("", _("any date")),
            *zip(
                DUE_FILTERS,
                [_("overdue"), _("within 30 days"), _("no date")],
                strict=True,
            ),
        ],
    )

    def __init__(self, *args, principles, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["principle"].choices = [("", _("all")), *principles]

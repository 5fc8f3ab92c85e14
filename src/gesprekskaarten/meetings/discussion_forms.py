"""Forms for the rode draden and dot voting, and what the discussion pages show of both.

The forms only read what was posted; the services in themes.py and voting.py check it and
explain what is wrong, so every channel gets the same messages.
"""

from django import forms
from django.utils.translation import gettext_lazy as _

from . import themes, voting
from .models import DEFAULT_DOTS, MAX_DOTS, THEME_NAME_MAX_LENGTH, DotVote, Participant

FACILITATOR, PRESENTER, PARTICIPANT = "facilitator", "presenter", "participant"
MAX_ID = themes.MAX_ID


class IdsField(forms.Field):
    """Several ids posted under one name (ticked checkboxes)."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value):
        try:
            ids = [int(item) for item in value or []]
        except (TypeError, ValueError):
            ids = [0]
        if not all(0 < pk <= MAX_ID for pk in ids):
            raise forms.ValidationError(_("This choice is not valid. Reload the page."))
        return ids


def id_field(**options):
    return forms.IntegerField(
        min_value=1,
        max_value=MAX_ID,
        error_messages={
            key: _("This choice is not valid. Reload the page.")
            for key in ["invalid", "min_value", "max_value", "required"]
        },
        **options,
    )


def name_field(**options):
    # The length is checked by the service, with a message that says how long the name was.
    return forms.CharField(
        label=_("Name"),
        required=False,
        strip=False,
        widget=forms.TextInput(attrs={"maxlength": THEME_NAME_MAX_LENGTH, "autocomplete": "off"}),
        **options,
    )


class NewThemeForm(forms.Form):
    name = name_field(
        help_text=_(
            "At most 80 characters. Tick notes under “Notes without a theme” to put them "
            "in the new theme straight away."
        )
    )
    notes = IdsField(required=False)


class ThemeNameForm(forms.Form):
    name = name_field()


class MergeForm(forms.Form):
    other = id_field()
    name = name_field()


class SplitForm(forms.Form):
    name = name_field()
    notes = IdsField(required=False)


class MoveNoteForm(forms.Form):
    theme = id_field(required=False)  # empty: no theme


class OpenVoteForm(forms.Form):
    themes = forms.TypedMultipleChoiceField(
        label=_("Themes to vote on"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "invalid_choice": _("This theme does not exist any more. Reload the page.")
        },
    )
    proposals = forms.CharField(
        label=_("Proposals to vote on (optional)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("One proposal per line, at most 200 characters each. At most 20 options."),
    )
    dots = forms.IntegerField(
        label=_("Dots per person"),
        min_value=1,
        max_value=MAX_DOTS,
        initial=DEFAULT_DOTS,
        error_messages={
            key: _("Choose from 1 to 10 dots per person.")
            for key in ["invalid", "min_value", "max_value", "required"]
        },
    )

    def __init__(self, *args, theme_choices, **kwargs):
        super().__init__(*args, prefix="vote", **kwargs)
        self.fields["themes"].choices = [(theme.id, theme.name) for theme in theme_choices]
        self.fields["themes"].initial = [theme.id for theme in theme_choices]
        if not theme_choices:
            del self.fields["themes"]


class BallotForm(forms.Form):
    """One number per option: how many of the participant's dots go there."""

    vote = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, vote: DotVote, options, own: dict[int, int], **kwargs):
        super().__init__(*args, prefix="ballot", initial={"vote": vote.pk}, **kwargs)
        self.option_ids = [option.pk for option in options]
        self.dots = vote.dots
        for option in options:
            self.fields[f"option-{option.pk}"] = forms.IntegerField(
                label=option.text,
                required=False,
                min_value=0,
                max_value=vote.dots,
                initial=own.get(option.pk, 0),
                error_messages={
                    "invalid": _("Type a whole number."),
                    "min_value": _("A number of dots cannot be below 0."),
                    "max_value": _("You have %(limit_value)s dots in all."),
                },
            )

    def counts(self) -> dict[int, int]:
        return {pk: self.cleaned_data.get(f"option-{pk}") or 0 for pk in self.option_ids}

    def _value(self, pk: int) -> int:
        value = self[f"option-{pk}"].value()
        try:
            return max(int(value or 0), 0)
        except (TypeError, ValueError):
            return 0

    def placed(self) -> int:
        """The dots in the fields now (saved, or just sent and refused): the same sum as
        static/gesprekskaarten/js/ballot.js makes in the browser."""
        return sum(self._value(pk) for pk in self.option_ids)

    def left(self) -> int:
        """Dots not placed yet; below 0 when more were placed than there are."""
        return self.dots - self.placed()


def themes_and_votes_context(gesprek, *, role: str, viewer: Participant | None = None) -> dict:
    """What a discussion page shows of the themes and the dot votes: the facilitator's control
    page, the presenter screen, or a participant's page (for `viewer`, or for everyone)."""
    box = voting.vote_box(gesprek, viewer)
    context = {"screen_role": role, "rode_draden": themes.shown_themes(gesprek), "vote_box": box}
    if role == PARTICIPANT and box.open:
        context["ballot_form"] = BallotForm(vote=box.open, options=box.options, own=box.own)
    if role == FACILITATOR and not box.open:
        context["vote_form"] = OpenVoteForm(theme_choices=context["rode_draden"])
    return context

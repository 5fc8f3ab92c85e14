import secrets

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import MIN_THRESHOLD, NOTE_MAX_LENGTH, AudienceChoice, Choice
from .services import JOIN_CODE_LENGTH, normalise_code


class JoinCodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code"),
        max_length=20,
        help_text=_("The code is on the presenter screen, for example ACDEF-GH347."),
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}
        ),
    )

    def clean_code(self):
        code = normalise_code(self.cleaned_data["code"])
        if len(code) != JOIN_CODE_LENGTH:
            raise forms.ValidationError(
                _("A code has %(n)s letters and digits. Check the code and try again."),
                params={"n": JOIN_CODE_LENGTH},
            )
        return code


class JoinForm(forms.Form):
    """Joining asks nothing: the button is the whole form (no name, data minimisation)."""


class NewGesprekForm(forms.Form):
    team = forms.ModelChoiceField(label=_("Team"), queryset=None, empty_label=None)
    title = forms.CharField(label=_("Title (optional)"), max_length=120, required=False)
    principles = forms.MultipleChoiceField(
        label=_("Cards"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Choose one to seven cards, or let chance pick one."),
    )
    random_card = forms.BooleanField(label=_("Pick one card at random"), required=False)
    audience = forms.ChoiceField(
        label=_("Which behaviours?"),
        choices=AudienceChoice.choices,
        initial=AudienceChoice.BOTH,
        widget=forms.RadioSelect,
    )
    threshold = forms.IntegerField(
        label=_("Anonymity threshold"),
        min_value=MIN_THRESHOLD,
        max_value=50,
        initial=3,
        help_text=_(
            "The team sees results of a card only when at least this many people answered it. "
            "With fewer, nobody could be sure their answer stays unknown. At least 2; 3 is usual."
        ),
    )

    def __init__(self, *args, teams, principles, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = teams
        self.principle_objects = {str(p.pk): p for p in principles}
        self.fields["principles"].choices = [(str(p.pk), str(p)) for p in principles]

    def clean(self):
        data = super().clean()
        chosen = data.get("principles") or []
        if data.get("random_card"):
            if chosen:
                self.add_error(
                    "random_card", _("Choose cards yourself or pick one at random, not both.")
                )
            else:
                data["principles"] = [secrets.choice(list(self.principle_objects))]
        elif not chosen:
            self.add_error("principles", _("Choose at least one card."))
        data["principle_objects"] = [
            self.principle_objects[pk] for pk in data.get("principles") or []
        ]
        return data


class CardForm(forms.Form):
    """All behaviours of one card at once: the form that works without JavaScript."""

    def __init__(self, *args, behaviours, marks, **kwargs):
        """`marks`: the person's (choice, discuss) per behaviour id (services.marks_of)."""
        super().__init__(*args, **kwargs)
        self.behaviour_ids = []
        for behaviour in behaviours:
            choice, discuss = marks.get(behaviour.pk, (None, False))
            self.fields[f"choice-{behaviour.pk}"] = forms.ChoiceField(
                choices=Choice.choices,
                required=False,
                widget=forms.RadioSelect,
                initial=choice or None,
            )
            self.fields[f"discuss-{behaviour.pk}"] = forms.BooleanField(
                required=False, initial=discuss
            )
            self.behaviour_ids.append(behaviour.pk)

    def answers(self, existing) -> dict[int, tuple[str, bool]]:
        """Behaviours with something to say, and earlier marks (an unticked box counts)."""
        result = {}
        for pk in self.behaviour_ids:
            choice = self.cleaned_data.get(f"choice-{pk}") or ""
            discuss = bool(self.cleaned_data.get(f"discuss-{pk}"))
            if choice or discuss or pk in existing:
                result[pk] = (choice or existing.get(pk, ("", False))[0], discuss)
        return result


class NoteForm(forms.Form):
    # The length is checked by the service, with a message that says how long the note was.
    text = forms.CharField(
        label=_("Your note"),
        required=False,
        max_length=NOTE_MAX_LENGTH * 4,
        help_text=_("Anonymous: nobody sees who wrote it. At most 280 characters."),
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": NOTE_MAX_LENGTH}),
    )


class TimerForm(forms.Form):
    minutes = forms.IntegerField(label=_("Minutes"), min_value=1, max_value=120, initial=5)


class MirrorForm(NewGesprekForm):
    """A leader's mirror: the team, the cards and k; the behaviours are the leader ones."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["audience"]
        self.fields["team"].help_text = _(
            "The team that marks your behaviour as its leader. You run the mirror yourself."
        )
        self.fields["threshold"].help_text = _(
            "You see the team's answers on a behaviour only when at least this many people "
            "answered it. At least 2; 3 is usual."
        )


class SelfViewForm(forms.Form):
    """The leader's own marks: one choice per leader behaviour, all optional."""

    def __init__(self, *args, behaviours, choices, disabled=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.behaviour_ids = []
        for behaviour in behaviours:
            self.fields[f"choice-{behaviour.pk}"] = forms.ChoiceField(
                label=behaviour.pk,
                choices=Choice.choices,
                required=False,
                widget=forms.RadioSelect,
                initial=choices.get(behaviour.pk),
                disabled=disabled,
            )
            self.behaviour_ids.append(behaviour.pk)

    def choices(self) -> dict[int, str]:
        return {pk: self.cleaned_data.get(f"choice-{pk}") or "" for pk in self.behaviour_ids}

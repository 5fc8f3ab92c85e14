"""Solo preparation: one person goes through a deck alone and sees their own picture.

Nothing of it is stored on the server. With JavaScript the marks stay in the person's browser
(static/gesprekskaarten/js/prepare.js, localStorage). Without it they travel in the form from
card to card and to the picture: this module reads them from the posted data, and the page that
answers shows them and forgets them. No model, no session, no log line (core/logs.py writes
neither query strings nor bodies). See docs/solo-preparation.md.

A mark's key is "<principle slug>/<behaviour key>" (behaviour keys are unique per principle);
the browser keeps the marks under the deck's slug and version number, so a new deck version
never maps an answer onto a different behaviour.
"""

from dataclasses import dataclass, field

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from gesprekskaarten.meetings.models import Choice
from gesprekskaarten.meetings.results import Counts

from .models import Audience, Behaviour, DeckVersion, Principle

# Fields every preparation form has besides the marks.
VERSION_FIELD = "version"
OTHER_FIELDS = {"csrfmiddlewaretoken", VERSION_FIELD}
CHOICE_LABELS = dict(Choice.choices)
# What a ticked or unticked box may send (a browser sends "on"); anything else is refused.
DISCUSS_VALUES = {"", "on", "true", "false", "1", "0"}


def mark_key(behaviour: Behaviour) -> str:
    return f"{behaviour.principle.slug}/{behaviour.key}"


def choice_name(behaviour: Behaviour) -> str:
    return f"{behaviour.principle.slug}.{behaviour.key}"


def discuss_name(behaviour: Behaviour) -> str:
    return f"{choice_name(behaviour)}.discuss"


@dataclass(frozen=True)
class Mark:
    choice: str = ""  # one of Choice, or "" for not chosen
    discuss: bool = False

    @property
    def label(self) -> str:
        return str(CHOICE_LABELS.get(self.choice, _("No answer")))


def behaviours_of(version: DeckVersion) -> list[Behaviour]:
    """Every behaviour of the deck version, card by card, everyone's before the leaders'."""
    return list(
        Behaviour.objects.filter(principle__deck_version=version)
        .select_related("principle")
        .order_by("principle__order", "audience", "order")
    )


class PreparationForm(forms.Form):
    """The marks of a whole deck, as the no-JavaScript pages post them.

    Unbound, it renders one card's fields with the marks given as `initial`. Bound, it reads
    the marks of every card; what cannot be read is left out and said in plain words.
    """

    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, version: DeckVersion, behaviours: list[Behaviour], **kwargs):
        super().__init__(*args, **kwargs)
        self.deck_version = version
        self.behaviours = behaviours
        self.fields[VERSION_FIELD].initial = version.number
        for behaviour in behaviours:
            self.fields[choice_name(behaviour)] = forms.ChoiceField(
                choices=Choice.choices, required=False, widget=forms.RadioSelect
            )
            self.fields[discuss_name(behaviour)] = forms.BooleanField(required=False)

    def clean(self):
        data = super().clean()
        mark_fields = len(self.fields) - 1
        if len(self.data) > mark_fields + len(OTHER_FIELDS):
            raise ValidationError(
                _(
                    "We could not read your marks: the form sent more than these cards have. "
                    "Nothing was kept. Please start again."
                ),
                code="too_many",
            )
        if self.data.get(VERSION_FIELD) != str(self.deck_version.number):
            raise ValidationError(
                _(
                    "The cards were updated while you were preparing. We left out your marks, "
                    "so that no answer ends up with another behaviour. Please start again."
                ),
                code="changed",
            )
        for name in self.data:
            value = self.data.get(name, "")
            if (
                name.endswith(".discuss")
                and name in self.fields
                and value.lower() not in DISCUSS_VALUES
            ):
                self.add_error(name, self.invalid_answer(value))
        unknown = [
            name for name in self.data if name not in self.fields and name not in OTHER_FIELDS
        ]
        if unknown:
            raise ValidationError(
                ngettext(
                    "%(count)d mark is for a behaviour that is not on these cards. We left it out.",
                    "%(count)d marks are for behaviours that are not on these cards. We left "
                    "them out.",
                    len(unknown),
                )
                % {"count": len(unknown)},
                code="unknown",
            )
        return data

    @staticmethod
    def invalid_answer(value) -> ValidationError:
        message = forms.ChoiceField.default_error_messages["invalid_choice"]
        return ValidationError(message, code="invalid_choice", params={"value": value})

    def problems(self) -> list[str]:
        """What could not be read, in plain words (empty when everything was fine)."""
        problems = [str(error) for error in self.non_field_errors()]
        bad = len([name for name in self.errors if name not in (NON_FIELD_ERRORS, VERSION_FIELD)])
        if bad:
            problems.append(
                ngettext(
                    "%(count)d mark has an answer we do not know. We left it out.",
                    "%(count)d marks have an answer we do not know. We left them out.",
                    bad,
                )
                % {"count": bad}
            )
        return problems

    def marks(self) -> dict[str, Mark]:
        """The marks that could be read: none when the form as a whole was refused."""
        if not self.is_bound:
            return {}
        self.is_valid()
        refused = {error.code for error in self.non_field_errors().as_data()}
        if refused & {"too_many", "changed"}:
            return {}
        data = self.cleaned_data
        marks = {}
        for behaviour in self.behaviours:
            mark = Mark(
                choice=data.get(choice_name(behaviour)) or "",
                discuss=bool(data.get(discuss_name(behaviour))),
            )
            if mark.choice or mark.discuss:
                marks[mark_key(behaviour)] = mark
        return marks


def read(data, version: DeckVersion, behaviours: list[Behaviour]) -> tuple[dict, list[str]]:
    """The marks in posted data (a QueryDict) and what could not be read; ({}, []) for none."""
    if data is None:
        return {}, []
    form = PreparationForm(data, version=version, behaviours=behaviours)
    marks = form.marks()
    return marks, form.problems()


def carried_fields(marks: dict[str, Mark], behaviours, except_principle=None) -> list[tuple]:
    """(name, value) of the hidden fields that carry the marks of the other cards along."""
    fields = []
    for behaviour in behaviours:
        if except_principle is not None and behaviour.principle_id == except_principle.pk:
            continue
        mark = marks.get(mark_key(behaviour))
        if mark is None:
            continue
        if mark.choice:
            fields.append((choice_name(behaviour), mark.choice))
        if mark.discuss:
            fields.append((discuss_name(behaviour), "on"))
    return fields


def card_form(version, behaviours, principle: Principle, marks) -> PreparationForm:
    """An unbound form with one card's fields, showing the marks given."""
    own = [b for b in behaviours if b.principle_id == principle.pk]
    initial = {}
    for behaviour in own:
        mark = marks.get(mark_key(behaviour), Mark())
        initial[choice_name(behaviour)] = mark.choice or None
        initial[discuss_name(behaviour)] = mark.discuss
    return PreparationForm(initial=initial, version=version, behaviours=own)


@dataclass
class Row:
    behaviour: Behaviour
    key: str
    mark: Mark | None

    @property
    def for_leaders(self) -> bool:
        return self.behaviour.audience == Audience.LEADERS


@dataclass
class CardPicture:
    principle: Principle
    rows: list[Row]
    counts: Counts = field(default_factory=Counts)

    @property
    def marked(self) -> bool:
        return any(row.mark for row in self.rows)


def picture(version, behaviours, marks: dict[str, Mark]) -> list[CardPicture]:
    """Per card: each behaviour with its mark (or None) and the counts of the marks."""
    cards: dict[int, CardPicture] = {}
    for behaviour in behaviours:
        card = cards.setdefault(behaviour.principle_id, CardPicture(behaviour.principle, []))
        mark = marks.get(mark_key(behaviour))
        card.rows.append(Row(behaviour, mark_key(behaviour), mark))
        if mark:
            if mark.choice:
                setattr(card.counts, mark.choice, getattr(card.counts, mark.choice) + 1)
            card.counts.discuss += mark.discuss
    return list(cards.values())

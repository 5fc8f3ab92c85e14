"""Rode draden: the facilitator groups the discussion's notes into named themes.

Like services.py, every change is one transaction with its live event. Themes and notes are
shown without any author; hidden notes never leave the facilitator's own screen. Nothing is
lost: deleting or merging a theme only ungroups or moves its notes.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import transaction
from django.utils.translation import gettext as _

from . import events
from .models import THEME_NAME_MAX_LENGTH, Gesprek, Note, Step, Theme
from .services import MeetingError

THEMES = events.THEMES_REGION
MAX_ID = 2**63 - 1  # ids from addresses and forms beyond this cannot exist (nor be looked up)


@dataclass
class ThemeView:
    id: int
    name: str
    notes: list[str] = field(default_factory=list)  # note texts, never an author


def themes_of(gesprek: Gesprek, *, include_hidden_notes: bool = False) -> list[ThemeView]:
    """The gesprek's rode draden with the text of their notes, in the order they were made."""
    themes = {t.pk: ThemeView(t.pk, t.name) for t in Theme.objects.filter(gesprek=gesprek)}
    archive = gesprek.archived()
    if archive is not None:  # the notes went (retention); their visible texts were kept
        for theme_id, texts in archive.theme_notes.items():
            if int(theme_id) in themes:
                themes[int(theme_id)].notes.extend(texts)
        return list(themes.values())
    notes = Note.objects.filter(gesprek=gesprek, theme__isnull=False)
    if not include_hidden_notes:
        notes = notes.filter(hidden=False)
    for theme_id, text in notes.values_list("theme_id", "text"):
        themes[theme_id].notes.append(text)
    return list(themes.values())


def shown_themes(gesprek: Gesprek) -> list[ThemeView]:
    """`themes_of` as the screens show it: once per state of the gesprek, for all of them (the
    control page, the presenter and the participants' pages each show the rode draden)."""
    from .screens import once_per_state

    return once_per_state(gesprek, "themes", lambda: themes_of(gesprek))


# --- the facilitator's grouping page -------------------------------------------------------


@dataclass
class GroupingNote:
    id: int
    text: str
    question: int
    hidden: bool


@dataclass
class GroupingTheme:
    id: int
    name: str
    notes: list[GroupingNote] = field(default_factory=list)


@dataclass
class Grouping:
    themes: list[GroupingTheme]
    ungrouped: list[GroupingNote]


def grouping_of(gesprek: Gesprek) -> Grouping:
    """Every note of every question, in its theme or ungrouped, hidden ones marked: what the
    facilitator works with. Like everywhere else, without the author."""
    themes = {t.pk: GroupingTheme(t.pk, t.name) for t in Theme.objects.filter(gesprek=gesprek)}
    ungrouped = []
    rows = Note.objects.filter(gesprek=gesprek).values_list(
        "pk", "text", "question", "hidden", "theme_id"
    )
    for pk, text, question, hidden, theme_id in rows:
        note = GroupingNote(pk, text, question, hidden)
        (themes[theme_id].notes if theme_id else ungrouped).append(note)
    return Grouping(list(themes.values()), ungrouped)


# --- changes -------------------------------------------------------------------------------


def _open_for_themes(gesprek: Gesprek) -> Gesprek:
    locked = Gesprek.objects.select_for_update().get(pk=gesprek.pk)
    if locked.step == Step.CLOSED:
        raise MeetingError(_("This gesprek has ended. Themes can no longer be changed."))
    if locked.step != Step.DISCUSSION:
        raise MeetingError(_("Themes can be made during the discussion."))
    return locked


def _clean_name(gesprek: Gesprek, name: str, *, keep: Iterable[Theme] = ()) -> str:
    """A valid, unused name; the themes in `keep` may already carry it (renaming, merging)."""
    name = " ".join((name or "").split())
    if not name:
        raise MeetingError(_("The theme has no name. Give it a short name."))
    if len(name) > THEME_NAME_MAX_LENGTH:
        raise MeetingError(
            _("The name has %(n)s characters; at most %(max)s fit. Make it shorter.")
            % {"n": len(name), "max": THEME_NAME_MAX_LENGTH}
        )
    taken = Theme.objects.filter(gesprek=gesprek, name__iexact=name).exclude(
        pk__in=[theme.pk for theme in keep]
    )
    if taken.exists():
        raise MeetingError(
            _("There is already a theme called “%(name)s”. Choose another name.") % {"name": name}
        )
    return name


def _theme(gesprek: Gesprek, theme_id: int) -> Theme:
    theme = (
        Theme.objects.filter(pk=theme_id, gesprek=gesprek).first() if theme_id <= MAX_ID else None
    )
    if theme is None:
        raise MeetingError(_("This theme does not exist (any more). Reload the page."))
    return theme


def _notes(gesprek: Gesprek, note_ids: Iterable[int]):
    ids = set(note_ids)
    notes = Note.objects.filter(gesprek=gesprek, pk__in=ids)
    if any(pk > MAX_ID for pk in ids) or notes.count() != len(ids):
        raise MeetingError(_("One of these notes does not exist (any more). Reload the page."))
    return notes


@transaction.atomic
def create_theme(gesprek: Gesprek, name: str, note_ids: Iterable[int] = ()) -> Theme:
    """A new theme, with the given notes moved into it straight away."""
    locked = _open_for_themes(gesprek)
    notes = _notes(locked, note_ids)
    theme = Theme.objects.create(gesprek=locked, name=_clean_name(locked, name))
    notes.update(theme=theme)
    events.regions_changed(locked, THEMES)
    return theme


@transaction.atomic
def rename_theme(gesprek: Gesprek, theme_id: int, name: str) -> Theme:
    locked = _open_for_themes(gesprek)
    theme = _theme(locked, theme_id)
    theme.name = _clean_name(locked, name, keep=[theme])
    theme.save(update_fields=["name"])
    events.regions_changed(locked, THEMES)
    return theme


@transaction.atomic
def move_note(gesprek: Gesprek, note_id: int, theme_id: int | None) -> None:
    """Put a note into a theme, move it to another, or (None) take it out of its theme."""
    locked = _open_for_themes(gesprek)
    theme = _theme(locked, theme_id) if theme_id is not None else None
    _notes(locked, [note_id]).update(theme=theme)
    events.regions_changed(locked, THEMES)


@transaction.atomic
def merge_themes(gesprek: Gesprek, theme_id: int, other_id: int, name: str = "") -> Theme:
    """The notes of `other_id` join `theme_id`, which keeps its name unless a new one is given;
    the other theme goes."""
    locked = _open_for_themes(gesprek)
    theme, other = _theme(locked, theme_id), _theme(locked, other_id)
    if theme.pk == other.pk:
        raise MeetingError(_("Choose another theme to merge with."))
    if (name or "").strip():
        theme.name = _clean_name(locked, name, keep=[theme, other])
    Note.objects.filter(theme=other).update(theme=theme)
    other.delete()
    theme.save(update_fields=["name"])  # after the delete: the other may have had this name
    events.regions_changed(locked, THEMES)
    return theme


@transaction.atomic
def split_theme(gesprek: Gesprek, theme_id: int, note_ids: Iterable[int], name: str) -> Theme:
    """The chosen notes of a theme go to a new theme called `name`."""
    locked = _open_for_themes(gesprek)
    theme = _theme(locked, theme_id)
    notes = _notes(locked, note_ids)
    if not notes.exists():
        raise MeetingError(_("Tick the notes that go to the new theme first."))
    if notes.exclude(theme=theme).exists():
        raise MeetingError(_("Only notes of this theme can be split off."))
    new = Theme.objects.create(gesprek=locked, name=_clean_name(locked, name))
    notes.update(theme=new)
    events.regions_changed(locked, THEMES)
    return new


@transaction.atomic
def delete_theme(gesprek: Gesprek, theme_id: int) -> None:
    """The theme goes; its notes stay, without a theme."""
    locked = _open_for_themes(gesprek)
    theme = _theme(locked, theme_id)
    Note.objects.filter(theme=theme).update(theme=None)
    theme.delete()
    events.regions_changed(locked, THEMES)

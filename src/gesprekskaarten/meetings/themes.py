"""Rode draden: the facilitator groups the discussion's notes into named themes.

Like services.py, every change is one transaction with its live event. Themes and notes are
shown without any author; hidden notes never leave the facilitator's own screen.
"""

from dataclasses import dataclass, field

from .models import Gesprek, Note, Theme

THEMES = "gk-themes"  # the page region that shows the themes


@dataclass
class ThemeView:
    id: int
    name: str
    notes: list[str] = field(default_factory=list)  # note texts, never an author


def themes_of(gesprek: Gesprek, *, include_hidden_notes: bool = False) -> list[ThemeView]:
    """The gesprek's rode draden with the text of their notes, in the order they were made."""
    themes = {t.pk: ThemeView(t.pk, t.name) for t in Theme.objects.filter(gesprek=gesprek)}
    notes = Note.objects.filter(gesprek=gesprek, theme__isnull=False)
    if not include_hidden_notes:
        notes = notes.filter(hidden=False)
    for theme_id, text in notes.values_list("theme_id", "text"):
        themes[theme_id].notes.append(text)
    return list(themes.values())

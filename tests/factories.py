"""Small builders for deck documents used across the tests."""

import copy
from importlib import resources

import yaml

DEFAULT_DECK_FILE = resources.files("gesprekskaarten.decks") / "data" / "ambtelijk-vakmanschap.yaml"


def default_deck_text() -> str:
    return DEFAULT_DECK_FILE.read_text(encoding="utf-8")


def default_deck_data() -> dict:
    return yaml.safe_load(default_deck_text())


def text(nl: str, en: str | None = None) -> dict:
    return {"nl": nl, "en": en if en is not None else f"{nl} (en)"}


def minimal_deck(slug: str = "test-deck", principles: int = 2, behaviours: int = 2) -> dict:
    """A small valid deck document."""
    return {
        "schema_version": 1,
        "slug": slug,
        "version": "1.0",
        "languages": ["nl", "en"],
        "default_language": "nl",
        "title": text("Testkaarten"),
        "intro": text("Een kleine set om mee te testen."),
        "source": {
            "title": text("Testbron"),
            "publisher": text("Testuitgever"),
            "url": "https://example.org/bron",
        },
        "licence": text("Vrij te gebruiken."),
        "translations": {"en": text("Onofficiële vertaling.", "Unofficial translation.")},
        "help": {"email": "hulp@example.org", "text": text("Hulp nodig?")},
        "method": {
            "title": text("Zo werkt het"),
            "text": text("Neem de kaarten mee."),
            "questions_intro": text("Stel deze vragen:"),
            "questions": [text("Wat zien we?"), text("Wat gaan we doen?")],
            "closing": text("Maak afspraken."),
        },
        "behaviour_question": text("Welk gedrag past hierbij?"),
        "leaders_heading": text("Specifiek voor leidinggevenden"),
        "principles": [
            {
                "slug": f"principe-{p}",
                "title": text(f"Principe {p}"),
                "values": [text(f"waarde {p}a"), text(f"waarde {p}b")],
                "behaviours": {
                    "everyone": [
                        {"key": f"e{b}", "text": text(f"Gedrag {p}.{b}")}
                        for b in range(1, behaviours + 1)
                    ],
                    "leaders": [{"key": "l1", "text": text(f"Leidinggevende {p}")}],
                },
            }
            for p in range(1, principles + 1)
        ],
        "changelog": [
            {"version": "1.0", "date": "2026-11-29", "changes": [text("Eerste versie.")]}
        ],
    }


def dump(document: dict) -> str:
    return yaml.safe_dump(copy.deepcopy(document), allow_unicode=True, sort_keys=False)

"""Small builders for deck documents used across the tests."""

import copy
import itertools
import uuid
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


# --- gesprekken ----------------------------------------------------------------------------


_serial = itertools.count(1)


def make_organisation(name=None):
    from gesprekskaarten.organisations.services import create_organisation

    # A slug of its own: tests that build data in other processes count from 1 as well.
    return create_organisation(
        name or f"Organisatie {next(_serial)}", f"organisatie-{uuid.uuid4().hex[:12]}"
    )


def make_facilitator(username=None, team_name=None, organisation=None):
    """A new account that facilitates a new team (of a new organisation unless one is given)."""
    from django.contrib.auth import get_user_model

    from gesprekskaarten.teams.services import add_facilitator, create_team

    number = next(_serial)
    username = username or f"facilitator{number}"
    team_name = team_name or f"Team {number}"
    user = get_user_model().objects.create_user(username=username, password="a-Long-pass-123")
    team = create_team(team_name, organisation=organisation or make_organisation())
    add_facilitator(team, user)
    return user, team


def make_gesprek(team=None, user=None, cards=2, threshold=3, audience="both", step=None):
    from gesprekskaarten.decks.services import default_deck_version
    from gesprekskaarten.meetings import services

    if team is None:
        user, team = make_facilitator()
    version = default_deck_version()
    gesprek = services.create_gesprek(
        team=team,
        user=user,
        principles=list(version.principles.order_by("order")[:cards]),
        audience=audience,
        threshold=threshold,
    )
    if step:
        for next_step in {"marking": ["marking"], "results": ["marking", "results"]}[step]:
            gesprek = services.set_step(gesprek, next_step)
    return gesprek

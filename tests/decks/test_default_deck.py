"""Pin the structure of the bundled deck 'ambtelijk-vakmanschap' to the source text.

The expected values below were counted by hand from the Gids Ambtelijk Vakmanschap
conversation cards (PDF-to-text dump). If the deck file changes, these tests say where.
"""

import importlib.resources

import pytest
import yaml

DECK_FILE = "ambtelijk-vakmanschap.yaml"

TOP_LEVEL_KEYS = [
    "schema_version",
    "slug",
    "version",
    "languages",
    "default_language",
    "title",
    "intro",
    "source",
    "licence",
    "translations",
    "help",
    "method",
    "behaviour_question",
    "leaders_heading",
    "principles",
    "changelog",
]

# slug, Dutch title, Dutch values, number of "everyone" and "leaders" behaviours
PRINCIPLES = [
    (
        "vertrouwen",
        "Werken vanuit vertrouwen",
        ["integer", "open", "inclusief"],
        9,
        9,
    ),
    (
        "dienstbaarheid",
        "Werken vanuit dienstbaarheid",
        ["behoorlijk", "toegankelijk", "dienstverlenend"],
        7,
        8,
    ),
    (
        "legitimiteit",
        "Werken vanuit legitimiteit",
        ["rechtmatig", "rechtvaardig"],
        6,
        5,
    ),
    (
        "opgave",
        "Werken vanuit de opgave",
        ["grenzeloos samenwerken", "mensgericht"],
        7,
        8,
    ),
    (
        "verantwoordelijkheid",
        "Werken vanuit verantwoordelijkheid",
        ["doelgericht", "doelmatig", "aanspreekbaar"],
        8,
        6,
    ),
    (
        "verantwoording",
        "Werken vanuit verantwoording",
        ["navolgbaar", "transparant"],
        5,
        3,
    ),
    (
        "professionaliteit",
        "Werken vanuit professionaliteit",
        ["vakkundig", "kritisch", "verbeteringsgericht"],
        7,
        11,
    ),
]

QUESTIONS_NL = [
    "Welk gedrag herkennen we en speelt bij ons op de werkvloer?",
    "Hoe ziet dat er bij ons precies uit?",
    "Wat ontbreekt? Is dat erg?",
    "Zo ja, wat belemmert ons om het te laten zien/te doen?",
    "Wat valt op? Wat zijn de rode draden?",
    "Wat betekent dit voor ons? Wat gaat goed, wat kan beter?",
    "Wat wordt er van onze leidinggevende(n) verwacht?",
    "Waar gaan we aan werken?",
    "Hoe geven we hier een vervolg aan?",
]

AUDIENCE_PREFIXES = [("everyone", "e"), ("leaders", "l")]


@pytest.fixture(scope="module")
def deck():
    resource = importlib.resources.files("gesprekskaarten.decks") / "data" / DECK_FILE
    with resource.open("r", encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def principle_by_slug(deck, slug):
    matches = [p for p in deck["principles"] if p["slug"] == slug]
    assert len(matches) == 1, f"expected exactly one principle {slug!r}"
    return matches[0]


def translatable_mappings(node, path=""):
    """Yield (path, mapping) for every mapping that holds an 'nl' or 'en' key.

    The top-level 'translations' mapping is keyed by language but is not a text itself.
    """
    if isinstance(node, dict):
        if ("nl" in node or "en" in node) and path != "translations":
            yield path, node
        for key, value in node.items():
            yield from translatable_mappings(value, f"{path}.{key}" if path else str(key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from translatable_mappings(value, f"{path}[{index}]")


def all_behaviours(deck):
    for principle in deck["principles"]:
        for audience, _prefix in AUDIENCE_PREFIXES:
            for behaviour in principle["behaviours"][audience]:
                yield principle["slug"], audience, behaviour


# --- document header ------------------------------------------------------------------------


def test_top_level_keys(deck):
    assert list(deck) == TOP_LEVEL_KEYS


def test_header(deck):
    assert deck["schema_version"] == 1
    assert deck["slug"] == "ambtelijk-vakmanschap"
    assert deck["version"] == "1.0"
    assert deck["languages"] == ["nl", "en"]
    assert deck["default_language"] == "nl"
    assert deck["title"]["nl"] == "Ambtelijk Vakmanschap: gedrag op de werkvloer"


def test_intro_is_one_paragraph(deck):
    intro = deck["intro"]["nl"]
    assert intro.startswith("In de Gids Ambtelijk Vakmanschap vind je zeven principes")
    assert intro.endswith("En welk gedrag zou je graag bespreekbaar willen maken?")
    assert "\n" not in intro
    assert "  " not in intro


def test_source(deck):
    assert deck["source"]["title"]["nl"] == "Gids Ambtelijk Vakmanschap"
    assert deck["source"]["publisher"]["nl"] == "Rijksoverheid"
    assert deck["source"]["url"] == (
        "https://www.grenzeloossamenwerken.nl/ambtelijk-vakmanschap/gids-ambtelijk-vakmanschap"
    )


def test_help(deck):
    assert deck["help"]["email"] == "grenzeloossamenwerken@rijksoverheid.nl"
    assert deck["help"]["text"]["nl"] == "Hulp nodig? Vragen?"


# --- method card ----------------------------------------------------------------------------


def test_method(deck):
    method = deck["method"]
    assert list(method) == ["title", "text", "questions_intro", "questions", "closing"]
    assert method["title"]["nl"] == "Hoe kun je de gesprekskaarten gebruiken?"
    assert method["text"]["nl"] == "Neem de kaarten mee naar je (team)overleg."
    assert method["questions_intro"]["nl"] == "Stel bijvoorbeeld de volgende vragen:"
    assert method["closing"]["nl"] == "Maak hier concrete afspraken over."


def test_method_questions_in_order(deck):
    assert [q["nl"] for q in deck["method"]["questions"]] == QUESTIONS_NL


def test_card_headings(deck):
    assert deck["behaviour_question"]["nl"] == "Welk gedrag past hierbij?"
    assert deck["leaders_heading"]["nl"] == "Specifiek voor leidinggevenden"


# --- principles -----------------------------------------------------------------------------


def test_principles_in_order(deck):
    assert [p["slug"] for p in deck["principles"]] == [row[0] for row in PRINCIPLES]
    assert [p["title"]["nl"] for p in deck["principles"]] == [row[1] for row in PRINCIPLES]


@pytest.mark.parametrize(
    ("slug", "title", "values", "n_everyone", "n_leaders"),
    PRINCIPLES,
    ids=[row[0] for row in PRINCIPLES],
)
def test_principle(deck, slug, title, values, n_everyone, n_leaders):
    principle = principle_by_slug(deck, slug)
    assert list(principle) == ["slug", "title", "values", "behaviours"]
    assert principle["title"]["nl"] == title
    assert [v["nl"] for v in principle["values"]] == values
    assert list(principle["behaviours"]) == ["everyone", "leaders"]
    assert len(principle["behaviours"]["everyone"]) == n_everyone
    assert len(principle["behaviours"]["leaders"]) == n_leaders


def test_behaviour_totals(deck):
    everyone = sum(len(p["behaviours"]["everyone"]) for p in deck["principles"])
    leaders = sum(len(p["behaviours"]["leaders"]) for p in deck["principles"])
    assert (everyone, leaders) == (49, 50)


@pytest.mark.parametrize("slug", [row[0] for row in PRINCIPLES])
@pytest.mark.parametrize(("audience", "prefix"), AUDIENCE_PREFIXES)
def test_behaviour_keys_are_numbered_in_order(deck, slug, audience, prefix):
    behaviours = principle_by_slug(deck, slug)["behaviours"][audience]
    assert [b["key"] for b in behaviours] == [f"{prefix}{i}" for i in range(1, len(behaviours) + 1)]
    assert all(list(b) == ["key", "text"] for b in behaviours)


def test_behaviour_texts_are_clean(deck):
    problems = []
    for slug, audience, behaviour in all_behaviours(deck):
        for language in ("nl", "en"):
            text = behaviour["text"][language]
            where = f"{slug}.{audience}.{behaviour['key']}.{language}"
            if text.startswith("- "):
                problems.append(f"{where}: starts with a bullet")
            if "  " in text:
                problems.append(f"{where}: contains a double space")
            if "\n" in text or "\r" in text:
                problems.append(f"{where}: contains a line break")
            if text != text.strip():
                problems.append(f"{where}: has leading or trailing whitespace")
    assert problems == []


def test_behaviour_texts_are_unique(deck):
    texts = [behaviour["text"]["nl"] for _slug, _audience, behaviour in all_behaviours(deck)]
    assert len(texts) == len(set(texts))


# --- translations ---------------------------------------------------------------------------


def test_every_translatable_text_has_nl_and_en(deck):
    problems = []
    found = 0
    for path, mapping in translatable_mappings(deck):
        found += 1
        if set(mapping) != {"nl", "en"}:
            problems.append(f"{path}: keys are {sorted(mapping)}, expected ['en', 'nl']")
            continue
        for language in ("nl", "en"):
            value = mapping[language]
            if not isinstance(value, str) or not value.strip():
                problems.append(f"{path}.{language}: empty or not text")
    assert problems == []
    # title, intro, source title and publisher, licence, translations.en, help.text, four
    # method texts, behaviour_question, leaders_heading, nine questions, seven principle
    # titles, all values, all behaviours and every changelog entry.
    values = sum(len(p["values"]) for p in deck["principles"])
    changes = sum(len(entry["changes"]) for entry in deck["changelog"])
    expected = 1 + 1 + 2 + 1 + 1 + 1 + 4 + 2 + 9 + 7 + values + 49 + 50 + changes
    assert found == expected


def test_translation_note(deck):
    assert list(deck["translations"]) == ["en"]
    assert deck["translations"]["en"]["nl"].endswith("De Nederlandse tekst is leidend.")


# --- changelog ------------------------------------------------------------------------------


def test_changelog(deck):
    assert len(deck["changelog"]) == 1
    entry = deck["changelog"][0]
    assert list(entry) == ["version", "date", "changes"]
    assert entry["version"] == "1.0"
    assert entry["date"] == "2026-11-29"
    assert entry["changes"], "every text fix must be logged"
    assert any("rijkssoverheid" in change["nl"] for change in entry["changes"])

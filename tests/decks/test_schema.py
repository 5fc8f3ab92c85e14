"""Deck file validation: every problem named with file, line and path."""

import pytest

from gesprekskaarten.decks.schema import DeckFileError, load_file, load_text
from tests.factories import default_deck_text, dump, minimal_deck


def problems_of(text: str) -> list[str]:
    with pytest.raises(DeckFileError) as caught:
        load_text(text, "deck.yaml")
    return str(caught.value).splitlines()


def test_shipped_deck_is_valid():
    deck = load_text(default_deck_text(), "ambtelijk-vakmanschap.yaml")
    assert deck["slug"] == "ambtelijk-vakmanschap"
    assert len(deck["principles"]) == 7


def test_minimal_deck_is_valid_and_normalised():
    document = minimal_deck()
    document["principles"][0]["title"]["nl"] = "  Principe 1  "
    deck = load_text(dump(document))
    assert deck["principles"][0]["title"]["nl"] == "Principe 1"


def test_empty_text_names_path_and_line():
    document = minimal_deck()
    document["principles"][1]["behaviours"]["leaders"][0]["text"]["nl"] = ""
    text = dump(document)
    expected_line = next(
        number
        for number, line in enumerate(text.splitlines(), start=1)
        if line.strip() == "nl: ''" or line.strip() == 'nl: ""'
    )
    assert problems_of(text) == [
        f"deck.yaml:{expected_line}: principles[1].behaviours.leaders[0].text.nl: text is empty"
    ]


def test_missing_translation_is_an_error():
    document = minimal_deck()
    del document["method"]["questions"][1]["en"]
    (problem,) = problems_of(dump(document))
    assert problem.endswith("method.questions[1].en: missing translation")


def test_unknown_keys_and_languages_are_errors():
    document = minimal_deck()
    document["colour"] = "blue"
    document["title"]["de"] = "Testkarten"
    problems = problems_of(dump(document))
    assert any(p.endswith(": colour: unknown key") for p in problems)
    assert any(p.endswith(": title.de: language is not listed in 'languages'") for p in problems)


def test_duplicate_slugs_and_keys_are_errors():
    document = minimal_deck()
    document["principles"][1]["slug"] = "principe-1"
    document["principles"][0]["behaviours"]["leaders"][0]["key"] = "e1"
    problems = problems_of(dump(document))
    assert any("principles[1].slug: duplicate slug 'principe-1'" in p for p in problems)
    assert any("principles[0].behaviours.leaders[0].key: duplicate key 'e1'" in p for p in problems)


def test_duplicate_yaml_key_is_an_error_with_its_line():
    text = dump(minimal_deck()).replace("slug: test-deck\n", "slug: test-deck\nslug: other\n", 1)
    line = text.splitlines().index("slug: other") + 1
    assert problems_of(text) == [f"deck.yaml:{line}: slug: duplicate key"]


def test_all_problems_are_reported_at_once():
    document = minimal_deck()
    del document["help"]
    document["principles"][0]["values"] = []
    document["version"] = 1.0
    problems = problems_of(dump(document))
    assert len(problems) == 3
    assert any(p.endswith(": help: is missing") for p in problems)
    assert any(p.endswith("principles[0].values: needs at least 1 item") for p in problems)
    assert any(p.endswith(": version: must be text (put it in quotes)") for p in problems)


def test_reserved_and_invalid_slugs():
    document = minimal_deck()
    document["principles"][0]["slug"] = "zo-gebruik-je-de-kaarten"
    document["principles"][1]["slug"] = "Met Spaties"
    problems = problems_of(dump(document))
    assert any("is reserved for the method page" in p for p in problems)
    assert any("principles[1].slug: 'Met Spaties' is not valid" in p for p in problems)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "deck.yaml: (document): the file is empty"),
        ("slug: [unclosed", "deck.yaml:2: (document): not valid YAML"),
        ("- just\n- a list\n", "deck.yaml:1: (document): must be a mapping (key: value)"),
    ],
)
def test_broken_files(text, message):
    assert problems_of(text)[0].startswith(message)


def test_oversized_text_is_refused():
    document = minimal_deck()
    document["principles"][0]["behaviours"]["everyone"][0]["text"]["en"] = "x" * 1001
    (problem,) = problems_of(dump(document))
    assert "principles[0].behaviours.everyone[0].text.en: text is 1001 characters" in problem


def test_load_file_reports_unreadable_and_non_utf8(tmp_path):
    with pytest.raises(DeckFileError, match="cannot read the file"):
        load_file(tmp_path / "missing.yaml")
    latin1 = tmp_path / "latin1.yaml"
    latin1.write_bytes("title: caf\xe9".encode("latin-1"))
    with pytest.raises(DeckFileError, match="not UTF-8"):
        load_file(latin1)


def test_json_is_accepted(tmp_path):
    import json

    path = tmp_path / "deck.json"
    path.write_text(json.dumps(minimal_deck(), ensure_ascii=False), encoding="utf-8")
    assert load_file(path)["slug"] == "test-deck"

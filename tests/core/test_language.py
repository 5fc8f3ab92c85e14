"""The interface texts keep the writing rules of docs/language.md: the Dutch speaks to the
reader as "je", uses the glossary's one word for one thing, has one message per sentence and
Dutch quotation marks; the English calls a gesprek a gesprek.

Read from the compiled catalogue (what the site shows), so a text that slips past review
fails here.
"""

import gettext
import re
from pathlib import Path

import pytest

import gesprekskaarten

LOCALE = Path(gesprekskaarten.__file__).parent / "locale"
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|\{\w+\}")

# A word and the glossary's word for the same thing (docs/language.md, "The rules").
RIVALS = {
    r"\bu\b|\buw\b": "je (the product never says u)",
    r"\bopslaan\b|\bopgeslagen\b": "bewaren / bewaard",
    r"\bgedeelde? scherm\b": "presentatiescherm",
    r"\bmaximaal\b|\bhoogstens\b": "hooguit",
    r"\bminimaal\b": "minstens",
    r"\buitslag\b": "uitkomst",
    r"\brapport(en)?\b": "verslag",
    r"\bteamgesprek": "gesprek",
    r"\bgesprek over de vragen\b": "bespreken",
}
# The one place that explains the word once: what the presenter screen is for.
EXPLAINS = {"Open the presenter screen (for a projector or shared screen)"}


def catalogue(language):
    with (LOCALE / language / "LC_MESSAGES" / "django.mo").open("rb") as mo:
        entries = gettext.GNUTranslations(mo)._catalog
    texts = {}
    for key, text in entries.items():
        msgid = key[0] if isinstance(key, tuple) else key
        if msgid:  # not the header
            texts.setdefault(msgid, []).append(text)
    return texts


DUTCH = catalogue("nl")


def test_the_catalogue_is_the_whole_interface():
    assert len(DUTCH) > 1000  # a broken path would make every test below pass on nothing
    assert DUTCH["Save"] == ["Bewaar"]


@pytest.mark.parametrize(("pattern", "word"), RIVALS.items(), ids=list(RIVALS.values()))
def test_one_word_for_one_thing(pattern, word):
    found = [
        text
        for msgid, texts in DUTCH.items()
        if msgid not in EXPLAINS
        for text in texts
        if re.search(pattern, PLACEHOLDER.sub("", text), re.IGNORECASE)
    ]
    assert found == [], f"use {word}"


def test_one_message_per_sentence_no_semicolons():
    # A list item of a sentence ("Als je het gesprek beëindigt: … ;") may end in one.
    found = [
        text
        for texts in DUTCH.values()
        for text in texts
        if ";" in PLACEHOLDER.sub("", text).rstrip(";")
    ]
    assert found == []


def test_dutch_quotation_marks():
    found = [text for texts in DUTCH.values() for text in texts if re.search("[“”]", text)]
    assert found == []


def test_english_calls_a_gesprek_a_gesprek():
    found = [
        msgid
        for msgid in DUTCH
        if re.search(r"\b(team session|meetings?|dialogues?)\b|\bthe session\b", msgid, re.I)
    ]
    assert found == []

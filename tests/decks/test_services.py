"""Importing and exporting decks in the database."""

import copy

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gesprekskaarten.decks import services
from gesprekskaarten.decks.models import Behaviour, Deck, DeckVersion
from gesprekskaarten.decks.schema import DeckFileError, load_text
from tests.factories import default_deck_data, dump, minimal_deck

pytestmark = pytest.mark.django_db


def import_document(document: dict):
    return services.import_deck(load_text(dump(document)))


def test_default_deck_is_loaded_by_migrations():
    version = services.default_deck_version()
    assert version is not None
    assert version.principles.count() == 7
    assert version.questions.count() == 9
    everyone = Behaviour.objects.filter(principle__deck_version=version, audience="everyone")
    leaders = Behaviour.objects.filter(principle__deck_version=version, audience="leaders")
    assert (everyone.count(), leaders.count()) == (49, 50)


def test_default_deck_in_database_equals_the_file():
    exported = services.export_deck(services.default_deck_version())
    assert exported == load_text(dump(default_deck_data()))


def test_import_is_idempotent():
    first, created = import_document(minimal_deck())
    again, created_again = import_document(minimal_deck())
    assert created and not created_again
    assert first.pk == again.pk
    assert DeckVersion.objects.filter(deck__slug="test-deck").count() == 1


def test_changed_file_becomes_new_version_and_keeps_the_old_one():
    old, _ = import_document(minimal_deck())
    changed = minimal_deck()
    changed["principles"][0]["behaviours"]["everyone"][0]["text"]["nl"] = "Nieuw gedrag"
    new, created = import_document(changed)
    assert created
    assert (old.number, new.number) == (1, 2)
    assert services.latest_version("test-deck") == new
    old_text = old.principles.get(order=1).behaviours.get(key="e1").text["nl"]
    assert old_text == "Gedrag 1.1"


def test_bad_file_imports_nothing(tmp_path):
    document = minimal_deck(slug="broken-deck")
    document["principles"][1]["title"]["en"] = ""
    path = tmp_path / "broken.yaml"
    path.write_text(dump(document), encoding="utf-8")
    with pytest.raises(DeckFileError):
        services.import_deck_file(path)
    assert not Deck.objects.filter(slug="broken-deck").exists()


def test_failure_halfway_rolls_back_everything(monkeypatch):
    """A crash after some rows were written leaves no partial deck behind."""

    def explode(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(Behaviour.objects, "bulk_create", explode)
    with pytest.raises(RuntimeError):
        import_document(minimal_deck(slug="half-deck"))
    assert not Deck.objects.filter(slug="half-deck").exists()
    assert not DeckVersion.objects.filter(deck__slug="half-deck").exists()


def test_export_validate_import_yields_the_same_deck():
    version = services.default_deck_version()
    exported = services.export_deck(version)
    reimported, created = services.import_deck(load_text(dump(exported)))
    assert not created
    assert reimported == version


# --- property-based round trip -------------------------------------------------------------

plain_text = (
    st.text(
        alphabet=st.characters(codec="utf-8", categories=["L", "N", "P", "Zs"]),
        min_size=1,
        max_size=40,
    )
    .map(str.strip)
    .filter(bool)
)
translated = st.fixed_dictionaries({"nl": plain_text, "en": plain_text})
slugs = st.from_regex(r"[a-z][a-z0-9]{0,8}(-[a-z0-9]{1,5}){0,2}", fullmatch=True)


@st.composite
def decks(draw):
    document = minimal_deck(slug=draw(slugs))
    document["title"] = draw(translated)
    document["method"]["questions"] = draw(st.lists(translated, min_size=1, max_size=4))
    principle_slugs = draw(
        st.lists(slugs.filter(lambda s: s != "zo-gebruik-je-de-kaarten"), min_size=1, max_size=4,
                 unique=True)
    )  # fmt: skip
    document["principles"] = [
        {
            "slug": slug,
            "title": draw(translated),
            "values": draw(st.lists(translated, min_size=1, max_size=3)),
            "behaviours": {
                audience: [
                    {"key": f"{audience[0]}{i}", "text": text}
                    for i, text in enumerate(
                        draw(st.lists(translated, min_size=minimum, max_size=4)), start=1
                    )
                ]
                for audience, minimum in (("everyone", 1), ("leaders", 0))
            },
        }
        for slug in principle_slugs
    ]
    return document


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(document=decks())
def test_round_trip_export_import_export(document):
    version, _ = services.import_deck(load_text(dump(document)))
    exported = services.export_deck(version)
    assert exported == load_text(dump(copy.deepcopy(document)))
    again, created = services.import_deck(load_text(dump(exported)))
    assert not created
    assert services.export_deck(again) == exported

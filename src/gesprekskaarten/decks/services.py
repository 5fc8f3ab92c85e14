"""Deck services: import, export and lookup. Other apps use these, not the models' internals."""

import hashlib
import json
import logging
from importlib import resources
from pathlib import Path

from django.conf import settings
from django.db import transaction

from . import schema
from .models import Audience, Behaviour, Deck, DeckVersion, GuidingQuestion, Principle

logger = logging.getLogger(__name__)

BUNDLED_DECKS = resources.files("gesprekskaarten.decks") / "data"
METHOD_KEYS = ("title", "text", "questions_intro", "questions", "closing")  # file order


def content_hash(deck: dict) -> str:
    """Hash of the normalised deck: equal content, equal hash, however the file was laid out."""
    canonical = json.dumps(deck, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@transaction.atomic
def import_deck(deck: dict, source_file: str = "") -> tuple[DeckVersion, bool]:
    """Store a validated deck. Returns (version, created).

    Importing the same content again changes nothing; changed content becomes a new version
    and earlier versions stay, because gesprekken point at the exact version they used.
    """
    digest = content_hash(deck)
    deck_row, _ = Deck.objects.select_for_update().get_or_create(slug=deck["slug"])
    existing = deck_row.versions.filter(content_hash=digest).first()
    if existing:
        return existing, False
    latest = deck_row.latest_version
    version = DeckVersion.objects.create(
        deck=deck_row,
        number=(latest.number + 1) if latest else 1,
        label=deck["version"],
        content_hash=digest,
        source_file=Path(source_file).name if source_file else "",
        languages=deck["languages"],
        default_language=deck["default_language"],
        title=deck["title"],
        intro=deck["intro"],
        source=deck["source"],
        licence=deck["licence"],
        translations=deck["translations"],
        help=deck["help"],
        method={key: value for key, value in deck["method"].items() if key != "questions"},
        behaviour_question=deck["behaviour_question"],
        leaders_heading=deck["leaders_heading"],
        changelog=deck["changelog"],
    )
    GuidingQuestion.objects.bulk_create(
        GuidingQuestion(deck_version=version, order=i, text=text)
        for i, text in enumerate(deck["method"]["questions"], start=1)
    )
    behaviours = []
    for order, item in enumerate(deck["principles"], start=1):
        principle = Principle.objects.create(
            deck_version=version,
            order=order,
            slug=item["slug"],
            title=item["title"],
            values=item["values"],
        )
        for audience in Audience.values:
            behaviours += [
                Behaviour(
                    principle=principle,
                    audience=audience,
                    order=i,
                    key=behaviour["key"],
                    text=behaviour["text"],
                )
                for i, behaviour in enumerate(item["behaviours"][audience], start=1)
            ]
    Behaviour.objects.bulk_create(behaviours)
    logger.info("Imported deck %s as version %s", deck["slug"], version.number)
    return version, True


def import_deck_file(path: str | Path) -> tuple[DeckVersion, bool]:
    """Validate and import a deck file; a bad file raises DeckFileError and imports nothing."""
    return import_deck(schema.load_file(path), str(path))


def export_deck(version: DeckVersion) -> dict:
    """The deck version as a document in the file format (validates and re-imports as equal)."""
    principles = []
    behaviours = Behaviour.objects.filter(principle__deck_version=version).order_by("order")
    by_principle: dict[int, list[Behaviour]] = {}
    for behaviour in behaviours:
        by_principle.setdefault(behaviour.principle_id, []).append(behaviour)
    for principle in version.principles.order_by("order"):
        own = by_principle.get(principle.pk, [])
        principles.append(
            {
                "slug": principle.slug,
                "title": principle.title,
                "values": principle.values,
                "behaviours": {
                    audience: [
                        {"key": b.key, "text": b.text} for b in own if b.audience == audience
                    ]
                    for audience in Audience.values
                },
            }
        )
    method = dict(version.method)
    method["questions"] = [q.text for q in version.questions.order_by("order")]
    return {
        "schema_version": schema.SCHEMA_VERSION,
        "slug": version.deck.slug,
        "version": version.label,
        "languages": version.languages,
        "default_language": version.default_language,
        "title": version.title,
        "intro": version.intro,
        "source": version.source,
        "licence": version.licence,
        "translations": version.translations,
        "help": version.help,
        "method": {key: method[key] for key in METHOD_KEYS},
        "behaviour_question": version.behaviour_question,
        "leaders_heading": version.leaders_heading,
        "principles": principles,
        "changelog": version.changelog,
    }


def latest_version(slug: str) -> DeckVersion | None:
    return (
        DeckVersion.objects.filter(deck__slug=slug)
        .select_related("deck")
        .order_by("-number")
        .first()
    )


def default_deck_version() -> DeckVersion | None:
    return latest_version(settings.GK_DEFAULT_DECK)


def bundled_deck_files() -> list[Path]:
    return sorted(
        Path(str(path)) for path in BUNDLED_DECKS.iterdir() if path.name.endswith(".yaml")
    )


def load_bundled_decks() -> list[tuple[DeckVersion, bool]]:
    """Import every deck shipped with the package (idempotent)."""
    return [import_deck_file(path) for path in bundled_deck_files()]


def load_bundled_decks_after_migrate(sender, using="default", **kwargs):
    """post_migrate hook: the shipped decks are always present after `migrate`."""
    if using != "default":
        return
    for version, created in load_bundled_decks():
        if created:
            logger.info("Loaded bundled deck %s version %s", version.deck.slug, version.number)

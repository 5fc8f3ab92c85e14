"""The printable card deck: a PDF with one card per principle and a card with the method.

`render_deck_pdf` builds the deck's texts (in one language) into a JSON document and lets Typst
lay it out with `typst/deck.typ`: A6 cards with the principle and its values on the front and the
behaviours on the back, or four of them on an A4 sheet with crop marks. The deck text is passed as
data, never as markup, so no character in a deck file can change the layout. Fonts (Noto Sans
and its fallbacks, shipped in `fonts/`) are embedded; a character none of them has is replaced
(pdf_text.py); the PDF is declared PDF/A-2a and PDF/UA-1, with title, language, author and
keywords.
"""

import functools
import io
import json
import logging

import segno
import typst
from django.conf import settings
from django.urls import get_script_prefix, reverse
from django.utils import translation
from django.utils.translation import gettext as _

from gesprekskaarten.decks.models import Audience, DeckVersion, localized

from .pdf_text import PdfText, replaced_note
from .typst_pdf import PDF_STANDARDS as PDF_STANDARDS  # used by bench/print_deck.py
from .typst_pdf import compile_pdf
from .typst_pdf import fonts as _fonts  # noqa: F401 - used by bench/print_deck.py

logger = logging.getLogger(__name__)

LAYOUTS = ("a6", "a4-4up")
DEFAULT_LAYOUT = "a6"
QR_COLOUR = "#001a40"


class PrintError(ValueError):
    """The deck cannot be printed as asked (language, layout, or text that cannot be laid out)."""


def card_url(version: DeckVersion, principle_slug: str | None = None, base_url: str = "") -> str:
    """The public address of a card's page: a principle, or the method page without a slug."""
    if principle_slug is None:
        path = reverse("decks:method", args=[version.deck.slug])
    else:
        path = reverse("decks:principle", args=[version.deck.slug, principle_slug])
    # The base address is the site's public root, including any sub-path it is served under.
    path = "/" + path.removeprefix(get_script_prefix())
    return (base_url or settings.GK_BASE_URL).rstrip("/") + path


def short_url(url: str) -> str:
    """What people type: the address without scheme and trailing slash."""
    return url.split("://", 1)[-1].rstrip("/")


@functools.lru_cache(maxsize=1024)
def qr_svg(url: str) -> str:
    """The QR code as SVG (kept: choosing the best mask costs segno about 20 ms a code)."""
    buffer = io.BytesIO()
    segno.make(url, error="m", micro=False).save(
        buffer, kind="svg", border=2, xmldecl=False, omitsize=True, nl=False, dark=QR_COLOUR
    )
    return buffer.getvalue().decode("ascii")


def _block(kind: str, text: str, tone: str = "everyone", marker: str | None = None) -> dict:
    return {"kind": kind, "text": text, "tone": tone, "marker": marker, "continued": False}


def _card(version: DeckVersion, slug: str | None, title: str, front, back, base_url) -> dict:
    url = card_url(version, slug, base_url)
    return {
        "title": title,
        "url": url,
        "short_url": short_url(url),
        "qr": qr_svg(url),
        "qr_alt": _("QR code with the address of this card online: %(url)s") % {"url": url},
        "online_label": _("This card online: scan the code or type the address."),
        "front": front,
        "back": back,
    }


def deck_document(version: DeckVersion, language: str, base_url: str) -> dict:
    """Everything the Typst template prints, as plain data in one language (for any layout)."""

    def text(texts: dict) -> str:
        return localized(texts, language, fallback=version.default_language)

    method = version.method
    questions = list(version.questions.order_by("order"))
    method_card = _card(
        version,
        None,
        text(method["title"]),
        front=[
            _block("label", _("How to use the cards")),
            _block("title", text(method["title"])),
            _block("para", text(method["text"])),
            _block("para", text(version.intro)),
        ],
        back=[
            _block("heading", text(method["questions_intro"])),
            *(_block("item", text(q.text), marker=str(q.order)) for q in questions),
            _block("closing", text(method["closing"])),
        ],
        base_url=base_url,
    )
    principles = list(version.principles.order_by("order").prefetch_related("behaviours"))
    cards = [method_card]
    for principle in principles:
        behaviours = sorted(principle.behaviours.all(), key=lambda b: b.order)
        back = []
        for audience, heading in (
            (Audience.EVERYONE, version.behaviour_question),
            (Audience.LEADERS, version.leaders_heading),
        ):
            items = [b for b in behaviours if b.audience == audience]
            if items:
                tone = str(audience)
                back.append(_block("heading", text(heading), tone=tone))
                back += [_block("item", text(b.text), tone=tone, marker="•") for b in items]
        front = [
            _block(
                "label",
                _("Principle %(number)s of %(total)s")
                % {"number": principle.order, "total": len(principles)},
            ),
            _block("title", text(principle.title)),
            _block("values-label", _("Values")),
            *(_block("value", text(value)) for value in principle.values),
        ]
        cards.append(_card(version, principle.slug, text(principle.title), front, back, base_url))
    deck_title = text(version.title)
    return {
        "lang": language,
        "title": _("%(deck)s (cards to print)") % {"deck": deck_title},
        "author": text(version.source["publisher"]),
        "keywords": [_("conversation cards"), deck_title, text(version.source["title"])],
        "deck_title": deck_title,
        "source": text(version.source["title"]),
        "labels": {
            "continued": _("Continued on the next card"),
            "repeated": _("(continued)"),
        },
        "cards": cards,
    }


def render_deck_pdf(
    version: DeckVersion,
    language: str | None = None,
    layout: str = DEFAULT_LAYOUT,
    base_url: str | None = None,
) -> bytes:
    """The deck version as printable cards (PDF bytes).

    `language` is one of the deck's languages (default: the deck's default language); `layout`
    is "a6" (one card face per page) or "a4-4up" (four cards per A4 sheet, crop marks, the backs
    mirrored for double-sided printing); `base_url` is the public address the QR codes point to
    (default: the GK_BASE_URL setting). Raises PrintError for an unsupported language or layout.
    The same deck version and options always give the same bytes.
    """
    language = language or version.default_language
    if language not in version.languages:
        raise PrintError(
            f"The deck {version.deck.slug!r} has no language {language!r}; "
            f"choose from {', '.join(version.languages)}."
        )
    if layout not in LAYOUTS:
        raise PrintError(f"Unknown layout {layout!r}; choose from {', '.join(LAYOUTS)}.")
    with translation.override(language):
        document = deck_document(version, language, base_url or settings.GK_BASE_URL)
        # An imported deck can hold any text: what no shipped font has is replaced, and the
        # method card says so.
        pdf_text = PdfText()
        document = pdf_text.clean_all(document)
        if pdf_text.replaced:
            document["cards"][0]["front"].append(_block("para", replaced_note()))
        layout_name = {
            "a6": _("A6 cards, front and back"),
            "a4-4up": _("four A6 cards on each A4 sheet, with crop marks; print double-sided"),
        }[layout]
        description = _(
            "Conversation cards to print: a card with the method and one card per principle, "
            "with its values and behaviours. Layout: %(layout)s."
        ) % {"layout": layout_name}
    try:
        return compile_pdf(
            "deck.typ",
            # The deck's data is the same for every layout; how to lay it out comes apart.
            {
                "data": json.dumps(document, ensure_ascii=False),
                "layout": layout,
                "description": description,
            },
            timestamp=version.imported_at,
        )
    except typst.TypstError as error:
        logger.error("Printing deck %s failed:\n%s", version.deck.slug, error.diagnostic)
        raise PrintError(f"The cards could not be laid out: {error.message}") from error

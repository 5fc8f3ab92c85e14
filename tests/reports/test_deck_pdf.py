"""The printable deck: every text on a card, nothing cut off, QR codes that scan, PDF/A metadata."""

import functools
import io
import re

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
import pytest
from django.test import override_settings
from pypdf import PdfReader

from gesprekskaarten.decks.schema import load_text
from gesprekskaarten.decks.services import default_deck_version, import_deck
from gesprekskaarten.reports.deck_pdf import (
    PrintError,
    card_url,
    render_deck_pdf,
    short_url,
)
from tests.factories import default_deck_data, dump, minimal_deck, text
from tests.reports import pdfcheck

pytestmark = pytest.mark.django_db

DECK = default_deck_data()
LANGUAGES = DECK["languages"]
LAYOUTS = ["a6", "a4-4up"]
MARGIN = 8  # mm, the cards' inner margin
TOLERANCE = 0.6  # mm, for glyph boxes that reach a little past the line box


@functools.cache
def default_pdf(language: str, layout: str) -> bytes:
    """The shipped deck, rendered once per test process (deck versions never change)."""
    return render_deck_pdf(default_deck_version(), language, layout)


def import_document(document: dict):
    version, _created = import_deck(load_text(dump(document)))
    return version


def card_areas(layout: str) -> list[tuple[float, float, float, float]]:
    """The text area of every card on a page, in mm from the top left."""
    origins = [(0, 0)] if layout == "a6" else [(0, 0.5), (105, 0.5), (0, 148.5), (105, 148.5)]
    return [
        (
            x + MARGIN - TOLERANCE,
            y + MARGIN - TOLERANCE,
            x + 105 - MARGIN + TOLERANCE,
            y + 148 - MARGIN + TOLERANCE,
        )
        for x, y in origins
    ]


def assert_nothing_cut_off(pdf: bytes, layout: str) -> None:
    """Every letter lies inside one card's text area, and no line is printed over another."""
    areas = card_areas(layout)
    for number, (glyphs, lines) in enumerate(pdfcheck.text_boxes(pdf), start=1):
        assert glyphs or layout == "a4-4up", f"page {number} has no text"
        for box in glyphs:
            inside = any(
                a[0] <= box[0] and a[1] <= box[1] and box[2] <= a[2] and box[3] <= a[3]
                for a in areas
            )
            assert inside, f"page {number}: text at {box} runs outside its card"
        assert not pdfcheck.overlapping(lines), f"page {number}: text printed over text"


def deck_texts(document: dict, language: str) -> list[str]:
    """Every text that must be on the cards: titles, values, behaviours, headings, questions."""
    texts = [document["behaviour_question"][language], document["leaders_heading"][language]]
    method = document["method"]
    texts += [method[key][language] for key in ("title", "text", "questions_intro", "closing")]
    texts += [question[language] for question in method["questions"]]
    for principle in document["principles"]:
        texts.append(principle["title"][language])
        texts += [value[language] for value in principle["values"]]
        for audience in ("everyone", "leaders"):
            texts += [b["text"][language] for b in principle["behaviours"][audience]]
    return texts


# --- the shipped deck ------------------------------------------------------------------------


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("language", LANGUAGES)
def test_every_text_of_the_deck_is_printed(language, layout):
    printed = pdfcheck.all_text(default_pdf(language, layout))
    missing = [t for t in deck_texts(DECK, language) if pdfcheck.normalise(t) not in printed]
    assert not missing
    behaviours = sum(len(b) for p in DECK["principles"] for b in p["behaviours"].values())
    assert behaviours == 99


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("language", LANGUAGES)
def test_nothing_is_cut_off_or_printed_over(language, layout):
    assert_nothing_cut_off(default_pdf(language, layout), layout)


def test_a6_cards_alternate_front_and_back():
    pages = pdfcheck.page_texts(default_pdf("nl", "a6"))
    assert len(pages) % 2 == 0
    fronts, backs = pages[0::2], pages[1::2]
    assert "Hoe kun je de gesprekskaarten gebruiken?" in fronts[0]
    assert "Welk gedrag herkennen we en speelt bij ons op de werkvloer?" in backs[0]
    trust = [i for i, front in enumerate(fronts) if "Werken vanuit vertrouwen" in front]
    assert trust, "no front for the first principle"
    first = trust[0]
    assert "Principe 1 van 7" in fronts[first]
    assert "integer" in fronts[first] and "inclusief" in fronts[first]
    assert "Welk gedrag past hierbij?" in backs[first]
    # This card's behaviours need two backs: "1/2" and "2/2", and the first says so.
    assert "1/2" in fronts[first] and "1/2" in backs[first]
    assert "Verder op de volgende kaart" in backs[first]
    assert "2/2" in fronts[first + 1] and "Specifiek voor leidinggevenden" in pages[2 * first + 3]
    # A list that continues on a next card starts there with its heading again.
    repeated = [back for back in backs if "Specifiek voor leidinggevenden (vervolg)" in back]
    assert repeated
    for back in repeated:
        assert re.match(r".+ \d/\d Specifiek voor leidinggevenden \(vervolg\) • ", back), back


def test_a4_sheets_hold_four_cards_with_backs_mirrored():
    a6 = default_pdf("nl", "a6")
    a4 = default_pdf("nl", "a4-4up")
    cards = len(pdfcheck.page_texts(a6)) // 2
    sheets = pdfcheck.qr_codes(a4)
    assert len(sheets) == 2 * -(-cards // 4)
    # Front of sheet 1: card 1 top left. Back: card 1's back top right, under its front.
    (front_method,) = [c for c in sheets[0] if c[0].endswith("/zo-gebruik-je-de-kaarten/")]
    assert front_method[1] < 105 and front_method[2] < 148
    boxes = pdfcheck.text_boxes(a4)[1][0]
    question = "Stel bijvoorbeeld de volgende vragen:"
    reader_text = pdfcheck.page_texts(a4)[1]
    assert question in reader_text
    method_back = [b for b in boxes if b[0] > 105 and b[3] < 148]
    assert method_back, "the method card's back is not at the top right of the back side"


@pytest.mark.parametrize("layout", LAYOUTS)
def test_every_qr_code_scans_to_its_card(layout):
    version = default_deck_version()
    pdf = default_pdf("nl", layout)
    pages = pdfcheck.qr_codes(pdf)
    expected = [card_url(version)] + [card_url(version, p["slug"]) for p in DECK["principles"]]
    if layout == "a6":
        texts = pdfcheck.page_texts(pdf)
        fronts = pages[0::2]
        assert all(len(codes) == 1 for codes in fronts), "every front has one QR code"
        assert not any(pages[1::2]), "backs have no QR code"
        urls = [codes[0][0] for codes in fronts]
        titles = {card_url(version): DECK["method"]["title"]["nl"]}
        titles |= {card_url(version, p["slug"]): p["title"]["nl"] for p in DECK["principles"]}
        for url, code, page_text in zip(urls, fronts, texts[0::2], strict=True):
            assert titles[url] in page_text
            _text, x, y = code[0]
            assert x > 105 - 30 and y > 148 - 45, "the QR code sits in the bottom right corner"
            assert short_url(url) in page_text.replace(" ", "")
    else:
        urls = [code[0] for sheet in pages[0::2] for code in sorted(sheet, key=lambda c: c[2])]
        assert not any(pages[1::2])
        cards = len(pdfcheck.page_texts(default_pdf("nl", "a6"))) // 2
        assert len(urls) == cards, "every card's QR code scans"
    assert list(dict.fromkeys(urls)) == expected


def test_qr_codes_use_the_configured_address():
    version = default_deck_version()
    with override_settings(GK_BASE_URL="https://gesprek.example.nl/team"):
        pdf = render_deck_pdf(version, "en", "a6")
    codes = [code for page in pdfcheck.qr_codes(pdf) for code in page]
    assert (
        codes[0][0]
        == "https://gesprek.example.nl/team/kaarten/ambtelijk-vakmanschap/zo-gebruik-je-de-kaarten/"
    )
    assert all(code[0].startswith("https://gesprek.example.nl/team/kaarten/") for code in codes)
    assert "gesprek.example.nl/team/kaarten/ambtelijk-vakmanschap/vertrouwen" in "".join(
        pdfcheck.all_text(pdf).split()
    )


@pytest.mark.parametrize("language", LANGUAGES)
def test_pdf_declares_pdf_a2_language_and_title(language):
    pdf = default_pdf(language, "a4-4up")
    assert pdfcheck.xmp_value(pdf, "pdfaid:part") == ["2"]
    assert pdfcheck.xmp_value(pdf, "pdfaid:conformance") == ["A"]
    assert pdfcheck.xmp_value(pdf, "pdfuaid:part") == ["1"]
    assert pdfcheck.xmp_value(pdf, "dc:language") == [language]
    titles = pdfcheck.xmp_value(pdf, "dc:title")
    assert titles and DECK["title"][language] in titles[0]
    reader = PdfReader(io.BytesIO(pdf))
    assert reader.trailer["/Root"]["/Lang"] == language
    assert reader.metadata.title == titles[0]
    assert reader.metadata.author == DECK["source"]["publisher"][language]


def test_fonts_are_embedded_and_shipped_with_the_package():
    fonts = pdfcheck.fonts(default_pdf("en", "a6"))
    assert fonts
    assert all(font["embedded"] for font in fonts)
    assert {font["name"].split("+")[-1] for font in fonts} == {
        "NotoSans-Regular",
        "NotoSans-Bold",
    }


def test_same_deck_same_bytes():
    version = default_deck_version()
    assert render_deck_pdf(version, "nl", "a6") == render_deck_pdf(version, "nl", "a6")


def test_unknown_language_or_layout_is_refused():
    version = default_deck_version()
    with pytest.raises(PrintError, match="has no language 'de'; choose from nl, en"):
        render_deck_pdf(version, "de", "a6")
    with pytest.raises(PrintError, match="Unknown layout 'a5'"):
        render_deck_pdf(version, "nl", "a5")


# --- decks made to test the limits ------------------------------------------------------------


def sentences(template: str, count: int) -> str:
    return " ".join(template.format(n=n) for n in range(1, count + 1))


# The longest texts a deck file may hold (see decks/schema.py): 1,000 characters for a
# behaviour, 200 for a title or value, 2,000 for the method's text.
LONG_NL = sentences("Zin {n}: bespreek samen wat je ziet, wat je mist en wat je wilt.", 14)[:1000]
LONG_EN = sentences("Sentence {n}: discuss what you see, what you miss and what you want.", 13)
LONG_EN = LONG_EN[:1000]
LONG_METHOD = sentences("Stap {n}: lees de kaart voor en vraag wie dit gedrag herkent.", 40)[:2000]
LONG_TITLE = "Werken vanuit " + " en ".join(f"principe nummer {n}" for n in range(1, 10))
SPECIAL = (
    "Typst mag dit niet lezen: #strong[vet] $x^2$ *ster* _laag_ `code` <label> @ref [haak] "
    "\\ schuin // geen commentaar /* ook niet */ = kop - lijst + 1. ~ & 100% \"dubbel\" 'enkel' "
    "{accolade} en #let x = 1"
)
LONG_WORD = "Kaart" + "ontwerpvoorbeeldtekst" * 8  # one "word", wider than a card


def limits_deck() -> dict:
    document = minimal_deck(slug="grenzen", principles=3, behaviours=4)
    first = document["principles"][0]["behaviours"]
    first["everyone"][1]["text"] = text(LONG_NL, LONG_EN)
    first["everyone"][2]["text"] = text(
        LONG_NL.replace("Zin", "Regel"), LONG_EN.replace("Sentence", "Line")
    )
    first["leaders"][0]["text"] = text(SPECIAL, SPECIAL + " (en)")
    second = document["principles"][1]
    second["title"] = text(LONG_TITLE, LONG_TITLE)
    second["values"] = [text(f"waarde {n}: " + "open en eerlijk " * 4) for n in range(1, 11)]
    document["principles"][2]["behaviours"]["everyone"][0]["text"] = text(LONG_WORD, LONG_WORD)
    document["method"]["text"] = text(LONG_METHOD, LONG_METHOD)
    return document


LONG_TEXTS = {
    "nl": [LONG_NL, LONG_NL.replace("Zin", "Regel"), LONG_METHOD],
    "en": [LONG_EN, LONG_EN.replace("Sentence", "Line"), LONG_METHOD],
}


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("language", LANGUAGES)
def test_long_texts_continue_on_next_cards_without_loss(language, layout):
    document = limits_deck()
    version = import_document(document)
    pdf = render_deck_pdf(version, language, layout)
    printed = pdfcheck.all_text(pdf)
    for expected in deck_texts(document, language):
        if expected in LONG_TEXTS[language]:
            # Long texts may be split over two cards: all their words arrive, in order.
            assert pdfcheck.contains_in_order(printed, expected.split())
        elif expected == LONG_WORD:
            assert LONG_WORD in "".join(printed.split())
        else:
            assert pdfcheck.normalise(expected) in printed, expected
    assert_nothing_cut_off(pdf, layout)


def test_long_cards_are_numbered_and_not_made_smaller():
    version = import_document(limits_deck())
    pdf = render_deck_pdf(version, "nl", "a6")
    backs = pdfcheck.page_texts(pdf)[1::2]
    found = [re.match(r"Principe 1 (\d+)/(\d+) ", back) for back in backs]
    markers = [(int(m[1]), int(m[2])) for m in found if m]
    total = markers[0][1]
    assert total >= 2
    assert markers == [(n, total) for n in range(1, total + 1)]
    for back, match in zip(backs, found, strict=True):
        if match:
            assert ("Verder op de volgende kaart" in back) == (match[1] != match[2])
    # The method's long text and the long title with ten long values continue too.
    assert sum(bool(re.match(r"Zo werkt het \d/[2-9] ", back)) for back in backs) >= 2
    assert sum(back.startswith(LONG_TITLE) for back in backs) >= 2
    # The text keeps the deck's type sizes: long texts add no smaller size.
    normal = import_document(minimal_deck(slug="gewoon", principles=3, behaviours=3))
    sizes_long = font_sizes(pdf)
    sizes_normal = font_sizes(render_deck_pdf(normal, "nl", "a6"))
    assert min(sizes_long) >= 6.5
    assert sizes_long <= sizes_normal


def font_sizes(pdf: bytes) -> set[float]:
    sizes = set()
    document = pdfium.PdfDocument(pdf)
    for page in document:
        textpage = page.get_textpage()
        for index in range(textpage.count_chars()):
            if chr(pdfium_c.FPDFText_GetUnicode(textpage.raw, index)).strip():
                sizes.add(round(pdfium_c.FPDFText_GetFontSize(textpage.raw, index), 1))
    document.close()
    return sizes

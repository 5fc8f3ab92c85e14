"""Any text a person types reaches every report: emoji, Chinese, Hebrew, Arabic, bidi controls,
combining marks, control characters and code points no font has (issue 13, item 6).

The PDFs stay PDF/A-2a and PDF/UA-1 (Typst checks both while compiling and refuses otherwise);
a character that no shipped font has is replaced with "�" and the PDF says so.
"""

import csv
import io
import json
import os
import re

import pypdfium2 as pdfium
import pytest
import typst
from django.test import Client
from django.urls import reverse
from django.utils import translation
from hypothesis import HealthCheck, Phase, given, reject, settings
from hypothesis import strategies as st

from gesprekskaarten.agreements.models import Agreement
from gesprekskaarten.decks.schema import DeckFileError, load_text
from gesprekskaarten.decks.services import import_deck
from gesprekskaarten.meetings.models import Gesprek, Note, Theme, VoteOption
from gesprekskaarten.reports.deck_pdf import render_deck_pdf
from gesprekskaarten.reports.gesprek_report import FORMATS, render_report
from gesprekskaarten.reports.history import build_history, render_history_pdf
from gesprekskaarten.reports.pdf_text import REPLACEMENT, PdfText, covered
from gesprekskaarten.reports.typst_pdf import PDF_STANDARDS, TYPST_ROOT, fonts
from gesprekskaarten.teams.models import Team
from tests.factories import dump, minimal_deck, text
from tests.reports import pdfcheck
from tests.reports.builders import closed_gesprek

pytestmark = pytest.mark.django_db

RLO, LRO, PDF, FSI, PDI = "\u202e", "\u202d", "\u202c", "\u2068", "\u2069"
NOTE = "Goed punt 👍"
CHINESE = "我们需要更多反馈"
HEBREW = "שלום עולם"
ARABIC = "مرحبا بالعالم"
JAPANESE_KOREAN = "ありがとう 감사합니다"
NOT_SHOWABLE = "\ue000"  # private use: no font has it
REPLACED_NOTE = "Some characters could not be shown in this PDF"


def plain(text: str) -> str:
    """Text as pdfcheck reads it back, without spaces."""
    return "".join(pdfcheck.normalise(text).split())


def words_in(typed: str, printed: str) -> list[str]:
    """The words of `typed` (as the PDF shows it) that are not in `printed`.

    Word by word: a PDF holds right-to-left text in the order it is drawn, and text extractors
    put its words back in different orders (pypdf keeps the drawn order of the words).
    """
    return [word for word in PdfText().clean(typed).split() if plain(word) not in printed]


def set_texts(built, *, note, theme, option, what, who, reason, title, team) -> None:
    """Put the texts into every place of a closed gesprek that a report shows (as stored)."""
    gesprek = built.gesprek
    Note.objects.filter(gesprek=gesprek, hidden=False).update(text=note)
    Theme.objects.filter(gesprek=gesprek).update(name=theme)
    VoteOption.objects.filter(vote__gesprek=gesprek).update(text=option)
    Agreement.objects.filter(gesprek=gesprek).update(what=what, who=who, drop_reason=reason)
    Gesprek.objects.filter(pk=gesprek.pk).update(title=title)
    Team.objects.filter(pk=gesprek.team_id).update(name=team)
    gesprek.refresh_from_db()
    gesprek.team.refresh_from_db()


def small_gesprek():
    # One card, one note, one theme, one vote, one dropped agreement (for a reason): every text.
    return closed_gesprek(people=3, cards=1, threshold=3, notes=1, themes=1, agreements=3)


# --- the cleaning itself ---------------------------------------------------------------------


def test_the_shipped_fonts_cover_emoji_cjk_hebrew_arabic_and_symbols():
    drawable = covered()
    for sample in (NOTE, CHINESE, HEBREW, ARABIC, JAPANESE_KOREAN, "🎉 ✓ ★ → ≥ ① ☐ €", REPLACEMENT):
        missing = [c for c in sample if c != " " and ord(c) not in drawable]
        assert not missing, f"no font has {missing}"


def test_clean_keeps_every_text_a_font_can_show():
    pdf_text = PdfText()
    mixed = "e\u0301te\u0301 👍🏽 🇳🇱 1\ufe0f\u20e3 שָׁלוֹם مَرحبا a\tb\nc"
    for sample in (NOTE, CHINESE, HEBREW, ARABIC, JAPANESE_KOREAN, mixed):
        assert pdf_text.clean(sample) == sample
    assert not pdf_text.replaced


def test_clean_removes_embeddings_and_overrides_and_balances_isolates():
    pdf_text = PdfText()
    assert pdf_text.clean(f"abc {RLO}evil{PDF} def {LRO}x") == "abc evil def x"
    assert pdf_text.clean(f"a{PDI}b{FSI}c") == f"ab{FSI}c{PDI}"  # none reaches past its text
    assert pdf_text.isolate(f"{RLO}{HEBREW}{PDI}") == f"{FSI}{HEBREW}{PDI}"
    assert not pdf_text.replaced


def test_clean_replaces_what_no_font_has_and_says_so():
    pdf_text = PdfText()
    assert pdf_text.clean(f"a{NOT_SHOWABLE}b\x00c\x07d\U0010fffde") == "a�b�c�d�e"
    assert pdf_text.replaced
    assert PdfText().clean("Devanagari: नमस्ते").startswith("Devanagari: �")


def test_a_combining_mark_needs_a_font_that_also_has_its_base():
    pdf_text = PdfText()
    assert pdf_text.clean("e\u0301") == "e\u0301"
    assert pdf_text.clean("e\u0301\u064b") == "e\u0301�"  # an Arabic vowel sign on a Latin e
    assert pdf_text.clean("\u0301x") == "�x"  # no base at all
    assert pdf_text.clean("a\ufe0f") == "a"  # an invisible selector no font of "a" has
    assert pdf_text.replaced


def test_clean_drops_invisible_characters_no_font_has_and_normalises_line_breaks():
    pdf_text = PdfText()
    assert pdf_text.clean("\ufeffa\U000e0080b\u180bc") == "abc"
    assert pdf_text.clean("a\r\nb\rc\u2028d") == "a\nb\nc\nd"
    assert not pdf_text.replaced


# --- the reports, read back ------------------------------------------------------------------


PROPOSAL = "הצעה"  # Hebrew: "proposal"


def regression_texts() -> dict:
    # A different text in each place, so that each one is looked for on its own.
    return {
        "note": NOTE,
        "theme": f"{CHINESE} {JAPANESE_KOREAN}",
        "option": PROPOSAL,
        "what": ARABIC,
        "who": f"abc{RLO}evil{PDF}",
        "reason": "لا وقت 😅",  # Arabic: "no time"
        "title": "Feest 🎉",
        "team": f"Team {HEBREW}",
    }


def visual_lines(pdf: bytes) -> list[str]:
    """The lines of every page as pdfium reads them: left to right as drawn."""
    document = pdfium.PdfDocument(pdf)
    lines = []
    for page in document:
        text = page.get_textpage().get_text_range()
        lines += [" ".join(line.split()) for line in text.splitlines()]
    document.close()
    return lines


def test_emoji_cjk_hebrew_arabic_and_rlo_are_in_the_pdf_through_the_view():
    built = small_gesprek()
    texts = regression_texts()
    set_texts(built, **texts)
    client = Client()
    client.force_login(built.gesprek.created_by)
    client.cookies["gk_language"] = "en"
    response = client.get(reverse("reports:gesprek_report", args=[built.gesprek.public_id, "pdf"]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    pdf = response.content
    printed = plain(pdfcheck.all_text(pdf))
    for name, typed in texts.items():
        assert not words_in(typed, printed), f"{name}: {words_in(typed, printed)} not in the PDF"
    assert "abcevil" in printed  # the override is gone; the letters stay in typed order
    # The Hebrew proposal is isolated: the number of dots stays to its left-to-right side
    # (without the isolate the bidi algorithm would draw "3 — הצעה dots").
    options = [line for line in visual_lines(pdf) if PROPOSAL in line and "dots" in line]
    assert options
    assert all(re.fullmatch(rf"\d\. {PROPOSAL} — \d+ dots", line) for line in options), options
    assert plain(REPLACED_NOTE) not in printed  # nothing had to be replaced
    assert pdfcheck.xmp_value(pdf, "pdfaid:part") == ["2"]
    assert pdfcheck.xmp_value(pdf, "pdfaid:conformance") == ["A"]
    assert pdfcheck.xmp_value(pdf, "pdfuaid:part") == ["1"]
    assert all(font["embedded"] for font in pdfcheck.fonts(pdf))
    names = " ".join(font["name"] for font in pdfcheck.fonts(pdf))
    for family in ("NotoSansHebrew", "NotoSansArabic", "NotoSansCJK", "NotoEmoji"):
        assert family in names


def test_team_history_pdf_with_an_emoji_title_through_the_view():
    built = small_gesprek()
    set_texts(built, **regression_texts())
    client = Client()
    client.force_login(built.gesprek.created_by)
    client.cookies["gk_language"] = "en"
    response = client.get(reverse("reports:team_history_pdf", args=[built.gesprek.team.slug]))
    assert response.status_code == 200
    printed = plain(pdfcheck.all_text(response.content))
    assert not words_in("Feest 🎉", printed)
    assert not words_in(HEBREW, printed)
    assert plain(REPLACED_NOTE) not in printed


def test_a_character_no_font_has_is_replaced_and_the_pdf_says_so():
    built = small_gesprek()
    texts = regression_texts()
    texts["note"] = f"Goed{NOT_SHOWABLE}punt\x07"
    set_texts(built, **texts)
    with translation.override("en"):
        pdf = render_report(built.gesprek, "pdf", "en")
        history = render_history_pdf(build_history(built.gesprek.team, "en"))
    printed = pdfcheck.all_text(pdf)
    assert plain("Goed�punt�") in plain(printed)
    assert plain(REPLACED_NOTE) in plain(printed)
    assert plain(REPLACED_NOTE) not in plain(pdfcheck.all_text(history))  # only the note had it
    # The other formats keep the text as it was typed.
    document = json.loads(render_report(built.gesprek, "json", "en"))
    assert texts["note"] in [n for q in document["questions"] for n in q["notes"]]


def test_an_empty_text_stays_empty_and_is_left_out():
    built = small_gesprek()
    texts = regression_texts()
    texts["who"] = ""  # "who" is optional; an empty one has no row in the PDF
    set_texts(built, **texts)
    printed = pdfcheck.all_text(render_report(built.gesprek, "pdf", "en"))
    assert "Who" not in printed
    assert REPLACED_NOTE not in printed
    assert PdfText().isolate("") == ""


def test_the_dutch_pdf_says_so_in_dutch():
    built = small_gesprek()
    texts = regression_texts()
    texts["title"] = f"Titel {NOT_SHOWABLE}"
    set_texts(built, **texts)
    printed = pdfcheck.all_text(render_report(built.gesprek, "pdf", "nl"))
    assert "Sommige tekens" in printed


def test_the_printed_deck_takes_any_text_and_says_when_it_replaced_one():
    document = minimal_deck(slug="unicode", principles=2, behaviours=2)
    first = document["principles"][0]
    first["title"] = text(f"Vertrouwen {NOTE}", f"Trust {NOTE}")
    first["values"] = [text(CHINESE), text(HEBREW)]
    first["behaviours"]["everyone"][0]["text"] = text(f"{ARABIC} {RLO}omgekeerd{PDF}")
    first["behaviours"]["everyone"][1]["text"] = text(f"{JAPANESE_KOREAN} {NOT_SHOWABLE}")
    version, _created = import_deck(load_text(dump(document)))
    pdf = render_deck_pdf(version, "nl", "a6")
    printed = plain(pdfcheck.all_text(pdf))
    for typed in (f"Vertrouwen {NOTE}", CHINESE, HEBREW, ARABIC, "omgekeerd", JAPANESE_KOREAN):
        assert not words_in(typed, printed)
    assert plain("Sommige tekens") in printed
    assert pdfcheck.xmp_value(pdf, "pdfaid:part") == ["2"]


# --- any text at all -------------------------------------------------------------------------

FRAGMENTS = [
    NOTE,
    CHINESE,
    HEBREW,
    ARABIC,
    JAPANESE_KOREAN,
    "🎉",
    "👨\u200d👩\u200d👧",
    "👍🏽",
    "🇳🇱",
    "1\ufe0f\u20e3",
    RLO,
    LRO,
    PDF,
    FSI,
    PDI,
    "\u2066",
    "\u2067",
    "\u200f",
    "\u200e",
    "e\u0301",
    "\u0301",
    "\u05b0",
    "\u064b",
    "\t",
    "\n",
    "\r\n",
    "\x07",
    "\x1b",
    "\x7f",
    "\x85",
    "\ufeff",
    "\ufe0e",
    "\ue000",
    "\uffff",
    "\U000e0041",
    "\u0378",  # unassigned
    "नमस्ते",
    "#strong[x] $y$ *z* <b> =SOM(1)",
    "—",
]

# Any code point but surrogates (a str from a form or a database never holds one) and NUL (a
# form refuses it: Django's ProhibitNullCharactersValidator; PostgreSQL cannot store it).
any_char = st.characters(exclude_categories=("Cs",), exclude_characters="\x00")
typed_text = st.lists(
    st.one_of(st.sampled_from(FRAGMENTS), st.text(any_char, min_size=1, max_size=4)),
    min_size=1,
    max_size=6,
).map("".join)


# A page the way the report sets texts: alone, after a label, in a heading, in a table cell.
PAGE = b"""#import "fonts.typ": font-families
#set document(title: "t")
#set text(font: font-families, lang: "nl")
#let texts = json(bytes(sys.inputs.data))
#heading(level: 1, texts.at(0))
#for t in texts {
  heading(level: 2, "1. " + t)
  par(t)
  table(columns: 2, [Wie], t)
}
"""


@settings(max_examples=300, deadline=None)
@given(text=typed_text)
def test_any_cleaned_text_compiles_as_pdf_a_and_ua(text):
    """Cheap (no database, a small page): many more texts than the report test below."""
    pdf_text = PdfText()
    texts = [pdf_text.clean(text), pdf_text.clean(f"Stem: {pdf_text.isolate(text)} — 3 stippen")]
    for cleaned in texts:
        assert not set(cleaned) & {RLO, LRO, PDF, "\x00", "\ufeff"}
        assert all(ord(c) in covered() or c in "\n\t" for c in cleaned)
    compiler = typst.Compiler(root=str(TYPST_ROOT), font_paths=fonts())
    compiler.compile(
        input=PAGE,
        format="pdf",
        sys_inputs={"data": json.dumps(texts, ensure_ascii=False)},
        pdf_standards=PDF_STANDARDS,
    )


def shortened(value: str, limit: int) -> str:
    return value[:limit] or "x"


# Rendering takes about a second per example, so few examples, and no shrinking (it would
# take minutes): a failure is reported as found, with the seed to reproduce it.
@settings(
    max_examples=int(os.environ.get("GK_UNICODE_EXAMPLES", "30")),
    deadline=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(texts=st.fixed_dictionaries(dict.fromkeys(regression_texts(), typed_text)))
def test_any_text_in_every_format_and_the_team_history(texts):
    built = small_gesprek()
    limits = {"theme": 80, "who": 120, "title": 120, "team": 120}
    texts = {name: shortened(value, limits.get(name, 200)) for name, value in texts.items()}
    set_texts(built, **texts)
    for extension in FORMATS:
        output = render_report(built.gesprek, extension, "en")
        if extension == "pdf":
            assert output.startswith(b"%PDF-")
            assert pdfcheck.xmp_value(output, "pdfaid:part") == ["2"]
            assert pdfcheck.xmp_value(output, "pdfuaid:part") == ["1"]
            expected = PdfText()  # cleaned as the report cleans them: each in its isolate
            for value in texts.values():
                expected.clean(expected.isolate(value))
            assert (REPLACED_NOTE in pdfcheck.all_text(output)) == expected.replaced
        elif extension == "json":
            document = json.loads(output)
            assert document["gesprek"]["title"] == texts["title"]
            assert document["agreements"][0]["what"] == texts["what"]
        elif extension == "csv":
            rows = list(csv.DictReader(io.StringIO(output.decode(), newline="")))
            assert rows[-1]["section"] == "agreement"
        else:
            output.decode()
    history = render_history_pdf(build_history(built.gesprek.team, "en"))
    assert pdfcheck.xmp_value(history, "pdfaid:part") == ["2"]


_deck_serial = iter(range(10**6))


@settings(
    max_examples=int(os.environ.get("GK_UNICODE_DECK_EXAMPLES", "10")),
    deadline=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[HealthCheck.too_slow],
)
@given(texts=st.lists(typed_text, min_size=4, max_size=4))
def test_any_text_in_an_imported_deck_prints(texts):
    document = minimal_deck(slug=f"unicode-{next(_deck_serial)}", principles=1, behaviours=2)
    principle = document["principles"][0]
    principle["title"] = text(texts[0][:200])
    principle["values"] = [text(texts[1][:200])]
    principle["behaviours"]["everyone"][0]["text"] = text(texts[2])
    document["method"]["questions"][0] = text(texts[3])
    try:
        version, _created = import_deck(load_text(dump(document)))
    except DeckFileError:
        reject()  # the deck validator refused it: nothing to print
    pdf = render_deck_pdf(version, "nl", "a6")
    assert pdfcheck.xmp_value(pdf, "pdfaid:part") == ["2"]


def test_a_text_of_only_line_breaks_is_not_reported_as_replaced():
    """Found by the property test above: a note of only U+0085 (NEL, a line break), cleaned as
    the report does (inside a bidi isolate), said "some characters could not be shown"."""
    for typed in ("\x85", "\u2028 \r\n"):
        pdf_text = PdfText()
        assert not pdf_text.clean(pdf_text.isolate(typed)).strip("\u2068\u2069\n ")
        assert not pdf_text.replaced


def test_a_text_of_only_a_bidi_control_is_not_reported_as_replaced():
    """Found by the property test above: a note of only U+2067 (RIGHT-TO-LEFT ISOLATE) was
    expected to say "some characters could not be shown", but the report isolates each text
    and drops the stray control (it could turn the text after it around): nothing is lost that
    could be drawn, so nothing is reported."""
    for typed in ("\u2067", "\u202e", "\u2069\u2066"):
        pdf_text = PdfText()
        assert pdf_text.clean(pdf_text.isolate(typed)) == "\u2068\u2069"
        assert not pdf_text.replaced


def test_private_use_and_unassigned_code_points_are_replaced():
    """Found by the property test: a private-use code point (U+FE4EB) reached Typst, and PDF/A-2a
    refuses it even where a font has a glyph for it."""
    for char in ("\U000fe4eb", "\ue000", "\U0010fffd", "\U0003fffe"):
        pdf_text = PdfText()
        assert pdf_text.clean(f"a{char}b") == "a\ufffdb"
        assert pdf_text.replaced

"""Any text, made safe to set in a PDF/A-2a and PDF/UA-1 document with the shipped fonts.

Typst refuses to make an archival PDF with a character that no font can draw (PDF/A forbids the
"missing glyph" box), or with a few code points PDF/A forbids outright (U+0000, U+FEFF, U+FFFE).
A person can type anything, so every text passes through `PdfText.clean` before it reaches Typst:

- explicit bidi embeddings and overrides (U+202A to U+202E: LRE, RLE, PDF, LRO, RLO) are
  removed: they could turn the text after them around; isolates (U+2066 to U+2069) are kept but
  balanced, so that none reaches beyond its own text;
- line and paragraph separators become a line break (a tab stays);
- an invisible formatting character that no font has (a variation selector, a tag character, a
  zero-width no-break space) is dropped: it shows nothing either way;
- any other character that no shipped font has (an unassigned or private-use code point, a
  script we ship no font for, a Han character outside the shipped subset) and every control
  character but line break and tab (some fonts map them to pictures; we do not use those)
  becomes U+FFFD "�", and `replaced` becomes true, so that the document can say so; so does a
  combining mark that no font of its base character has (e.g. an Arabic vowel sign on a Latin
  letter), or that has no base character;
- a text of which nothing visible is left (say, only a right-to-left override) becomes "�" as a
  whole, so that nothing typed silently disappears (and no heading is left empty, which PDF/UA
  forbids).

`PdfText.isolate` wraps one text typed by a person (or a deck's text) in a first-strong isolate
(U+2068 ... U+2069) after removing its own bidi controls, so that right-to-left text keeps its
order next to our labels ("שלום — 3 dots") and cannot reorder them. See docs/report-format.md.
"""

import functools
import struct
import unicodedata
from pathlib import Path

from django.utils.translation import gettext as _

from .typst_pdf import FONTS_DIR

REPLACEMENT = "\ufffd"  # in Noto Sans
FSI, PDI = "\u2068", "\u2069"
ISOLATE_OPENERS = {"\u2066", "\u2067", "\u2068"}
EMBEDDINGS = {chr(c) for c in range(0x202A, 0x202F)}  # LRE RLE PDF LRO RLO
BIDI_CONTROLS = EMBEDDINGS | ISOLATE_OPENERS | {PDI}
# Control characters, private-use and unassigned code points: never text PDF/A may hold (PDF/A-2a
# refuses a private-use code point even where a font happens to draw one).
NOT_TEXT = {"Cc", "Co", "Cn"}
LINE_BREAKS = {"\r", "\x0b", "\x0c", "\x85", "\u2028", "\u2029"}
KEPT_CONTROLS = {"\n", "\t"}
# PDF/A-2 (6.2.11.7.2) allows no text to map to these, even where a font has them.
FORBIDDEN = {"\x00", "\ufeff", "\ufffe"}

# Unicode's Default_Ignorable_Code_Point: invisible when a font lacks them (Unicode 15).
_DEFAULT_IGNORABLE = (
    (0x00AD, 0x00AD),
    (0x034F, 0x034F),
    (0x061C, 0x061C),
    (0x115F, 0x1160),
    (0x17B4, 0x17B5),
    (0x180B, 0x180F),
    (0x200B, 0x200F),
    (0x202A, 0x202E),
    (0x2060, 0x206F),
    (0x3164, 0x3164),
    (0xFE00, 0xFE0F),
    (0xFEFF, 0xFEFF),
    (0xFFA0, 0xFFA0),
    (0xFFF0, 0xFFF8),
    (0x1BCA0, 0x1BCA3),
    (0x1D173, 0x1D17A),
    (0xE0000, 0xE0FFF),
)


def is_default_ignorable(code: int) -> bool:
    return any(first <= code <= last for first, last in _DEFAULT_IGNORABLE)


def _cmap(path: Path) -> set[int]:
    """The code points a TrueType/OpenType font maps to a glyph (cmap formats 4 and 12)."""
    data = path.read_bytes()
    tables = {}
    (count,) = struct.unpack_from(">H", data, 4)
    for index in range(count):
        tag, _checksum, offset, _length = struct.unpack_from(">4sIII", data, 12 + 16 * index)
        tables[tag] = offset
    base = tables[b"cmap"]
    (subtables,) = struct.unpack_from(">H", data, base + 2)
    codes: set[int] = set()
    for index in range(subtables):
        platform, encoding, offset = struct.unpack_from(">HHI", data, base + 4 + 8 * index)
        if (platform, encoding) not in ((3, 1), (3, 10), (0, 3), (0, 4), (0, 6)):
            continue  # a Unicode table only
        start = base + offset
        (format_,) = struct.unpack_from(">H", data, start)
        if format_ == 4:
            codes |= _format4(data, start)
        elif format_ == 12:
            codes |= _format12(data, start)
    return codes


def _format4(data: bytes, start: int) -> set[int]:
    (segments_x2,) = struct.unpack_from(">H", data, start + 6)
    segments = segments_x2 // 2
    ends = struct.unpack_from(f">{segments}H", data, start + 14)
    starts = struct.unpack_from(f">{segments}H", data, start + 16 + segments_x2)
    deltas = struct.unpack_from(f">{segments}h", data, start + 16 + 2 * segments_x2)
    range_offsets_at = start + 16 + 3 * segments_x2
    range_offsets = struct.unpack_from(f">{segments}H", data, range_offsets_at)
    codes = set()
    for segment in range(segments):
        for code in range(starts[segment], ends[segment] + 1):
            if code == 0xFFFF:
                continue
            if range_offsets[segment] == 0:
                glyph = (code + deltas[segment]) & 0xFFFF
            else:
                at = (
                    range_offsets_at
                    + 2 * segment
                    + range_offsets[segment]
                    + 2 * (code - starts[segment])
                )
                (glyph,) = struct.unpack_from(">H", data, at)
                if glyph:
                    glyph = (glyph + deltas[segment]) & 0xFFFF
            if glyph:
                codes.add(code)
    return codes


def _format12(data: bytes, start: int) -> set[int]:
    (groups,) = struct.unpack_from(">I", data, start + 12)
    codes = set()
    for index in range(groups):
        first, last, glyph = struct.unpack_from(">III", data, start + 16 + 12 * index)
        codes.update(range(first if glyph else first + 1, last + 1))
    return codes


@functools.cache
def font_cmaps() -> tuple[frozenset[int], ...]:
    """Per shipped font, the code points it can draw."""
    return tuple(
        frozenset(_cmap(path))
        for path in sorted(FONTS_DIR.iterdir())
        if path.suffix in (".ttf", ".otf")
    )


@functools.cache
def covered() -> frozenset[int]:
    """Every code point some shipped font can draw."""
    return frozenset().union(*font_cmaps())


def strip_bidi_controls(text: str) -> str:
    return "".join(char for char in text if char not in BIDI_CONTROLS)


def is_visible(char: str) -> bool:
    return not (char.isspace() or char in BIDI_CONTROLS or is_default_ignorable(ord(char)))


def is_mark(char: str) -> bool:
    return unicodedata.category(char) in ("Mn", "Mc", "Me")


@functools.cache
def simple_characters() -> frozenset[str]:
    """Characters that can stay whatever their neighbours: a font has them, and they are
    letters, digits, punctuation, symbols or spaces (no marks, controls or formatting)."""
    simple = {
        chr(code)
        for code in covered()
        if unicodedata.category(chr(code))[0] in "LNPS" or unicodedata.category(chr(code)) == "Zs"
    }
    return frozenset(simple - FORBIDDEN) | KEPT_CONTROLS | {FSI, PDI}


def _font_mask(code: int, masks: dict[int, int] = {}) -> int:  # noqa: B006 - a cache
    """Which shipped fonts have the character: bit i for the i-th of `font_cmaps()`."""
    mask = masks.get(code)
    if mask is None:
        mask = sum(1 << index for index, cmap in enumerate(font_cmaps()) if code in cmap)
        masks[code] = mask
    return mask


def _isolates_balanced(text: str) -> bool:
    depth = 0
    for char in text:
        if char == FSI:
            depth += 1
        elif char == PDI:
            depth -= 1
            if depth < 0:
                return False
    return depth == 0


class PdfText:
    """Cleans texts for one PDF and remembers whether it had to replace a character."""

    def __init__(self) -> None:
        self.replaced = False

    def isolate(self, text: str) -> str:
        """One text of a person or a deck, as its own bidi island (an empty text stays empty:
        the layout leaves out what is empty)."""
        text = str(text)
        return FSI + strip_bidi_controls(text) + PDI if text else ""

    def clean(self, text: str) -> str:
        """`text` with only what the shipped fonts can draw, as described above.

        A combining mark is drawn by the font of the character it sits on (Typst needs one
        font for the whole cluster): a mark that no font of its base character has, or that has
        no base character in the text, is replaced as well.
        """
        text = str(text)
        if (
            simple_characters().issuperset(text)
            and (FSI not in text or _isolates_balanced(text))
            and any(not char.isspace() and char not in (FSI, PDI) for char in text)
        ):
            return text  # most texts: nothing to do
        replacement_mask = _font_mask(ord(REPLACEMENT))
        out = []
        base_mask = 0  # the fonts that can draw the cluster so far
        open_isolates = 0
        for char in text.replace("\r\n", "\n"):
            code = ord(char)
            if char in EMBEDDINGS:
                continue
            if char in ISOLATE_OPENERS or char == PDI:
                if char == PDI:
                    if not open_isolates:
                        continue  # closes nothing: it could only end an isolate of ours
                    open_isolates -= 1
                else:
                    open_isolates += 1
                out.append(char)
                base_mask = 0
                continue
            if char in LINE_BREAKS or char in KEPT_CONTROLS:
                out.append("\n" if char in LINE_BREAKS else char)
                base_mask = 0
                continue
            mask = _font_mask(code)
            if mask and is_mark(char):
                mask &= base_mask
            if not mask or char in FORBIDDEN or unicodedata.category(char) in NOT_TEXT:
                if char == "\ufeff" or (is_default_ignorable(code) and char not in FORBIDDEN):
                    continue  # invisible anyway
                self.replaced = True
                char, mask = REPLACEMENT, replacement_mask
            out.append(char)
            base_mask = mask
        cleaned = "".join(out) + PDI * open_isolates
        # What was typed: inside the isolate of `isolate()`, if that is what came in.
        inner = text[1:-1] if len(text) > 1 and text[0] == FSI and text[-1] == PDI else text
        if not any(map(is_visible, cleaned)) and not all(map(str.isspace, inner)):
            # Something was typed and nothing of it can be shown: say so rather than show
            # nothing (PDF/UA also refuses a heading without text).
            self.replaced = True
            return REPLACEMENT
        return cleaned

    def clean_all(self, value):
        """`clean` applied to every string in nested lists, tuples and dictionaries."""
        if isinstance(value, str):
            return self.clean(value)
        if isinstance(value, dict):
            return {key: self.clean_all(item) for key, item in value.items()}
        if isinstance(value, list | tuple):
            return [self.clean_all(item) for item in value]
        return value


def replaced_note() -> str:
    """The sentence a PDF shows when `PdfText.clean` replaced a character (active language)."""
    return _("Some characters could not be shown in this PDF; each of them appears as “�”.")

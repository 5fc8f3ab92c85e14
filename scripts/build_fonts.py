"""Make the fallback fonts in src/gesprekskaarten/reports/fonts/ that do not ship as they come.

Run it only to rebuild those fonts (they are committed; the product never runs this). It needs
fontTools, which is not a dependency of the product:

    uv run --no-project --with fonttools python scripts/build_fonts.py \
        --cjk /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc \
        --emoji "path/to/NotoEmoji[wght].ttf"

- `NotoSansCJKsc-Regular-subset.otf`: the "Noto Sans CJK SC" face of Debian's fonts-noto-cjk
  (NotoSansCJK-Regular.ttc, version 2.004), cut down to the characters of the common national
  character sets (GB 2312, JIS X 0208, Big5 level 1, KS X 1001: Han characters, Hangul
  syllables and the symbols in those sets), kana, bopomofo, Hangul compatibility jamo, CJK
  punctuation and full-width forms. A Han character outside those sets
  is replaced in a PDF (see docs/report-format.md); the full font is 16 MB, the subset about a
  fifth of that.
- `NotoEmoji-Regular.ttf`: the regular (400) instance of Google's monochrome Noto Emoji
  variable font (`NotoEmoji[wght].ttf`, version 3.002, as shipped in the PyPI package
  manimgx-fonts), made static because Typst embeds a static font most reliably.

Each output keeps its name, copyright and licence (SIL Open Font License 1.1) tables.
"""

import argparse
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTCollection, TTFont
from fontTools.varLib import instancer

FONTS = Path(__file__).resolve().parent.parent / "src" / "gesprekskaarten" / "reports" / "fonts"
CJK_FACE = "Noto Sans CJK SC"

# Blocks taken whole: CJK punctuation, kana, bopomofo, Hangul compatibility jamo, kana
# extensions, enclosed CJK letters, full-width and half-width forms.
CJK_RANGES = [
    (0x3000, 0x303F),
    (0x3040, 0x30FF),
    (0x3100, 0x312F),
    (0x3130, 0x318F),
    (0x31F0, 0x31FF),
    (0x3200, 0x32FF),
    (0xFF00, 0xFFEF),
]


def _decodable(codec: str, leads, trails) -> set[int]:
    """Every character that a two-byte sequence of a national character set decodes to."""
    found = set()
    for lead in leads:
        for trail in trails:
            try:
                text = bytes([lead, trail]).decode(codec)
            except UnicodeDecodeError:
                continue
            if len(text) == 1:
                found.add(ord(text))
    return found


def cjk_characters() -> set[int]:
    chars = _decodable("gb2312", range(0xA1, 0xFF), range(0xA1, 0xFF))
    chars |= _decodable("shift_jis", [*range(0x81, 0xA0), *range(0xE0, 0xF0)], range(0x40, 0xFD))
    chars |= _decodable("big5", range(0xA1, 0xC7), [*range(0x40, 0x7F), *range(0xA1, 0xFF)])
    chars |= _decodable("euc_kr", range(0xA1, 0xFF), range(0xA1, 0xFF))
    for first, last in CJK_RANGES:
        chars.update(range(first, last + 1))
    # Their arrows, maths signs, shapes and circled numbers too; not their Latin, Greek and
    # Cyrillic letters, which Noto Sans has.
    return {c for c in chars if c >= 0x2000}


def build_cjk(collection: Path) -> Path:
    face = next(
        font
        for font in TTCollection(str(collection)).fonts
        if font["name"].getDebugName(1) == CJK_FACE
    )
    options = subset.Options()
    options.layout_features = ["ccmp", "kern", "liga"]
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.notdef_outline = True
    options.hinting = False
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=cjk_characters())
    subsetter.subset(face)
    out = FONTS / "NotoSansCJKsc-Regular-subset.otf"
    face.save(str(out))
    return out


def build_emoji(variable: Path) -> Path:
    font = instancer.instantiateVariableFont(TTFont(str(variable)), {"wght": 400})
    out = FONTS / "NotoEmoji-Regular.ttf"
    font.save(str(out))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cjk", type=Path, help="NotoSansCJK-Regular.ttc of fonts-noto-cjk")
    parser.add_argument("--emoji", type=Path, help="NotoEmoji[wght].ttf (monochrome)")
    args = parser.parse_args()
    if args.cjk:
        out = build_cjk(args.cjk)
        print(f"{out.name}: {out.stat().st_size} bytes")
    if args.emoji:
        out = build_emoji(args.emoji)
        print(f"{out.name}: {out.stat().st_size} bytes")


if __name__ == "__main__":
    main()

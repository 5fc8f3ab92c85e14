"""Fail when interface texts are not extracted into the .po files, not translated or not compiled.

Run from the repository root (`make check-translations`); it restores the .po files it touches.
`--update` extracts for real (`make messages` uses it).
"""

import re
import subprocess
import sys
import tempfile
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "src" / "gesprekskaarten"
LANGUAGES = ["nl", "en"]
VOLATILE = re.compile(r'^"POT-Creation-Date: .*\\n"\n', re.MULTILINE)


def po_path(language: str) -> Path:
    return PACKAGE / "locale" / language / "LC_MESSAGES" / "django.po"


def extract() -> None:
    """Extract the texts into the .po files. English msgids are the English texts: guesses
    (fuzzy) are reset and every empty English entry is filled with its msgid."""
    subprocess.run(
        [sys.executable, "-m", "gesprekskaarten", "manage", "makemessages", "--no-location",
         "--no-obsolete", *[f"-l{lang}" for lang in LANGUAGES]],
        cwd=PACKAGE, check=True, capture_output=True,
    )  # fmt: skip
    english = str(po_path("en"))
    subprocess.run(["msgattrib", "--clear-fuzzy", "--empty", "-o", english, english], check=True)
    subprocess.run(["msgen", "-o", english, english], check=True)


def main() -> int:
    if "--update" in sys.argv:
        extract()
        return 0
    problems = []
    before = {lang: po_path(lang).read_text(encoding="utf-8") for lang in LANGUAGES}
    try:
        extract()
        for lang in LANGUAGES:
            after = po_path(lang).read_text(encoding="utf-8")
            if VOLATILE.sub("", after) != VOLATILE.sub("", before[lang]):
                problems.append(f"{po_path(lang)} is not up to date: run 'make messages'.")
    finally:
        for lang, text in before.items():
            po_path(lang).write_text(text, encoding="utf-8")

    for lang in LANGUAGES:
        po = po_path(lang)
        fuzzy = subprocess.run(
            ["msgattrib", "--only-fuzzy", "--no-wrap", str(po)],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
        untranslated = subprocess.run(
            ["msgattrib", "--untranslated", "--no-fuzzy", "--no-wrap", str(po)],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
        for label, output in (("fuzzy", fuzzy.stdout), ("untranslated", untranslated.stdout)):
            ids = re.findall(r'^msgid "(.+)"$', output, re.MULTILINE)
            if ids:
                problems.append(f"{po}: {len(ids)} {label} texts, e.g. {ids[0]!r}.")
        with tempfile.TemporaryDirectory() as tmp:
            compiled = Path(tmp) / "django.mo"
            subprocess.run(["msgfmt", "--check", "-o", str(compiled), str(po)], check=True)
            if compiled.read_bytes() != po.with_suffix(".mo").read_bytes():
                problems.append(f"{po.with_suffix('.mo')} is not compiled: run 'make messages'.")

    for problem in problems:
        print(problem, file=sys.stderr)
    if not problems:
        print("Translations are extracted, complete and compiled.")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())

"""How long printing the deck takes, against a trivial document with the same engine.

    uv run python bench/print_deck.py [--repeat 10]

Uses a throwaway SQLite database (the shipped deck is loaded by `migrate`). Each measurement of a
"fresh process" runs in a new Python process, so it includes Typst's first-time work (fonts,
caches) but not Python start-up and Django set-up; "again" is the median of repeated renders in
one process, which is what a running server sees. See bench/README.md and docs/performance.md.
"""

import argparse
import io
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LAYOUTS = ("a6", "a4-4up")
LANGUAGES = ("nl", "en")
TRIVIAL = '#set document(title: "Baseline")\n#set text(font: "Noto Sans", lang: "nl")\nHallo.\n'


def setup(var_dir: str) -> None:
    os.environ["GK_VAR_DIR"] = var_dir
    os.environ["DJANGO_SETTINGS_MODULE"] = "gesprekskaarten.settings.dev"
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()


def trivial_pdf() -> bytes:
    """A one-page document through the same engine, fonts and PDF standards as the deck."""
    import typst

    from gesprekskaarten.reports import deck_pdf

    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "trivial.typ"
        source.write_text(TRIVIAL, encoding="utf-8")
        compiler = typst.Compiler(root=folder, font_paths=deck_pdf._fonts())
        return compiler.compile(
            input=str(source), format="pdf", pdf_standards=deck_pdf.PDF_STANDARDS
        )


def timed(function, *args) -> tuple[float, object]:
    start = time.perf_counter()
    result = function(*args)
    return time.perf_counter() - start, result


def fresh_process(var_dir: str) -> dict:
    """Run in a child process: the first trivial PDF, then the whole deck in both layouts."""
    setup(var_dir)
    from django.utils import translation

    from gesprekskaarten.decks.services import default_deck_version
    from gesprekskaarten.reports.deck_pdf import deck_document, render_deck_pdf

    version = default_deck_version()
    version.principles.count()  # open the database connection outside the measurement
    results = {"trivial": timed(trivial_pdf)[0]}
    with translation.override("nl"):  # the first time: makes the QR codes (then kept)
        results["data"] = timed(deck_document, version, "nl", "http://127.0.0.1:8000")[0]
    for layout in LAYOUTS:
        results[layout] = timed(render_deck_pdf, version, "nl", layout)[0]
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=10, help="renders per median (default 10)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(fresh_process(args.child)))
        return 0

    with tempfile.TemporaryDirectory(prefix="gk-bench-") as var_dir:
        setup(var_dir)
        from django.core.management import call_command

        call_command("migrate", interactive=False, verbosity=0)  # loads the shipped deck
        import typst
        from pypdf import PdfReader

        from gesprekskaarten.decks.services import default_deck_version
        from gesprekskaarten.reports.deck_pdf import deck_document, render_deck_pdf

        child = [sys.executable, __file__, "--child", var_dir]
        fresh = [
            json.loads(subprocess.run(child, check=True, capture_output=True, text=True).stdout)
            for _ in range(5)
        ]
        version = default_deck_version()

        def median(function, *arguments) -> float:
            function(*arguments)
            return statistics.median(timed(function, *arguments)[0] for _ in range(args.repeat))

        trivial = median(trivial_pdf)
        rows = []
        for language in LANGUAGES:
            for layout in LAYOUTS:
                pdf = render_deck_pdf(version, language, layout)
                pages = len(PdfReader(io.BytesIO(pdf)).pages)
                seconds = median(render_deck_pdf, version, language, layout)
                rows.append((language, layout, pages, len(pdf), seconds))
        from django.utils import translation

        with translation.override("nl"):
            data = median(deck_document, version, "nl", "http://127.0.0.1:8000")

    cpus = os.cpu_count()
    print(
        f"Printing the deck: Typst {typst.__version__}, Python {platform.python_version()}, "
        f"{cpus} CPUs, {platform.machine()}; deck {version.deck.slug} v{version.number}."
    )
    print()
    print("Fresh process (first renders after start; 5 processes, median):")
    first_trivial = statistics.median(run["trivial"] for run in fresh)
    first = {key: statistics.median(run[key] for run in fresh) for key in ("data", *LAYOUTS)}
    print(f"  baseline: trivial one-page PDF          {first_trivial * 1000:7.0f} ms")
    print(f"  deck data, QR codes made the first time {first['data'] * 1000:7.0f} ms")
    for layout in LAYOUTS:
        print(f"  whole deck, nl, {layout:<7}                {first[layout] * 1000:7.0f} ms")
    both = sum(first.values())
    verdict = "within" if both < 1.0 else "OVER"
    print(f"  whole deck in both layouts               {both * 1000:7.0f} ms  ({verdict} 1 s)")
    print()
    print(f"Again in the same process (median of {args.repeat}):")
    print(f"  baseline: trivial one-page PDF          {trivial * 1000:7.1f} ms")
    print(f"  deck data: database, texts, QR codes    {data * 1000:7.1f} ms")
    for language, layout, pages, size, seconds in rows:
        ratio = seconds / trivial
        print(
            f"  whole deck, {language}, {layout:<7} {pages:3d} pages {size // 1024:4d} KB"
            f" {seconds * 1000:7.1f} ms  ({ratio:4.1f} x baseline)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())

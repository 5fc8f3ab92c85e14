"""How long making a gesprek's report takes, per format, against a trivial PDF with the same engine.

    uv run python bench/report.py [--repeat 10]
    uv run python bench/report.py --smoke      # one round, for tests/bench (about 15 s)

Uses a throwaway SQLite database (the shipped deck is loaded by `migrate`) with one realistic
ended gesprek: 7 cards, behaviours for everyone and leaders, 12 participants who answered every
behaviour, 30 notes, 5 rode draden, a closed dot vote and 6 agreements; and a team history of
that team with 4 such gesprekken. "Fresh process" renders the first PDF report in a new Python
process (Typst's first-time work included, Python start-up and Django set-up not); "again" is the
median of repeated renders in one process, which is what a running server sees. Each report
includes building its summary from the database. See bench/README.md and docs/performance.md.
"""

import argparse
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
sys.path.insert(0, str(ROOT))  # tests/reports/builders.py makes the gesprek
TARGET = 0.5  # seconds per report (issue: "a report under 0.5 s")
FORMATS = ("pdf", "html", "md", "csv", "json")
SIZE = {"cards": 7, "people": 12, "notes": 30, "themes": 5, "agreements": 6}


def setup(var_dir: str) -> None:
    os.environ["GK_VAR_DIR"] = var_dir
    os.environ["DJANGO_SETTINGS_MODULE"] = "gesprekskaarten.settings.dev"
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()


def timed(function, *args) -> tuple[float, object]:
    start = time.perf_counter()
    result = function(*args)
    return time.perf_counter() - start, result


def make_data(gesprekken: int) -> str:
    """The team's gesprekken, the last one the one measured; returns its public id."""
    from django.core.management import call_command
    from tests.reports.builders import closed_gesprek

    call_command("migrate", interactive=False, verbosity=0)  # loads the shipped deck
    built = closed_gesprek(threshold=3, **SIZE)
    team, user = built.gesprek.team, built.gesprek.created_by
    for _ in range(gesprekken - 1):
        built = closed_gesprek(threshold=3, team=team, user=user, **SIZE)
    return str(built.gesprek.public_id)


def gesprek(public_id: str):
    from gesprekskaarten.meetings.models import Gesprek

    return Gesprek.objects.select_related("team", "deck_version__deck").get(public_id=public_id)


def fresh_process(var_dir: str, public_id: str) -> dict:
    """Run in a child process: the first PDF report, then the first team history PDF."""
    setup(var_dir)
    from gesprekskaarten.reports.gesprek_report import render_report
    from gesprekskaarten.reports.history import build_history, render_history_pdf

    subject = gesprek(public_id)  # opens the database connection outside the measurement
    first = timed(render_report, subject, "pdf", "nl")[0]
    history = timed(lambda: render_history_pdf(build_history(subject.team, "nl")))[0]
    return {"pdf": first, "history": history}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=10, help="renders per median (default 10)")
    parser.add_argument("--smoke", action="store_true", help="one round, one fresh process")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(fresh_process(*args.child)))
        return 0
    repeat, processes, gesprekken = (1, 1, 2) if args.smoke else (args.repeat, 5, 4)

    with tempfile.TemporaryDirectory(prefix="gk-bench-") as var_dir:
        setup(var_dir)
        import typst

        sys.path.insert(0, str(ROOT / "bench"))
        from print_deck import trivial_pdf

        from gesprekskaarten.reports.gesprek_report import render_report
        from gesprekskaarten.reports.history import build_history, render_history_pdf
        from gesprekskaarten.reports.summary import build_summary

        started = time.perf_counter()
        public_id = make_data(gesprekken)
        setup_seconds = time.perf_counter() - started
        child = [sys.executable, __file__, "--child", var_dir, public_id]
        fresh = [
            json.loads(subprocess.run(child, check=True, capture_output=True, text=True).stdout)
            for _ in range(processes)
        ]
        subject = gesprek(public_id)

        def median(function, *arguments) -> float:
            function(*arguments)
            return statistics.median(timed(function, *arguments)[0] for _ in range(repeat))

        trivial = median(trivial_pdf)
        summary = median(build_summary, subject, "nl")
        rows = []
        for extension in FORMATS:
            size = len(render_report(subject, extension, "nl"))
            rows.append((extension, size, median(render_report, subject, extension, "nl")))
        history = median(lambda: render_history_pdf(build_history(subject.team, "nl")))
        history_data = median(build_history, subject.team, "nl")

    print(
        f"Gesprek reports: Typst {typst.__version__}, Python {platform.python_version()}, "
        f"{os.cpu_count()} CPUs, {platform.machine()}; SQLite."
    )
    print(
        f"The gesprek: {SIZE['cards']} cards, {SIZE['people']} participants, {SIZE['notes']} "
        f"notes, {SIZE['themes']} rode draden, 1 vote, {SIZE['agreements']} agreements; the "
        f"team history has {gesprekken} such gesprekken (set-up {setup_seconds:.1f} s)."
    )
    print()
    print(f"Fresh process (first render after start; {processes} process(es), median):")
    first_pdf = statistics.median(run["pdf"] for run in fresh)
    first_history = statistics.median(run["history"] for run in fresh)
    for name, seconds in (("report as pdf", first_pdf), ("team history pdf", first_history)):
        verdict = "within" if seconds < TARGET else "OVER"
        print(f"  {name:<30} {seconds * 1000:7.0f} ms  ({verdict} {TARGET} s)")
    print()
    print(f"Again in the same process (median of {repeat}):")
    print(f"  baseline: trivial one-page PDF {trivial * 1000:7.1f} ms")
    print(f"  summary (database, k rule)     {summary * 1000:7.1f} ms")
    for extension, size, seconds in rows:
        verdict = "within" if seconds < TARGET else "OVER"
        print(
            f"  report as {extension:<5} {size // 1024:5d} KB    {seconds * 1000:7.1f} ms"
            f"  ({seconds / trivial:5.1f} x baseline; {verdict} {TARGET} s)"
        )
    print(f"  team history data              {history_data * 1000:7.1f} ms")
    verdict = "within" if history < TARGET else "OVER"
    print(
        f"  team history pdf               {history * 1000:7.1f} ms"
        f"  ({history / trivial:5.1f} x baseline; {verdict} {TARGET} s)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

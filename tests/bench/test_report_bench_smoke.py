"""The report benchmark runs end to end with one round (`--smoke`), so it cannot rot.

It checks that every figure is printed, not what the figures are: timings on a shared test
machine mean nothing. The real runs are recorded in docs/performance.md.
"""

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BENCH = ROOT / "bench" / "report.py"


def test_report_benchmark_smoke_run_prints_every_figure():
    env = {**os.environ}
    env.pop("DATABASE_URL", None)  # the benchmark makes its own SQLite database
    env.pop("DJANGO_SETTINGS_MODULE", None)
    done = subprocess.run(
        [sys.executable, str(BENCH), "--smoke"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout
    for label in (
        "7 cards, 12 participants, 30 notes, 5 rode draden, 1 vote, 6 agreements",
        "baseline: trivial one-page PDF",
        "summary (database, k rule)",
        "team history pdf",
    ):
        assert label in out, f"{label!r} missing from:\n{out}"
    for extension in ("pdf", "html", "md", "csv", "json"):
        assert re.search(rf"report as {extension} +\d+ KB +\d+\.\d ms", out), out
    assert len(re.findall(r"(within|OVER) 0\.5 s\)", out)) == 2 + 5 + 1, out

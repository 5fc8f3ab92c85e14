"""The benchmarks run end to end with tiny numbers (`--smoke`), so they cannot rot.

These check that each one finishes and prints every figure, not what the figures are: timings
on a shared test machine mean nothing. The real runs are recorded in docs/performance.md.
"""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def smoke_run(script: str, *options: str, timeout: float) -> str:
    """Run bench/<script> --smoke on its own SQLite database; returns what it printed."""
    env = {**os.environ}
    env.pop("DATABASE_URL", None)  # each benchmark makes its own SQLite databases
    env.pop("DJANGO_SETTINGS_MODULE", None)
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / script), "--smoke", *options],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_live_path_benchmark_smoke_run_prints_every_figure():
    if not os.access("/usr/bin/redis-server", os.X_OK):
        pytest.skip(
            "redis-server is missing (Debian package redis-server); run 'make test' as root."
        )
    out = smoke_run("live_path.py", "--pin", timeout=180)  # --pin: the CPU affinity code too
    for label in (
        "CPU µs/delivery",
        "delivered/s",
        "RSS KB/client",
        "write: CPU ms/answer",
        "answer→visible p50 ms",
        "c/a = ",
        "c/b = ",
    ):
        assert label in out, f"{label!r} missing from:\n{out}"
    for path in ("a bare SSE", "b Channels", "c Gesprekskaarten"):
        assert f"| {path} |" in out, out
    assert "figures: complete" in out, out
    assert re.search(
        r"Idle \(.*\): \d+\.\d ms CPU/s at \d+\. Write CPU per answer without it: -?\d", out
    ), out
    table = [line for line in out.splitlines() if line.startswith("| ")]
    assert not [line for line in table if "n/a" in line], out


def test_report_benchmark_smoke_run_prints_every_figure():
    out = smoke_run("report.py", timeout=300)
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


def test_live_herd_benchmark_smoke_run_prints_every_figure():
    if not os.access("/usr/bin/redis-server", os.X_OK):
        pytest.skip(
            "redis-server is missing (Debian package redis-server); run 'make test' as root."
        )
    out = smoke_run("live_herd.py", timeout=180)
    for label in (
        "lobby → marking",
        "progress (reference)",
        "marking → results",
        "results → discussion",
        "next question",
        "note posted",
        "rode draad made",
        "vote opened",
        "vote closed",
        "agreement made",
        "content / fetch",
        "participant page (a card to mark)",
        "participant page (results)",
        "participant page (discussion)",
        "facilitator's control page (discussion), for information",
        "presenter screen (discussion), for information",
        "trivial Django view: GET /taal/ (302)",
        "bare ASGI reply: GET /live/stream/ (403)",
        "content mode, fallbacks to a page fetch",
    ):
        assert label in out, f"{label!r} missing from:\n{out}"
    for mode in ("fetch", "content"):
        assert re.search(rf"^\| {mode} \| 5 \| \d+\.\d+ \| \d+\.\d \(\d+\.\d\) \|", out, re.M), out
    assert "figures: complete" in out, out
    table = [line for line in out.splitlines() if line.startswith("| ")]
    assert not [line for line in table if "n/a" in line], out


def test_django_handler_benchmark_smoke_run_prints_every_figure():
    out = smoke_run("django_handler.py", timeout=120)
    for page in ("/kaarten/", "/toegankelijkheid/"):
        assert re.search(rf"\| {page} \| \d+\.\d\d \| \d+\.\d\d \| \d+\.\d\dx \|", out), out
    assert "figures: complete" in out, out


def test_live_herd_many_gesprekken_smoke_run_prints_every_figure():
    """--many: three gesprekken of four screens and a presenter screen each, the whole method."""
    if not os.access("/usr/bin/redis-server", os.X_OK):
        pytest.skip(
            "redis-server is missing (Debian package redis-server); run 'make test' as root."
        )
    out = smoke_run("live_herd.py", "--many", "--modes", "content", timeout=180)
    assert "3 of 4 screens, the whole method at once" in out, out
    assert "and a presenter screen per gesprek" in out, out
    # 3 gesprekken x 10 changes; each shown on 4 phones and the presenter, the author's own
    # note and answer counted once: every change reached every screen, none late or by fetch.
    found = re.search(r"^\| content \| 12 \| 30 \| [\d.,]+ \| [\d.,]+ \| [\d.,]+ \| [\d.,]+ "
                      r"\| [\d.]+ \| 0/(\d+) \| 0 \|$", out, re.M)  # fmt: skip
    assert found, out
    assert "figures: complete" in out, out

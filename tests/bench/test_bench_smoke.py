"""The live-path benchmark runs end to end with tiny numbers (`--smoke`), so it cannot rot.

This checks that it finishes and prints every figure, not what the figures are: timings on a
shared test machine mean nothing. The real runs are recorded in docs/performance.md.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BENCH = ROOT / "bench" / "live_path.py"


def test_live_path_benchmark_smoke_run_prints_every_figure():
    if not os.access("/usr/bin/redis-server", os.X_OK):
        pytest.skip(
            "redis-server is missing (Debian package redis-server); run 'make test' as root."
        )
    env = {**os.environ}
    env.pop("DATABASE_URL", None)  # the benchmark makes its own SQLite databases
    done = subprocess.run(
        [sys.executable, str(BENCH), "--smoke"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout
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
    table = [line for line in out.splitlines() if line.startswith("| ")]
    assert not [line for line in table if "n/a" in line], out

"""The shipped systemd units pass `systemd-analyze verify` (no unknown keys, valid timers), and
the restart timing docs/operations.md describes is the one the files set."""

import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
UNITS = ROOT / "deploy" / "systemd"
ANALYZE = shutil.which("systemd-analyze")


@pytest.mark.skipif(ANALYZE is None, reason="systemd-analyze is not installed")
def test_units_verify(tmp_path):
    """Checked as shipped; only the programs of the installation are replaced by /bin/true
    and the settings file is made optional, which this machine does not have."""
    for unit in UNITS.iterdir():
        text = unit.read_text()
        text = text.replace("/opt/gesprekskaarten/.venv/bin/gesprekskaarten", "/bin/true")
        text = text.replace("/usr/local/bin/gesprekskaarten-backup", "/bin/true")
        text = text.replace("EnvironmentFile=/", "EnvironmentFile=-/")
        (tmp_path / unit.name).write_text(text)
    names = sorted(
        path.name for path in tmp_path.iterdir() if path.name != "gesprekskaarten@.service"
    )
    names.append("gesprekskaarten@8001.service")
    result = subprocess.run(
        [ANALYZE, "verify", "--man=no", *(f"./{name}" for name in names)],
        cwd=tmp_path, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip() == "" and result.stdout.strip() == "", result.stderr


def test_backup_and_its_timer_are_shipped():
    service = (UNITS / "gesprekskaarten-backup.service").read_text()
    assert "ExecStart=/usr/local/bin/gesprekskaarten-backup" in service
    assert "ReadWritePaths=-/var/backups/gesprekskaarten" in service
    assert "OnCalendar=" in (UNITS / "gesprekskaarten-backup.timer").read_text()
    assert (ROOT / "deploy" / "bin" / "gesprekskaarten-backup").stat().st_mode & 0o111


def test_the_documented_restart_timing_is_the_configured_one():
    restart = re.search(
        r"^RestartSec=(\d+)$", (UNITS / "gesprekskaarten@.service").read_text(), re.M
    )
    site = (ROOT / "deploy" / "nginx" / "gesprekskaarten.conf").read_text()
    fail_timeouts = set(re.findall(r"fail_timeout=(\d+)s", site))
    assert len(fail_timeouts) == 1
    docs = (ROOT / "docs" / "operations.md").read_text()
    assert f"`RestartSec={restart.group(1)}`" in docs
    assert f"`fail_timeout` ({fail_timeouts.pop()} s)" in docs
    unit = (UNITS / "gesprekskaarten@.service").read_text()
    assert "--log-level" not in unit.split("ExecStart=", 1)[1].splitlines()[0]

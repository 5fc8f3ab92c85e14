"""Helpers shared by the benchmarks: CPU time and memory of processes (from /proc), free ports,
file descriptor limits, percentiles and starting/stopping server processes."""

from __future__ import annotations

import contextlib
import os
import resource
import signal
import socket
import subprocess
import time
from pathlib import Path

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent


def _stat_fields(pid: int) -> list[str]:
    # The command name may contain spaces and parentheses: split after the last ")".
    text = Path(f"/proc/{pid}/stat").read_text()
    return text.rsplit(")", 1)[1].split()


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process, including its children that have exited and been
    waited for (cutime/cstime) and, recursively, its children that are still running. For a
    PostgreSQL postmaster this is the CPU of all backends."""
    try:
        fields = _stat_fields(pid)
    except (FileNotFoundError, ProcessLookupError):
        return 0.0
    # fields[0] is the state (field 3 of the man page): utime is field 14, so index 11.
    total = sum(int(value) for value in fields[11:15]) / CLOCK_TICKS
    for child in children(pid):
        total += cpu_seconds(child)
    return total


def children(pid: int) -> list[int]:
    found = []
    with contextlib.suppress(FileNotFoundError):
        for task in Path(f"/proc/{pid}/task").iterdir():
            with contextlib.suppress(FileNotFoundError):
                found += [int(x) for x in (task / "children").read_text().split()]
    return found


def total_cpu(pids) -> float:
    return sum(cpu_seconds(pid) for pid in pids)


def rss_kb(pid: int) -> int:
    """Resident memory of a process in KiB (VmRSS)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for process {pid}")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def raise_fd_limit() -> int:
    """Raise the soft limit on open files to the hard limit (inherited by child processes)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY:
        hard = 1 << 20
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def percentile(values, fraction: float) -> float | None:
    """Nearest-rank percentile (fraction 0..1) of a sequence; None when it is empty."""
    if not len(values):
        return None
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * len(ordered) + 0.5) - 1))
    return ordered[index]


def wait_for_port(port: int, process: subprocess.Popen, timeout: float, log: Path) -> None:
    deadline = time.monotonic() + timeout
    while True:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.5):
            return
        if process.poll() is not None or time.monotonic() > deadline:
            stop(process)
            raise RuntimeError(f"server on port {port} did not start:\n{log.read_text()[-3000:]}")
        time.sleep(0.05)


def wait_idle(pids, limit: float = 60.0, quiet: float = 0.05, interval: float = 0.5) -> float:
    """Wait until the processes use less than `quiet` of a core over `interval` seconds (or
    `limit` seconds have passed); returns the seconds waited."""
    started = time.monotonic()
    previous = total_cpu(pids)
    while time.monotonic() - started < limit:
        time.sleep(interval)
        current = total_cpu(pids)
        if current - previous < quiet * interval:
            break
        previous = current
    return time.monotonic() - started


def idle_cpu(pids, seconds: float = 3.0) -> float:
    """CPU seconds per second the processes use while nothing is asked of them."""
    before = total_cpu(pids)
    time.sleep(seconds)
    return (total_cpu(pids) - before) / seconds


def stop(process: subprocess.Popen | None, timeout: float = 15) -> None:
    """SIGTERM, then SIGKILL: only the process we started, by its id."""
    if process is None or process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(10)

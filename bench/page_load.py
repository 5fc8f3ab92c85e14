"""Request load on ordinary pages: wrk against `gesprekskaarten serve --workers 2`.

    uv run python bench/page_load.py                    # 3 pages x 2 loads x 20 s
    uv run python bench/page_load.py --duration 10 --connections 64

Starts the app with the production settings (static files collected by `serve`, SQLite in a
temporary directory, `demo` data), joins one participant and opens marking over HTTP, then runs
Debian's `wrk` (apt-get install wrk) against three pages one after the other:

- home          /                              the public start page
- card          /kaarten/ambtelijk-vakmanschap/vertrouwen/   a card of the deck
- participant   /g/<code>/                     a participant's marking overview (with cookie)

and prints requests per second and the latency percentiles, p95 included (wrk's --latency
prints p50/75/90/99 only; a small Lua script adds p95). The load generator is on the same
2 cores as the server: the figures are for this machine as a whole.
"""

from __future__ import annotations

import argparse
import os
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import benchlib
import httpx

WRK = shutil.which("wrk") or "/usr/bin/wrk"
LUA = """
done = function(summary, latency, requests)
  io.write(string.format("GK %d %d %d %d %d %d %d %d %d\\n",
    summary.requests, summary.duration, summary.errors.status + summary.errors.connect
      + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(95),
    latency:percentile(99), latency.max, summary.bytes))
end
"""


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=20, help="seconds per page")
    parser.add_argument("--connections", default="8,32", help="open connections, e.g. 8,32")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--workers", type=int, default=2, help="server processes")
    return parser.parse_args(argv)


def csrf(text: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', text).group(1)


def prepare_participant(base: str, username: str, password: str) -> tuple[str, str]:
    """A facilitator starts a gesprek and opens marking; a participant joins. Returns the
    participant's page and cookie."""
    with httpx.Client(base_url=base, timeout=30) as http:
        page = http.get("/inloggen/")
        http.post(
            "/inloggen/",
            data={"csrfmiddlewaretoken": csrf(page.text), "username": username,
                  "password": password},
        )  # fmt: skip
        page = http.get("/begeleiden/nieuw/")
        started = http.post(
            "/begeleiden/nieuw/",
            data={
                "csrfmiddlewaretoken": csrf(page.text),
                "team": re.search(r'<option value="([^"]+)"', page.text).group(1),
                "principles": re.findall(r'name="principles" value="([^"]+)"', page.text)[:2],
                "audience": "both",
                "threshold": "3",
            },
        )
        control = started.headers["location"]
        page = http.get(control)
        code = re.search(r"/doe-mee/([A-Z0-9]{10})/", page.text).group(1)
        http.post(
            control + "stap/", data={"csrfmiddlewaretoken": csrf(page.text), "step": "marking"}
        )
    with httpx.Client(base_url=base, timeout=30) as http:
        page = http.get(f"/doe-mee/{code}/")
        http.post(f"/doe-mee/{code}/", data={"csrfmiddlewaretoken": csrf(page.text)})
        cookie = f"gk_p_{code}={http.cookies[f'gk_p_{code}']}"
        assert http.get(f"/g/{code}/").status_code == 200
    return f"/g/{code}/", cookie


def run_wrk(args, connections: int, url: str, headers: list[str], script: Path) -> dict:
    command = [WRK, "-t", str(args.threads), "-c", str(connections),
               "-d", f"{args.duration}s", "--timeout", "10s", "-s", str(script)]  # fmt: skip
    for header in headers:
        command += ["-H", header]
    output = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    numbers = [int(x) for x in re.search(r"^GK (.*)$", output, re.M).group(1).split()]
    requests, micros, errors, p50, p90, p95, p99, top, size = numbers
    return {
        "requests": requests,
        "rate": requests / (micros / 1e6),
        "errors": errors,
        "p50": p50 / 1000,
        "p90": p90 / 1000,
        "p95": p95 / 1000,
        "p99": p99 / 1000,
        "max": top / 1000,
        "kb": size / max(requests, 1) / 1024,
    }


def main(argv=None) -> int:
    args = parse_args(argv)
    if not os.access(WRK, os.X_OK):
        print("wrk is missing (Debian package wrk: apt-get install -y wrk).", file=sys.stderr)
        return 2
    benchlib.raise_fd_limit()
    directory = Path(tempfile.mkdtemp(prefix="gk-page-load-"))
    env = {
        **os.environ,
        "GK_VAR_DIR": str(directory),
        "DJANGO_SETTINGS_MODULE": "gesprekskaarten.settings.production",
        "SECRET_KEY": secrets.token_urlsafe(40),
        "GK_SECURE_COOKIES": "false",
        "LOG_LEVEL": "WARNING",
    }
    env.pop("DATABASE_URL", None)
    python = [sys.executable, "-m", "gesprekskaarten"]
    demo = subprocess.run(
        [*python, "demo"], env=env, capture_output=True, text=True, check=True, cwd=benchlib.ROOT
    )
    username = re.search(r"user name: (\S+)", demo.stdout).group(1)
    password = re.search(r"password: +(\S+)", demo.stdout).group(1)
    port = benchlib.free_port()
    base = f"http://127.0.0.1:{port}"
    log = directory / "server.log"
    server = subprocess.Popen(
        [*python, "serve", "--port", str(port), "--workers", str(args.workers),
         "--log-level", "warning"],
        env=env, cwd=benchlib.ROOT, stdout=log.open("wb"), stderr=subprocess.STDOUT,
    )  # fmt: skip
    script = directory / "p95.lua"
    script.write_text(LUA)
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(base + "/", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(log.read_text())
            time.sleep(0.2)
        participant, cookie = prepare_participant(base, username, password)
        pages = [
            ("home", "/", []),
            ("card", "/kaarten/ambtelijk-vakmanschap/vertrouwen/", []),
            ("participant", participant, [f"Cookie: {cookie}"]),
        ]
        print(
            f"wrk -t{args.threads} -d{args.duration}s --latency against `gesprekskaarten serve "
            f"--workers {args.workers}` (production settings, SQLite), {os.cpu_count()} CPUs"
        )
        print()
        columns = ["page", "connections", "requests/s", "p50 ms", "p90 ms", "p95 ms", "p99 ms",
                   "max ms", "KB/response", "errors"]  # fmt: skip
        print("| " + " | ".join(columns) + " |")
        print("| --- |" + " ---: |" * (len(columns) - 1))
        for name, path, headers in pages:
            for _ in range(20):  # warm up every worker
                httpx.get(base + path, headers=dict(h.split(": ", 1) for h in headers))
            for connections in [int(x) for x in args.connections.split(",")]:
                r = run_wrk(args, connections, base + path, headers, script)
                print(
                    f"| {name} `{path}` | {connections} | {r['rate']:.0f} | {r['p50']:.1f} | "
                    f"{r['p90']:.1f} | {r['p95']:.1f} | {r['p99']:.1f} | {r['max']:.1f} | "
                    f"{r['kb']:.1f} | {r['errors']} |",
                    flush=True,
                )
    finally:
        benchlib.stop(server)
        shutil.rmtree(directory, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

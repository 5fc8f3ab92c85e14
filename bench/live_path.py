"""Live-path benchmark: Gesprekskaarten's live path against two references, same run, same load.

    uv run python bench/live_path.py --clients 30,300,3000,10000 --duration 20
    uv run python bench/live_path.py --smoke        # tiny numbers, a few seconds (tests use it)

For each number of connected clients, three servers are started in turn, each fresh, each a
uvicorn process on loopback, and measured by the load generator (bench/live_loadgen.py, a
process of its own):

  (a) bare   a bare ASGI Server-Sent Events broadcast, no Django (bench/ref_bare_sse.py):
             the practical limit;
  (b) chan   the conventional Django Channels design (bench/ref_channels.py): a WebSocket
             consumer per client, group_send on the InMemoryChannelLayer;
  (c) gk     Gesprekskaarten itself: `gesprekskaarten demo` + `serve` on a fresh SQLite
             database, Redis as the broker; participants join, answer and follow the stream
             of their real pages.

Figures (see bench/README.md for exactly what each one counts): fan-out CPU per delivered
event, delivered events per second, publish-to-receive latency, resident memory per connected
client; for (c) also write-path CPU per accepted answer and answer-to-visible latency on the
facilitator's screen while a share of the participants is answering.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import benchlib

PATHS = {"a": "a bare SSE", "b": "b Channels", "c": "c Gesprekskaarten"}
REDIS_SERVER = "/usr/bin/redis-server"
PYTHON = sys.executable


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add = parser.add_argument
    add("--clients", default="30,300,3000,10000", help="connected clients, e.g. 30,300")
    add("--duration", type=float, default=20, help="seconds of each fan-out and answer phase")
    add("--write-duration", type=float, help="seconds of the write phase (default: duration/2)")
    add("--paths", default="a,b,c", help="which of a,b,c to run")
    add("--answering-share", type=float, default=0.2, help="share that answers (0.2: 1 in 5)")
    add("--answer-interval", type=float, default=4.0, help="mean seconds between two answers")
    add("--event-share", type=float, help="share of answers that change progress (1/behaviours)")
    add("--http-joins", type=int, default=10, help="participants that join over HTTP")
    add(
        "--gesprek-size",
        type=int,
        default=0,
        help="(c) clients per gesprek: many gesprekken of this size, each with a facilitator "
        "(no fan-out phase); 0: all clients in one gesprek",
    )
    add(
        "--workers",
        type=int,
        default=1,
        help="(c) app processes (`serve --workers`); with 2 or more the CPU and memory of all of "
        "them count",
    )
    add(
        "--pin",
        action="store_true",
        help="run each server on the last CPU and the load generator on the others, so that "
        "the 10,000 simulated phones do not take CPU time from the server they measure",
    )
    add("--payload", type=int, default=40, help="padding bytes in each fan-out event")
    add(
        "--database",
        choices=["sqlite", "postgres"],
        default="sqlite",
        help="(c)'s database; "
        "postgres: a database per run in the cluster of DATABASE_URL (scripts/with-postgres.sh)",
    )
    add("--json", help="also write the raw results to this file")
    add("--report", metavar="JSON", help="only print the tables of results saved with --json")
    add("--keep", action="store_true", help="keep the temporary directory (logs, databases)")
    add("--smoke", action="store_true", help="tiny numbers: checks that everything runs")
    args = parser.parse_args(argv)
    if args.smoke:
        args.clients, args.duration, args.write_duration = "6", 1.0, 0.7
        args.answering_share, args.answer_interval, args.http_joins = 0.5, 0.4, 2
        args.event_share = 0.5  # enough progress events in a second
    args.sizes = [int(x) for x in args.clients.split(",") if x.strip()]
    args.paths = [x.strip() for x in args.paths.split(",") if x.strip()]
    if args.write_duration is None:
        args.write_duration = max(1.0, args.duration / 2)
    return args


def base_env() -> dict:
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "LOG_LEVEL": "WARNING"}
    env.pop("DATABASE_URL", None)  # SQLite in the run's own directory, unless --database
    return env


class Postgres:
    """The cluster of DATABASE_URL: a fresh database per measured server, copied from a
    template that `demo` filled; the CPU of all its processes counts as database CPU."""

    def __init__(self, url: str):
        from urllib.parse import urlsplit

        import psutil

        self.url = urlsplit(url)
        port = self.url.port or 5432
        listening = [
            c.pid
            for c in psutil.net_connections("tcp")
            if c.status == psutil.CONN_LISTEN and c.laddr.port == port and c.pid
        ]
        if not listening:
            raise RuntimeError(f"no PostgreSQL listens on port {port} of this machine")
        self.pid = listening[0]
        self.created = []

    def database_url(self, name: str) -> str:
        return self.url._replace(path="/" + name).geturl()

    def _execute(self, sql: str):
        import psycopg

        with psycopg.connect(self.database_url("postgres"), autocommit=True) as connection:
            connection.execute(sql)

    def create(self, name: str, template: str | None = None) -> str:
        self._execute(f'DROP DATABASE IF EXISTS "{name}"')
        self._execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
        self.created.append(name)
        return self.database_url(name)

    def drop_all(self):
        for name in reversed(self.created):
            with contextlib.suppress(Exception):
                self._execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class Run:
    """Everything of one benchmark run: the temporary directory, Redis, the demo database."""

    def __init__(self, args):
        self.args = args
        self.dir = Path(tempfile.mkdtemp(prefix="gk-live-bench-"))
        self.redis = None
        self.redis_url = ""
        self.credentials = {}
        self.demo = None
        self.postgres = None
        if args.database == "postgres":
            if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
                raise SystemExit(
                    "--database postgres needs DATABASE_URL (scripts/with-postgres.sh)"
                )
            self.postgres = Postgres(os.environ["DATABASE_URL"])

    def close(self):
        benchlib.stop(self.redis)
        benchlib.stop(self.demo)
        if self.postgres is not None:
            self.postgres.drop_all()
        if not self.args.keep:
            shutil.rmtree(self.dir, ignore_errors=True)

    def start_redis(self):
        port = benchlib.free_port()
        log = self.dir / "redis.log"
        self.redis = subprocess.Popen(
            [REDIS_SERVER, "--bind", "127.0.0.1", "--port", str(port), "--save", "",
             "--appendonly", "no", "--dir", str(self.dir)],
            stdout=log.open("wb"), stderr=subprocess.STDOUT,
        )  # fmt: skip
        benchlib.wait_for_port(port, self.redis, 10, log)
        self.redis_url = f"redis://127.0.0.1:{port}/0"

    def start_demo(self):
        """`gesprekskaarten demo` once; each measured server gets a copy of its database."""
        var = self.dir / "template"
        var.mkdir()
        env = {**base_env(), "GK_VAR_DIR": str(var)}
        env["DJANGO_SETTINGS_MODULE"] = "gesprekskaarten.settings.dev"
        if self.postgres is not None:
            env["DATABASE_URL"] = self.postgres.create("gk_bench_template")
        self.demo = subprocess.Popen(
            [PYTHON, "-m", "gesprekskaarten", "demo"],
            env=env, cwd=benchlib.ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            text=True,
        )  # fmt: skip

    def demo_ready(self):
        if self.credentials:
            return
        output, _ = self.demo.communicate(timeout=300)
        if self.demo.returncode != 0:
            raise RuntimeError(f"gesprekskaarten demo failed:\n{output}")
        self.credentials = {
            "username": re.search(r"user name: (\S+)", output).group(1),
            "password": re.search(r"password: +(\S+)", output).group(1),
        }

    def server(self, kind: str, clients: int):
        """Start a fresh server of `kind`; returns (process, port, env for the load generator)."""
        port = benchlib.free_port()
        env = base_env()
        uvicorn = [PYTHON, "-m", "uvicorn", "--app-dir", str(benchlib.BENCH_DIR)]
        common = ["--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"]
        if kind == "a":
            command = [*uvicorn, "ref_bare_sse:app", *common, "--lifespan", "off"]
        elif kind == "b":
            command = [*uvicorn, "ref_channels:application", *common, "--lifespan", "off"]
            env["DJANGO_SETTINGS_MODULE"] = "ref_channels_settings"
        else:
            self.demo_ready()
            var = self.dir / f"gk-{clients}"
            var.mkdir()
            for file in (self.dir / "template").glob("gesprekskaarten.sqlite3*"):
                shutil.copy(file, var / file.name)
            env.update(
                GK_VAR_DIR=str(var),
                GK_BROKER_URL=self.redis_url,
                DJANGO_SETTINGS_MODULE="gesprekskaarten.settings.dev",
            )
            if self.postgres is not None:
                name = f"gk_bench_{clients}"
                env["DATABASE_URL"] = self.postgres.create(name, "gk_bench_template")
            command = [PYTHON, "-m", "gesprekskaarten", "serve", "--port", str(port),
                       "--log-level", "warning", "--workers", str(self.args.workers)]  # fmt: skip
        log = self.dir / f"{kind}-{clients}.log"
        process = subprocess.Popen(
            command, env=env, cwd=benchlib.ROOT, stdout=log.open("wb"), stderr=subprocess.STDOUT,
            preexec_fn=self.pin_server if self.args.pin else None,
        )  # fmt: skip
        benchlib.wait_for_port(port, process, 60, log)
        return process, port, env, log

    @staticmethod
    def pin_server():
        """--pin: the server (and its threads and processes) on the last CPU."""
        os.sched_setaffinity(0, {max(os.sched_getaffinity(0))})

    @staticmethod
    def pin_load_generator():
        cpus = os.sched_getaffinity(0)
        os.sched_setaffinity(0, cpus - {max(cpus)} or cpus)

    def measure(self, kind: str, clients: int) -> dict:
        args = self.args
        process, port, env, log = self.server(kind, clients)
        job = {
            "kind": kind,
            "host": "127.0.0.1",
            "port": port,
            "clients": clients,
            "duration": args.duration,
            "event_timeout": max(5.0, args.duration),
            "max_events": 1_000_000,
            "cpu_pids": [process.pid],
            "rss_pids": [process.pid],
            "payload_pad": args.payload,
            "connect_concurrency": 200,
            "connect_limit": 120,
            "keep_alive": 5.0,  # uvicorn's default
        }
        if kind == "c":
            answering = max(1, round(clients * args.answering_share))
            workers = app_processes(process, args.workers)
            job.update(
                self.credentials,
                cpu_pids=[*{process.pid, *workers}, self.redis.pid],
                rss_pids=workers,
                keep_alive=75.0,  # `serve`'s default
                db_pids=[self.postgres.pid] if self.postgres else [],
                answering=answering,
                answer_interval=args.answer_interval,
                event_share=args.event_share,
                write_duration=args.write_duration,
                http_joins=min(answering, args.http_joins),
                gesprek_size=args.gesprek_size,
                drain_limit=max(10.0, args.duration),
            )
        benchlib.wait_idle([process.pid], limit=30)
        started = time.monotonic()
        try:
            done = subprocess.run(
                [PYTHON, str(benchlib.BENCH_DIR / "live_loadgen.py"), json.dumps(job)],
                env=env, cwd=benchlib.ROOT, capture_output=True, text=True,
                timeout=900 + 10 * args.duration,
                preexec_fn=self.pin_load_generator if args.pin else None,
            )  # fmt: skip
        finally:
            benchlib.stop(process)
        if done.returncode != 0:
            raise RuntimeError(
                f"load generator for {kind} with {clients} clients failed:\n{done.stderr[-4000:]}"
                f"\nserver log:\n{log.read_text(errors='replace')[-3000:]}"
            )
        result = json.loads(done.stdout.strip().splitlines()[-1])
        result["wall"] = time.monotonic() - started
        steps = ", ".join(f"{name} {at:g} s" for name, at in result.get("steps", {}).items())
        print(f"    done in {result['wall']:.1f} s {steps}", file=sys.stderr, flush=True)
        return result


def app_processes(process: subprocess.Popen, workers: int) -> list[int]:
    """The processes that serve requests: the server itself, or with --workers its children
    (uvicorn's parent only watches them)."""
    if workers <= 1:
        return [process.pid]
    import psutil

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        children = psutil.Process(process.pid).children()
        if len(children) >= workers:
            return [child.pid for child in children]
        time.sleep(0.2)
    raise RuntimeError(f"{workers} app processes did not start")


# -- figures ----------------------------------------------------------------------------------


def fanout_figures(result: dict) -> dict:
    fanout = result["fanout"]
    connected = result["connected"]
    if fanout is None:  # many gesprekken: no fan-out phase, only memory
        return {
            "connected": connected,
            "rss_kb": _div(result["rss_after_kb"] - result["rss_before_kb"], connected),
            "skipped": True,
        }
    figures = {
        "connected": connected,
        "events": fanout["events"],
        "delivered_per_s": _div(fanout["deliveries"], fanout["seconds"]),
        "cpu_us": _div(fanout["cpu"] * 1e6, fanout["deliveries"]),
        "p50_ms": fanout["p50_ms"],
        "p99_ms": fanout["p99_ms"],
        "rss_kb": _div(result["rss_after_kb"] - result["rss_before_kb"], connected),
        "late": max(0, fanout["expected"] - fanout["deliveries"]),
        "stalled": fanout["deliveries"] == 0 and fanout["expected"] > 0,
    }
    if figures["stalled"]:  # not one event arrived in time: a lower bound for the CPU
        figures["cpu_us"] = fanout["cpu"] * 1e6 / fanout["expected"]
    return figures


def write_figures(result: dict, database: bool) -> dict:
    write, live = result["write"], result["live"]
    return {
        "answering": None,
        "write_rate": _div(write["accepted"], write["seconds"]),
        "write_ms": _div(write["cpu"] * 1000, write["accepted"]),
        "write_db_ms": _div(write["db_cpu"] * 1000, write["accepted"]) if database else "in proc",
        "write_post_p99": write["post_p99_ms"],
        "idle_ms_per_s": write["idle_cpu_per_s"] * 1000,
        # The write phase's CPU less what the processes use when idle over the same time.
        "write_net_ms": _div(
            (write["cpu"] - write["idle_cpu_per_s"] * (write["seconds"] + write["idle_wait"]))
            * 1000,
            write["accepted"],
        ),
        "live_rate": _div(live["accepted"], live["seconds"]),
        "events": live["events"],
        "visible_p50": live["visible_p50_ms"],
        "visible_p99": live["visible_p99_ms"],
        "live_ms": _div(live["cpu"] * 1000, live["accepted"]),
        "deliveries": f"{live['progress_deliveries']}/{live['progress_expected']}",
        "refused": sum(n for s, n in {**write["statuses"]}.items() if s != "200")
        + sum(n for s, n in live["statuses"].items() if s != "200")
        + write["abandoned"]
        + live["abandoned"],
        "matched": live["facilitator_events"] == live["progress_answers"] == live["events"],
    }


def _div(a, b):
    return None if not b or a is None else a / b


def fmt(value, digits=1, unit=""):
    if value is None:
        return "n/a"
    if isinstance(value, float):
        if abs(value) >= 1000:
            return f"{value:,.0f}{unit}"
        return f"{value:.{digits}f}{unit}"
    return f"{value:,}{unit}" if isinstance(value, int) else f"{value}{unit}"


FANOUT_COLUMNS = [
    "clients", "path", "connected", "events", "delivered/s", "CPU µs/delivery", "p50 ms",
    "p99 ms", "RSS KB/client",
]  # fmt: skip
WRITE_COLUMNS = [
    "clients", "answering", "write: answers/s", "write: CPU ms/answer", "of which DB",
    "write: POST p99 ms",
    "live: answers/s", "progress events", "answer→visible p50 ms", "p99 ms",
    "live: CPU ms/answer incl. fan-out", "progress deliveries", "refused/abandoned",
]  # fmt: skip


def row(cells) -> str:
    return "| " + " | ".join(cells) + " |"


def report(args, results: dict) -> list[str]:
    lines = []
    out = lines.append
    out("")
    out("Fan-out: one event at a time to every connected client (closed loop)")
    out("")
    out(row(FANOUT_COLUMNS))
    out(row(["---:", "---", *["---:"] * (len(FANOUT_COLUMNS) - 2)]))
    ratios, notes = {}, []
    for clients in args.sizes:
        per_path = {}
        for kind in args.paths:
            result = results.get((clients, kind))
            if result is None:
                continue
            f = fanout_figures(result)
            if f.get("skipped"):
                out(
                    f"| {clients:,} | {PATHS[kind]} in {result['gesprekken']:,} gesprekken | "
                    f"{f['connected']:,} | — | — | — | — | — | {fmt(f['rss_kb'], 1)} |"
                )
                continue
            per_path[kind] = f
            if f["connected"] < clients:
                notes.append(
                    f"{PATHS[kind]} at {clients:,}: {f['connected']:,} clients connected within "
                    "the time limit for connecting."
                )
            if f["stalled"]:
                notes.append(
                    f"{PATHS[kind]} at {clients:,}: no event reached a client within "
                    f"{args.duration:g} s; CPU/delivery is a lower bound (CPU / clients)."
                )
            cpu = ("> " if f["stalled"] else "") + fmt(f["cpu_us"], 2)
            dash = "—" if f["stalled"] else None
            out(
                f"| {clients:,} | {PATHS[kind]} | {f['connected']:,} | {f['events']:,} | "
                f"{fmt(f['delivered_per_s'], 0)} | {cpu} | {dash or fmt(f['p50_ms'], 2)} | "
                f"{dash or fmt(f['p99_ms'], 2)} | {fmt(f['rss_kb'], 1)} |"
            )
        if "c" in per_path:
            for ref in ("a", "b"):
                if ref in per_path:
                    ratio = _div(per_path["c"]["cpu_us"], per_path[ref]["cpu_us"])
                    ratios[(clients, ref)] = (ratio, per_path[ref]["stalled"])
    out("")
    for note in notes:
        out("Note: " + note)
    if notes:
        out("")
    if ratios:
        out("Fan-out CPU per delivery, ratios:")
        for clients in args.sizes:
            parts = [
                f"c/{ref} {'<' if ratios[(clients, ref)][1] else '='} "
                f"{fmt(ratios[(clients, ref)][0], 2)}x"
                for ref in ("a", "b")
                if (clients, ref) in ratios
            ]
            if parts:
                out(f"  {clients:>6,} clients: " + ", ".join(parts))
        out("")
    write_rows = {}
    if "c" in args.paths:
        out("Gesprekskaarten: write path and answer -> visible")
        out("")
        out(row(WRITE_COLUMNS))
        out(row(["---:"] * len(WRITE_COLUMNS)))
        for clients in args.sizes:
            result = results.get((clients, "c"))
            if result is None:
                continue
            w = write_rows[clients] = write_figures(result, args.database == "postgres")
            answering = max(1, round(clients * args.answering_share))
            out(
                f"| {clients:,} | {answering:,} | {fmt(w['write_rate'], 1)} | "
                f"{fmt(w['write_ms'], 2)} | {fmt(w['write_db_ms'], 2)} | "
                f"{fmt(w['write_post_p99'], 1)} | "
                f"{fmt(w['live_rate'], 1)} | {w['events']:,} | {fmt(w['visible_p50'], 1)} | "
                f"{fmt(w['visible_p99'], 1)} | {fmt(w['live_ms'], 2)} | {w['deliveries']} | "
                f"{w['refused']} |"
            )
        out("")
        share = args.event_share or next(
            (r.get("event_share") for (_, k), r in results.items() if k == "c"), None
        )
        out(
            f"Load: {args.answering_share:.1%} of the participants answer, one answer every "
            f"{args.answer_interval:g} s on average; {fmt(share and share * 100, 0)}% of the "
            "answers change a participant's progress and publish an event."
        )
        if args.gesprek_size:
            out(
                f"In gesprekken of {args.gesprek_size} participants, each with its facilitator's "
                "screen; answer->visible is measured on the facilitator's screen of the gesprek."
            )
        out(
            "Idle (no requests; server, Redis and database processes): "
            + ", ".join(
                f"{fmt(w['idle_ms_per_s'], 1)} ms CPU/s at {clients:,}"
                for clients, w in write_rows.items()
            )
            + ". Write CPU per answer without it: "
            + ", ".join(
                f"{fmt(w['write_net_ms'], 2)} ms at {clients:,}"
                for clients, w in write_rows.items()
            )
            + "."
        )
        if any(not w["matched"] for w in write_rows.values()):
            out(
                "Note: not every progress event could be paired with the answer that caused it "
                "(answers abandoned or refused); answer->visible is then approximate."
            )
        out("")
    out("Targets")
    for clients in args.sizes:
        if (clients, "a") in ratios:
            ratio = ratios[(clients, "a")][0]
            verdict = "met" if ratio is not None and ratio <= 1.5 else "MISSED"
            out(f"  fan-out <= 1.5x bare at {clients:,}: {fmt(ratio, 2)}x  {verdict}")
    for clients in args.sizes:
        if (clients, "b") in ratios:
            ratio = ratios[(clients, "b")][0]
            verdict = "met" if ratio is not None and ratio < 0.5 else "MISSED"
            out(f"  fan-out far below Channels at {clients:,}: {fmt(ratio, 2)}x  {verdict}")
    for clients, w in write_rows.items():
        verdict = "met" if w["write_ms"] is not None and w["write_ms"] <= 2 else "MISSED"
        out(
            f"  write <= 2 ms CPU/answer at {clients:,}: {fmt(w['write_ms'], 2)} ms "
            f"({fmt(w['write_net_ms'], 2)} ms without the idle cost)  {verdict}"
        )
    for clients in args.sizes:
        if (clients, "c") in results:
            rss = fanout_figures(results[(clients, "c")])["rss_kb"]
            verdict = "met" if rss is not None and rss <= 25 else "MISSED"
            out(f"  <= 25 KB resident per participant at {clients:,}: {fmt(rss, 1)} KB  {verdict}")
    if write_rows:
        clients = max(write_rows)
        p99 = write_rows[clients]["visible_p99"]
        verdict = "met" if p99 is not None and p99 < 100 else "MISSED"
        out(f"  answer->visible p99 < 100 ms at {clients:,} connected: {fmt(p99, 1)} ms  {verdict}")
    missing = [line for line in lines if line.startswith("|") and "n/a" in line]
    out("")
    out("figures: " + ("complete" if not missing else f"MISSING in {len(missing)} row(s)"))
    return lines


SAVED_ARGS = [
    "duration", "answering_share", "answer_interval", "event_share", "database", "gesprek_size",
]  # fmt: skip


def machine() -> str:
    model = ""
    try:
        lscpu = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
        model = re.search(r"Model name:\s+(.*)", lscpu).group(1).strip()
    except (OSError, AttributeError):
        pass
    return f"{os.cpu_count()} CPUs ({model}), Python {sys.version.split()[0]}"


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.report:
        saved = json.loads(Path(args.report).read_text())
        results = {}
        for key, value in saved.pop("_args", {}).items():
            setattr(args, key, value)
        for key, value in saved.items():
            clients, kind = key.split("-")
            results[(int(clients), kind)] = value
        args.sizes = sorted({clients for clients, _ in results})
        args.paths = [kind for kind in "abc" if any(k == kind for _, k in results)]
        for line in report(args, results):
            print(line)
        return 0
    limit = benchlib.raise_fd_limit()
    needed = max(args.sizes) * (1 + args.answering_share) + 200
    if args.gesprek_size:  # a facilitator's stream per gesprek
        needed += max(args.sizes) / args.gesprek_size
    if limit < needed:
        print(f"The open-file limit is {limit}; {needed:.0f} are needed.", file=sys.stderr)
        return 2
    if "c" in args.paths and not os.access(REDIS_SERVER, os.X_OK):
        print(f"{REDIS_SERVER} is missing (Debian package redis-server).", file=sys.stderr)
        return 2
    print(f"Live-path benchmark on {machine()}", flush=True)
    print(f"Command: {' '.join(['python', *sys.argv])}", flush=True)
    run = Run(args)
    results = {}
    started = time.monotonic()
    try:
        if "c" in args.paths:
            run.start_redis()
            run.start_demo()
            if not args.smoke:  # the smoke run measures nothing: let the demo overlap (a), (b)
                run.demo_ready()
                ready = time.monotonic() - started
                print(f"  demo database ready after {ready:.1f} s", file=sys.stderr)
        for clients in args.sizes:
            for kind in args.paths:
                print(f"  {PATHS[kind]}, {clients:,} clients ...", file=sys.stderr, flush=True)
                results[(clients, kind)] = run.measure(kind, clients)
    finally:
        run.close()
    for line in report(args, results):
        print(line)
    print(f"(took {time.monotonic() - started:.0f} s)")
    if args.json:
        raw = {f"{clients}-{kind}": value for (clients, kind), value in results.items()}
        raw["_args"] = {key: getattr(args, key) for key in SAVED_ARGS}
        Path(args.json).write_text(json.dumps(raw, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())

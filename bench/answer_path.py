"""CPU per answer on the write path, in one process, without HTTP: where the time goes.

    uv run python bench/answer_path.py                    # lean handler against Django's stack
    uv run python bench/answer_path.py --profile          # + the top functions (cProfile)
    bash scripts/with-postgres.sh uv run python bench/answer_path.py --database postgres

A throwaway database (SQLite under a temporary directory, or a fresh database in the cluster of
DATABASE_URL) with a one-card gesprek in marking and `--participants` joined participants.
Each answer is an ASGI POST to /g/<code>/antwoord/ with the cookies, CSRF token and Origin
header a browser sends, awaited one after the other; CPU is this process's (all threads), plus
the PostgreSQL server's with --database postgres. Two ways in:

- lean:   `gesprekskaarten.asgi.application`, which routes the URL to meetings/answering.py;
- django: Django's ASGI handler with all middleware and the URL resolver (the reference).

One answer in `--event-share` (default 1/9) completes or un-completes the participant's card,
so it publishes a progress event, as in bench/live_path.py. HTTP parsing (uvicorn) and the
broker are not in these figures; bench/live_path.py measures the whole path.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import os
import pstats
import random
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))
import benchlib  # noqa: E402

CHOICES = ["recognised", "missing", "unsure"]
HOST = "127.0.0.1:8000"


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--answers", type=int, default=3000, help="answers per way in")
    parser.add_argument("--participants", type=int, default=100)
    parser.add_argument("--event-share", type=float, default=1 / 9)
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--ways", default="lean,django", help="which ways in: lean,django")
    parser.add_argument("--profile", action="store_true", help="profile the lean handler")
    parser.add_argument("--top", type=int, default=30, help="functions shown with --profile")
    return parser.parse_args(argv)


def set_up(args, folder: str):
    os.environ["GK_VAR_DIR"] = folder
    os.environ["DJANGO_SETTINGS_MODULE"] = "gesprekskaarten.settings.dev"
    os.environ["LOG_LEVEL"] = "WARNING"
    os.environ["GK_RATE_ANSWER_PER_MINUTE"] = str(10**9)
    postgres = None
    if args.database == "postgres":
        from live_path import Postgres

        postgres = Postgres(os.environ["DATABASE_URL"])
        os.environ["DATABASE_URL"] = postgres.create("gk_bench_answers")
    else:
        os.environ.pop("DATABASE_URL", None)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return postgres


def make_gesprek(participants: int):
    from django.contrib.auth import get_user_model

    from gesprekskaarten.decks.services import default_deck_version
    from gesprekskaarten.meetings import services
    from gesprekskaarten.organisations.services import create_organisation
    from gesprekskaarten.teams.services import add_facilitator, create_team

    user = get_user_model().objects.create_user("bench", password="not-used-Bench-1")
    team = create_team("Bench", organisation=create_organisation("Bench"))
    add_facilitator(team, user)
    version = default_deck_version()
    gesprek = services.create_gesprek(
        team=team,
        user=user,
        principles=list(version.principles.order_by("order")[:1]),
        audience="everyone",
    )
    services.set_step(gesprek, "marking")
    tokens = [services.join(gesprek)[1] for _ in range(participants)]
    behaviours = list(services.behaviours_of(gesprek).values_list("pk", flat=True))
    return gesprek, tokens, behaviours


class Browser:
    """The requests live.js sends: the same cookies, token and headers for every answer."""

    def __init__(self, code: str, tokens: list[str], behaviours: list[int], event_share: float):
        from django.middleware.csrf import _get_new_csrf_string, _mask_cipher_secret

        secret = _get_new_csrf_string()
        self.masked = _mask_cipher_secret(secret)
        self.code, self.tokens, self.behaviours = code, tokens, behaviours
        self.event_share = event_share
        self.done = dict.fromkeys(tokens, False)
        self.cookie = f"csrftoken={secret}; gk_p_{code}="

    def next(self) -> tuple[dict, bytes, str]:
        token = random.choice(self.tokens)
        if random.random() < self.event_share:  # the last behaviour: progress changes
            choice = "" if self.done[token] else random.choice(CHOICES)
            self.done[token] = not self.done[token]
            behaviour = self.behaviours[-1]
        else:
            choice, behaviour = random.choice(CHOICES), random.choice(self.behaviours[:-1])
        body = urlencode(
            {"csrfmiddlewaretoken": self.masked, "behaviour": behaviour, "choice": choice}
        ).encode()
        headers = [
            (b"host", HOST.encode()),
            (b"origin", f"http://{HOST}".encode()),
            (b"content-type", b"application/x-www-form-urlencoded"),
            (b"content-length", str(len(body)).encode()),
            (b"x-csrftoken", self.masked.encode()),
            (b"accept", b"application/json"),
            (b"cookie", (self.cookie + token).encode()),
        ]
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "POST",
            "scheme": "http",
            "path": f"/g/{self.code}/antwoord/",
            "raw_path": f"/g/{self.code}/antwoord/".encode(),
            "root_path": "",
            "query_string": b"",
            "headers": headers,
            "client": ("127.0.0.1", 50000),
            "server": ("127.0.0.1", 8000),
        }
        return scope, body, token


async def post(app, scope, body) -> int:
    status = 0
    sent = False

    async def receive():
        nonlocal sent
        if sent:
            await asyncio.sleep(3600)
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message):
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]

    await app(scope, receive, send)
    return status


def measure(app, browser: Browser, answers: int, db_pids) -> dict:
    async def run():
        statuses = {}
        for _ in range(answers):
            scope, body, _token = browser.next()
            status = await post(app, scope, body)
            statuses[status] = statuses.get(status, 0) + 1
        return statuses

    async def warm_up():
        for _ in range(50):
            scope, body, _token = browser.next()
            await post(app, scope, body)

    asyncio.run(warm_up())
    cpu, wall, db = time.process_time(), time.perf_counter(), benchlib.total_cpu(db_pids)
    statuses = asyncio.run(run())
    db = benchlib.total_cpu(db_pids) - db
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    return {"statuses": statuses, "cpu_ms": (cpu + db) * 1000 / answers,
            "db_ms": db * 1000 / answers, "wall_ms": wall * 1000 / answers}  # fmt: skip


def profile(browser: Browser, answers: int, top: int) -> None:
    from gesprekskaarten.meetings import answering

    requests = [browser.next() for _ in range(answers)]
    profiler = cProfile.Profile()
    profiler.enable()
    for scope, body, _token in requests:
        answering.handle_batch([(scope, body, browser.code)])
    profiler.disable()
    stats = pstats.Stats(profiler)
    print(f"\nProfile of answering.handle_batch, {answers} batches of one answer in this thread"
          " (no ASGI, no hop):")  # fmt: skip
    stats.sort_stats("tottime").print_stats(top)
    stats.sort_stats("cumulative").print_stats(top)


def main(argv=None) -> int:
    args = parse_args(argv)
    random.seed(1)
    with tempfile.TemporaryDirectory(prefix="gk-answer-bench-") as folder:
        postgres = set_up(args, folder)
        try:
            from django.core.asgi import get_asgi_application

            from gesprekskaarten import asgi
            from gesprekskaarten.meetings import answering

            gesprek, tokens, behaviours = make_gesprek(args.participants)
            browser = Browser(gesprek.join_code, tokens, behaviours, args.event_share)
            db_pids = [postgres.pid] if postgres else []
            print(f"Write path in one process, {args.database}, {args.answers} answers per way in,"
                  f" {args.participants} participants, {len(behaviours)} behaviours, "
                  f"{args.event_share:.0%} with a progress event")  # fmt: skip
            print("| way in | CPU ms/answer | of which DB | wall ms/answer | statuses |")
            print("| --- | ---: | ---: | ---: | --- |")
            ways = {"lean": asgi.application, "django": get_asgi_application()}
            for name in [way.strip() for way in args.ways.split(",")]:
                result = measure(ways[name], browser, args.answers, db_pids)
                db = f"{result['db_ms']:.2f}" if postgres else "in proc"
                print(f"| {name} | {result['cpu_ms']:.2f} | {db} | {result['wall_ms']:.2f} | "
                      f"{result['statuses']} |", flush=True)  # fmt: skip
            if args.profile:
                profile(browser, min(args.answers, 2000), args.top)
            answering.close_connections()
            from django.db import connections

            connections.close_all()
        finally:
            if postgres:
                postgres.drop_all()
    return 0


if __name__ == "__main__":
    sys.exit(main())

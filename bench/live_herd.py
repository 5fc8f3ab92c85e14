"""The herd: N participant screens in one gesprek that behave as the browser's live.js does,
measured for every step change and every kind of update.

    uv run python bench/live_herd.py                          # 30, 100, 300 screens, both modes
    uv run python bench/live_herd.py --clients 300 --repeat 5 --modes content
    uv run python bench/live_herd.py --smoke                  # 5 screens, one round (tests)
    uv run python bench/live_herd.py --page-only              # a page alone vs a trivial view

For each number of screens a fresh `gesprekskaarten serve` (one process, production settings,
SQLite copied from `gesprekskaarten demo`, Redis as the broker) is started. A facilitator logs
in and drives gesprekken over HTTP as the browser does (forms posted, redirects followed); N
simulated screens join over HTTP (join page, join form, their page), read the stream URL from
`<meta name="gk-stream">` and follow the stream. Each event is measured in two modes, the
same screens, one after the other:

  fetch     the old live.js: on every `step` or `update` event a screen GETs its page again;
  content   the new live.js: a screen applies the content the event carries (`main` of a step,
            `regions` of an update, parsed from the event's JSON) and GETs its page only when
            the event carries none (counted as a fallback).

Per event: the server's CPU (server process + redis-server; + PostgreSQL with --database
postgres) from the facilitator's POST until the last screen has the change, divided by N; and
that wall time. A participant's page rendered alone (sequential GETs) is compared with a
trivial Django view (GET /taal/, a redirect) and a bare ASGI reply (GET /live/stream/, 403).
See bench/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import re
import secrets
import shutil
import statistics
import subprocess
import sys
import time
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import benchlib
import live_path
from live_loadgen import FORM, Http, Stream, Tally, set_cookies

perf = time.perf_counter
HOST = "127.0.0.1"
KEEP_ALIVE = 74.0  # `serve` keeps idle connections 75 s

# The measured events, in the order they happen in a gesprek. "progress" is the reference: an
# event that has always carried its content (a count), the same in both modes.
EVENTS = {
    "lobby": "lobby → marking",
    "progress": "progress (reference)",
    "results": "marking → results",
    "discussion": "results → discussion",
    "question": "next question",
    "note": "note posted",
    "theme": "rode draad made",
    "vote_open": "vote opened",
    "vote_close": "vote closed",
    "agreement": "agreement made",
}
PAGES = {
    "card": "participant page (a card to mark)",
    "results": "participant page (results)",
    "discussion": "participant page (discussion)",
    "control": "facilitator's control page (discussion), for information",
    "presenter": "presenter screen (discussion), for information",
    "step": "facilitator's step POST (results ↔ discussion, its redirect not followed), for "
    "information",
    "trivial": "trivial Django view: GET /taal/ (302)",
    "bare": "bare ASGI reply: GET /live/stream/ (403)",
}


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add = parser.add_argument
    add("--clients", default="30,100,300", help="screens in the gesprek, e.g. 30,100,300,1000")
    add("--modes", default="fetch,content", help="fetch (old live.js), content (new), or both")
    add("--repeat", type=int, default=3, help="times each event is measured per mode")
    add("--answering", type=int, default=20, help="screens that open the card and answer")
    add("--english-share", type=float, default=0.25, help="screens with Accept-Language: en")
    add("--page-requests", type=int, default=40, help="sequential GETs per page-alone figure")
    add("--join-concurrency", type=int, default=20, help="screens joining at the same time")
    add(
        "--database",
        choices=["sqlite", "postgres"],
        default="sqlite",
        help="postgres: a database per run in the cluster of DATABASE_URL "
        "(scripts/with-postgres.sh); its CPU counts",
    )
    add(
        "--many",
        action="store_true",
        help="instead: --gesprekken gesprekken of --size screens each, all at once, each running "
        "the whole method; p50/p99 change -> visible",
    )
    add("--gesprekken", type=int, default=500, help="(--many) gesprekken at the same time")
    add("--size", type=int, default=20, help="(--many) screens per gesprek")
    add(
        "--pace",
        type=float,
        default=60.0,
        help="(--many) mean seconds between two changes in a gesprek: 60, about a real "
        "gesprek's rate (15: a stress run)",
    )
    add(
        "--no-presenter",
        action="store_true",
        help="(--many) no presenter screen: by default each gesprek also has one, the "
        "facilitator's page on the projector, which fetches itself on every change",
    )
    add(
        "--one-team",
        action="store_true",
        help="(--many) all gesprekken in the demo team, as before: a team's agreements then "
        "reach every gesprek of it; by default each gesprek has a team of its own, as in use",
    )
    add("--keep", action="store_true", help="keep the temporary directory (logs, databases)")
    add("--smoke", action="store_true", help="5 screens, one round: checks that everything runs")
    add(
        "--page-only",
        action="store_true",
        help="the page-alone figures only (3 screens, one round, content mode, 200 GETs per "
        "page): about a minute",
    )
    args = parser.parse_args(argv)
    if args.page_only:
        args.clients, args.repeat, args.answering, args.modes = "3", 1, 3, "content"
        if args.page_requests == parser.get_default("page_requests"):
            args.page_requests = 200
    if args.smoke:
        args.clients, args.repeat, args.answering, args.page_requests = "5", 1, 4, 5
        args.gesprekken, args.size, args.pace = 3, 4, 0.3
    args.sizes = [int(x) for x in args.clients.split(",") if x.strip()]
    args.modes = [x.strip() for x in args.modes.split(",") if x.strip()]
    if not set(args.modes) <= {"fetch", "content"} or not args.modes:
        parser.error("--modes takes fetch, content or both")
    return args


# -- HTML forms, read as a browser would ------------------------------------------------------


class _Forms(HTMLParser):
    """Every <form> of a page: its attributes, fields (as a browser would submit them when
    nothing is changed) and named submit buttons."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []
        self._form = None
        self._textarea = None
        self._select = None

    def handle_starttag(self, tag, attrs):
        a = {key: value or "" for key, value in attrs}
        if tag == "form":
            self._form = {"attrs": a, "fields": [], "buttons": []}
            self.forms.append(self._form)
        elif self._form is None:
            return
        elif tag == "input" and a.get("name"):
            kind = a.get("type", "text").lower()
            if kind in ("submit", "button", "image"):
                self._form["buttons"].append((a["name"], a.get("value", "")))
            elif kind not in ("checkbox", "radio"):
                self._form["fields"].append([a["name"], a.get("value", "")])
            elif "checked" in a:
                self._form["fields"].append([a["name"], a.get("value", "on")])
        elif tag == "button" and a.get("name"):
            self._form["buttons"].append((a["name"], a.get("value", "")))
        elif tag == "textarea" and a.get("name"):
            self._textarea = [a["name"], ""]
            self._form["fields"].append(self._textarea)
        elif tag == "select" and a.get("name"):
            self._select = [a["name"], None]
            self._form["fields"].append(self._select)
        elif (
            tag == "option"
            and self._select is not None
            and (self._select[1] is None or "selected" in a)
        ):
            self._select[1] = a.get("value", "")

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None
        elif tag == "form":
            self._form = None


def find_form(body: bytes, action: str = "", path: str = "") -> dict:
    """The first form whose action ends with `action` (empty: the page's own address)."""
    parser = _Forms()
    parser.feed(body.decode("utf-8", "replace"))
    for form in parser.forms:
        target = form["attrs"].get("action", "") or path
        if form["attrs"].get("method", "get").lower() == "post" and (
            target.endswith(action) if action else target == path
        ):
            form["action"] = target
            return form
    raise RuntimeError(f"no form for {action or path!r} in the page:\n{body[:3000]!r}")


def fill(form: dict, values: dict | None = None, button: tuple | None = None) -> bytes:
    """The form's fields as the browser submits them, with `values` typed in (a list: several
    boxes ticked) and the pressed button; only fields the form has (e.g. `display_name`)."""
    values = values or {}
    pairs = [(name, value) for name, value in form["fields"] if name not in values]
    for name, value in values.items():
        pairs += [(name, v) for v in value] if isinstance(value, list) else [(name, value)]
    if button:
        pairs.append(button)
    return urlencode([(name, value or "") for name, value in pairs]).encode()


def stream_meta(body: bytes) -> str | None:
    match = re.search(rb'<meta name="gk-stream" content="([^"]+)"', body)
    return match and match.group(1).decode().replace("&amp;", "&")


# -- a browser: cookies, redirects ------------------------------------------------------------


class Browser:
    """A keep-alive connection with a cookie jar that follows redirects like fetch() does."""

    def __init__(self, port: int, language: str = "nl"):
        self.port = port
        self.http = Http(HOST, port, KEEP_ALIVE)
        self.jar: dict[str, str] = {}
        self.language = language
        self.busy = asyncio.Lock()  # one request at a time on the kept connection (README)

    async def request(self, method, path, headers, body=b""):
        async with self.busy:
            return await self.http.request(method, path, headers, body)

    def headers(self, extra=()):
        cookies = "; ".join(f"{key}={value}" for key, value in self.jar.items())
        return [("Accept-Language", self.language), ("Cookie", cookies), *extra]

    async def go(self, method: str, path: str, body: bytes = b"", extra=()):
        """The response after redirects (a POST's 302 is followed with a GET, as a browser
        does); returns (final path, status, body)."""
        for _ in range(6):
            headers = self.headers([FORM, *extra] if method == "POST" else extra)
            status, response_headers, content = await self.request(method, path, headers, body)
            self.jar.update(set_cookies(response_headers))
            location = dict(response_headers).get("location")
            if status not in (301, 302, 303) or not location:
                return path, status, content
            target = urlsplit(location)
            method, body = "GET", b""
            path = target.path + (f"?{target.query}" if target.query else "")
        raise RuntimeError(f"too many redirects at {path}")

    async def post_form(self, form: dict, values=None, button=None):
        return await self.go("POST", form["action"], fill(form, values, button))

    def close(self):
        self.http.close()


# -- a participant's screen -------------------------------------------------------------------


class ScreenStream(Stream):
    """A screen's EventSource: undoes the chunked encoding, splits SSE events and hands each
    (type, id, data) to the screen."""

    def __init__(self, screen, request: bytes):
        super().__init__(screen.herd.tally, request, websocket=False)
        self.screen = screen
        self.headers = b""
        self.chunked = None
        self.raw = b""
        self.text = b""
        self.closing = False

    def data_received(self, data):
        if self.chunked is None:
            self.headers += data
            if b"\r\n\r\n" in self.headers:
                head = self.headers.split(b"\r\n\r\n", 1)[0].lower()
                self.chunked = b"transfer-encoding: chunked" in head
        super().data_received(data)

    def _scan(self, data, now):
        if self.chunked:
            self.raw += data
            while (end := self.raw.find(b"\r\n")) >= 0:
                size = int(self.raw[:end].split(b";")[0], 16)
                if len(self.raw) < end + 2 + size + 2:
                    break
                self.text += self.raw[end + 2 : end + 2 + size]
                self.raw = self.raw[end + 2 + size + 2 :]
        else:
            self.text += data
        *blocks, self.text = self.text.split(b"\n\n")
        for block in blocks:
            kind, seq, lines = "message", None, []
            for line in block.decode("utf-8", "replace").split("\n"):
                field, _, value = line.partition(":")
                value = value[1:] if value.startswith(" ") else value
                if field == "event":
                    kind = value
                elif field == "id":
                    seq = value
                elif field == "data":
                    lines.append(value)
            if seq is not None:
                self.screen.last_id = seq
            if lines or kind != "message":
                self.screen.on_event(kind, "\n".join(lines), now)

    def connection_lost(self, exc):
        super().connection_lost(exc)
        if not self.closing:
            self.screen.stream_lost(self)


class Screen(Browser):
    """One participant's phone: its page's address, its stream, and what it did with each
    event: (event type, time it shows the change, how: content / fetch / fallback / refresh)."""

    def __init__(self, herd, number: int, language: str):
        super().__init__(herd.port, language)
        self.herd, self.number = herd, number
        self.location = "/"
        self.stream: ScreenStream | None = None
        self.stream_url = ""
        self.last_id = None
        self.handled: list[tuple[str, float, str]] = []
        self.pending = 0
        self.signal = herd.changed  # set on every event handled (a gesprek's own with --many)

    # navigation: a new page, a new stream
    async def navigate(self, method: str, path: str, body: bytes = b"") -> bytes:
        self.close_stream()
        self.location, status, page = await self.go(method, path, body)
        self.page_at = perf()
        if status != 200:
            raise RuntimeError(f"screen {self.number}: {method} {path} gave {status}")
        url = stream_meta(page)
        if url:
            await self.open_stream(url)
        return page

    async def join(self, code: str) -> None:
        path = f"/doe-mee/{code}/"
        self.close_stream()
        _, status, page = await self.go("GET", path)
        form = find_form(page, path=path)
        await self.navigate("POST", path, fill(form))
        if not self.location.startswith(f"/g/{code}/"):
            raise RuntimeError(f"screen {self.number} did not join: at {self.location}")

    async def open_stream(self, url: str, last_id: str | None = None) -> None:
        self.stream_url = url
        head = f"GET {url} HTTP/1.1\r\nHost: {HOST}:{self.port}\r\nAccept: text/event-stream\r\n"
        if last_id is not None:
            head += f"Last-Event-ID: {last_id}\r\n"
        request = (head + "\r\n").encode()
        loop = asyncio.get_running_loop()
        _, stream = await loop.create_connection(
            lambda: ScreenStream(self, request), HOST, self.port
        )
        await asyncio.wait_for(stream.ready, 30)
        self.stream = stream

    def close_stream(self) -> None:
        if self.stream is not None:
            self.stream.closing = True
            self.stream.transport.close()
            self.stream = None

    def stream_lost(self, stream) -> None:
        """The server ended the stream: EventSource reconnects with Last-Event-ID."""
        if stream is self.stream:
            self.herd.reconnects += 1
            self.stream = None
            self.herd.spawn(self._reconnect())

    async def _reconnect(self):
        await asyncio.sleep(0.5)
        if self.stream is None:
            await self.open_stream(self.stream_url, self.last_id)

    # events, as live.js handles them
    def on_event(self, kind: str, data: str, now: float) -> None:
        if kind == "progress":
            json.loads(data)  # showProgress: the counts go into the page
            self.done(kind, now, "content")
        elif kind == "refresh":
            self.fetch(kind, "refresh")
        elif kind in ("step", "update"):
            if self.herd.mode == "fetch":
                self.fetch(kind, "fetch")
                return
            try:
                payload = json.loads(data)
            except ValueError:
                payload = {}
            payload = payload if isinstance(payload, dict) else {}
            if kind == "step" and isinstance(payload.get("main"), str):
                json.dumps(payload["main"])  # stands for the swap
                if isinstance(payload.get("url"), str):
                    self.location = payload["url"]  # history.replaceState
                self.done(kind, perf(), "content")
            elif kind == "update" and isinstance(payload.get("regions"), dict):
                self.done(kind, perf(), "content")
            else:
                self.fetch(kind, "fallback")

    def fetch(self, kind: str, how: str) -> None:
        self.pending += 1
        self.herd.spawn(self._fetch(kind, how))

    async def _fetch(self, kind: str, how: str) -> None:
        try:
            self.location, status, _ = await self.go(
                "GET", self.location, extra=[("Accept", "text/html")]
            )
            self.done(kind, perf(), how if status == 200 else f"error {status}")
        except (OSError, ConnectionError, asyncio.IncompleteReadError) as error:
            self.done(kind, perf(), f"error {type(error).__name__}")
        finally:
            self.pending -= 1
            self.signal.set()

    def done(self, kind: str, at: float, how: str) -> None:
        self.handled.append((kind, at, how))
        self.signal.set()


class PresenterScreen(Screen):
    """The presenter screen of a gesprek (the projector in the room): the facilitator's page,
    signed in, that live.js fetches again on every `step`, `update` and `page` event (the
    facilitator's audience carries no content: one or two such screens per gesprek)."""

    def __init__(self, herd, number: int, jar: dict):
        super().__init__(herd, number, "nl")
        self.jar = dict(jar)

    def on_event(self, kind: str, data: str, now: float) -> None:
        if kind == "progress":
            self.done(kind, now, "content")
        elif kind in ("step", "update", "page", "refresh"):
            self.fetch(kind, "presenter")


# -- the facilitator --------------------------------------------------------------------------


class Facilitator(Browser):
    """A logged-in facilitator's browser: a page, its forms, posted and followed."""

    def __init__(self, port: int):
        super().__init__(port)
        self.control = ""
        self.page = b""
        self.path = ""

    async def open(self, path: str) -> None:
        self.path, status, self.page = await self.go("GET", path)
        if status != 200:
            raise RuntimeError(f"facilitator: GET {path} gave {status}")

    async def submit(self, action: str, values=None, button=None, page: str = "") -> None:
        """Post the form of the current page (`page` first, if the form is elsewhere)."""
        if page and self.path != page:
            await self.open(page)
        form = find_form(self.page, action, self.path)
        self.path, status, self.page = await self.post_form(form, values, button)
        if status >= 400:
            errors = re.findall(rb'class="gk-error"[^>]*>([^<]*)', self.page)
            raise RuntimeError(f"facilitator: POST {form['action']} gave {status}: {errors}")

    async def log_in(self, username: str, password: str) -> None:
        await self.open("/inloggen/")
        await self.submit("/inloggen/", {"username": username, "password": password})

    async def new_gesprek(self, team: int | None = None) -> str:
        await self.open("/begeleiden/nieuw/")
        card = _all_boxes(self.page, "principles")[0][1]
        values = {"title": "Herd", "principles": [card], "audience": "everyone", "threshold": "3"}
        if team is not None:
            values["team"] = str(team)
        await self.submit("/begeleiden/nieuw/", values)
        self.control = self.path
        return re.search(rb"/doe-mee/([A-Z0-9]{10})/", self.page).group(1).decode()

    async def step(self, step: str) -> None:
        await self.submit("/stap/", button=("step", step), page=self.control)

    async def next_question(self) -> None:
        if self.path != self.control:
            await self.open(self.control)
        values = re.findall(rb'name="question" value="(\d+)"', self.page)
        current = re.search(rb'name="question" value="(\d+)" aria-current', self.page)
        numbers = sorted({int(v) for v in values})
        now = int(current.group(1)) if current else numbers[0]
        following = [n for n in numbers if n > now] or numbers
        await self.submit("/vraag/", button=("question", str(following[0])))


def _all_boxes(body: bytes, name: str):
    return [
        (name, m.decode()) for m in re.findall(rb'name="%s" value="([^"]+)"' % name.encode(), body)
    ]


# -- the herd ---------------------------------------------------------------------------------


def process_cpu(pid: int) -> float:
    """User + system CPU seconds of a process and all its threads, also those that have ended,
    to the nanosecond: the kernel's CPU clock of another process (clock_getcpuclockid(3)).
    /proc/<pid>/stat counts in 10 ms ticks, too coarse for one event on a few screens."""
    try:
        return time.clock_gettime(((~pid) << 3) | 2)  # MAKE_PROCESS_CPUCLOCK(pid, SCHED)
    except OSError:
        return benchlib.cpu_seconds(pid)


class Herd:
    def __init__(self, args, port: int, pids: list[int], db_pids: list[int]):
        self.args, self.port, self.pids, self.db_pids = args, port, pids, db_pids
        self.tally = Tally()
        self.mode = args.modes[0]
        self.screens: list[Screen] = []
        self.tasks: set[asyncio.Task] = set()
        self.changed = asyncio.Event()
        self.reconnects = 0
        self.files = 0  # the most files the server had open right after a change

    def spawn(self, coroutine) -> None:
        task = asyncio.create_task(coroutine)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    def close(self) -> None:
        for task in list(self.tasks):
            task.cancel()
        for screen in self.screens:
            screen.close_stream()
            screen.close()

    def cpu(self) -> float:
        return sum(map(process_cpu, self.pids)) + benchlib.total_cpu(self.db_pids)

    async def quiet(self) -> None:
        """Every screen done with what it was doing, and the server idle."""
        while any(screen.pending for screen in self.screens):
            await asyncio.sleep(0.02)
        await asyncio.to_thread(benchlib.wait_idle, self.pids + self.db_pids, 15, 0.05, 0.2)

    async def each(self, function, screens=None) -> None:
        limit = asyncio.Semaphore(self.args.join_concurrency)

        async def one(screen):
            async with limit:
                await function(screen)

        await asyncio.gather(*(one(screen) for screen in (screens or self.screens)))

    async def change(
        self,
        trigger,
        kinds=("step", "update", "refresh"),
        author=None,
        screens=None,
        alone=True,
        give_up=False,
    ) -> dict:
        """Run `trigger` (the POST that changes something) and wait until every screen shows
        the change. Returns CPU per screen, the time of the last screen, how screens did it and
        each screen's time. `alone`: the server is idle before and the CPU is this change's.
        `give_up`: after the time limit, count the screens that do not show it yet as late (at
        the limit) instead of failing."""
        screens = screens or self.screens
        if alone:
            await self.quiet()
        signal = screens[0].signal
        marks = [len(screen.handled) for screen in screens]
        watched = [(s, m) for s, m in zip(screens, marks, strict=True) if s is not author]
        cpu_before = self.cpu() if alone else 0.0
        started = perf()
        author_done = await trigger()
        timeout = 60 + 0.2 * len(screens)

        def shows(screen, mark) -> bool:
            return not screen.pending and any(k in kinds for k, _, _ in screen.handled[mark:])

        def finished() -> bool:
            return all(shows(screen, mark) for screen, mark in watched)

        late = []
        while True:
            while not finished():
                signal.clear()
                left = timeout - (perf() - started)
                if left <= 0 and give_up:
                    late = [(s, m) for s, m in watched if not shows(s, m)]
                    watched = [(s, m) for s, m in watched if shows(s, m)]
                    break
                if left <= 0:
                    missing = sum(1 for s, m in watched if not shows(s, m))
                    raise RuntimeError(
                        f"{missing} of {len(watched)} screens did not show the change within "
                        f"{timeout:.0f} s"
                    )
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(signal.wait(), min(left, 1.0))
            cpu_after = self.cpu() if alone else 0.0
            self.files = max(self.files, open_files(self.pids[0]))
            counts = [len(s.handled) for s in screens]
            await asyncio.sleep(0.15)  # a second event of the same change, if any
            if late or (counts == [len(s.handled) for s in screens] and finished()):
                break
        shown = [
            max(at for k, at, _ in screen.handled[mark:] if k in kinds) - started
            for screen, mark in watched
        ] + [timeout] * len(late)
        # The presenter screens apart: they fetch their page, the phones do not.
        presenters, phones = [], []
        for at, (screen, _mark) in zip(shown, watched + late, strict=True):
            (presenters if isinstance(screen, PresenterScreen) else phones).append(at * 1000)
        if author_done:
            shown.append(author_done - started)
            phones.append((author_done - started) * 1000)
        hows: dict[str, int] = {}
        for screen, mark in zip(screens, marks, strict=True):
            for kind, _, how in screen.handled[mark:]:
                if kind in kinds:
                    hows[how] = hows.get(how, 0) + 1
        return {
            "cpu_ms": (cpu_after - cpu_before) * 1000 / len(screens),
            "last_ms": max(shown) * 1000,
            "shown_ms": [x * 1000 for x in shown],
            "handled": sum(hows.values()),
            "hows": hows,
            "late": len(late),
            "phone_ms": phones,
            "presenter_ms": presenters,
        }


# -- one number of screens --------------------------------------------------------------------


SERVER_FILES = 65536  # LimitNOFILE of deploy/systemd/gesprekskaarten@.service


def deployed_file_limit() -> None:
    """The server gets the open-file limit it has when deployed (where the system allows)."""
    import resource

    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_NOFILE, (SERVER_FILES, SERVER_FILES))


def open_files(pid: int) -> int:
    try:
        return len(os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        return 0


SERVERS: list[subprocess.Popen] = []  # the `serve` processes started, for stop_on_ctrl_c


def stop_on_ctrl_c(run: live_path.Run) -> None:
    """Ctrl+C stops the benchmark at once, whatever it is doing: the servers and Redis it
    started are stopped (by their ids), the temporary directory is removed, exit status 130.

    asyncio's own handling only cancels the main task, and with thousands of screens the
    cancellation could be swallowed on the way (a `wait_for` that completes as it is
    cancelled) or wait for threads; a second Ctrl+C then left the shutdown of 10,000 tasks
    hanging. asyncio.run keeps a SIGINT handler that is already installed."""
    import signal

    def on_sigint(signum, frame):
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl+C does not cut this short
        print("\nCtrl+C: stopping the servers and Redis ...", file=sys.stderr, flush=True)
        for process in SERVERS:
            benchlib.stop(process, timeout=5)
        run.close()
        print("stopped; nothing was reported", file=sys.stderr, flush=True)
        os._exit(130)

    signal.signal(signal.SIGINT, on_sigint)


def start_server(run: live_path.Run, label: str, prepare: str = ""):
    """`gesprekskaarten serve` with the production settings on a copy of the demo database;
    `prepare`, Python run in `gesprekskaarten manage shell` on that copy first, prints what
    the caller gets back as the fourth value."""
    run.demo_ready()
    var = run.dir / f"herd-{label}"
    var.mkdir()
    for file in (run.dir / "template").glob("gesprekskaarten.sqlite3*"):
        shutil.copy(file, var / file.name)
    env = live_path.base_env()
    env.update(
        GK_VAR_DIR=str(var),
        GK_BROKER_URL=run.redis_url,
        DJANGO_SETTINGS_MODULE="gesprekskaarten.settings.production",
        SECRET_KEY=secrets.token_urlsafe(40),
        GK_SECURE_COOKIES="false",
    )
    if run.postgres is not None:
        env["DATABASE_URL"] = run.postgres.create(f"gk_herd_{label}", "gk_bench_template")
    prepared = ""
    if prepare:
        prepared = subprocess.run(
            [live_path.PYTHON, "-m", "gesprekskaarten", "manage", "shell", "-c", prepare],
            env=env, cwd=benchlib.ROOT, capture_output=True, text=True, check=True, timeout=600,
        ).stdout  # fmt: skip
    port = benchlib.free_port()
    log = var / "server.log"
    process = subprocess.Popen(
        [live_path.PYTHON, "-m", "gesprekskaarten", "serve", "--port", str(port),
         "--log-level", "warning"],
        env=env, cwd=benchlib.ROOT, stdout=log.open("wb"), stderr=subprocess.STDOUT,
        preexec_fn=deployed_file_limit,
    )  # fmt: skip
    SERVERS.append(process)
    benchlib.wait_for_port(port, process, 120, log)
    return process, port, log, prepared


async def measure_size(args, run: live_path.Run, n: int) -> dict:
    process, port, log, _ = start_server(run, str(n))
    db_pids = [run.postgres.pid] if run.postgres else []
    herd = Herd(args, port, [process.pid, run.redis.pid], db_pids)
    result = {
        "events": {kind: {mode: [] for mode in args.modes} for kind in EVENTS},
        "pages": {},
    }
    try:
        await herd_run(args, run, n, herd, result)
    except (RuntimeError, OSError, asyncio.IncompleteReadError) as error:
        # Keep what was measured and go on with the next size; the report says what stopped.
        print(f"    {n} screens STOPPED: {error}", file=sys.stderr, flush=True)
        print(log.read_text(errors="replace")[-3000:], file=sys.stderr, flush=True)
        result["stopped"] = str(error).splitlines()[0][:300]
        server_errors = re.findall(r"^\w*Error: .*$", log.read_text(errors="replace"), re.M)
        if server_errors:
            result["stopped"] += f"; the server's last error: {server_errors[-1][:300]}"
    finally:
        result.update(reconnects=herd.reconnects, files=herd.files)
        herd.close()
        benchlib.stop(process)
    return result


async def herd_run(args, run, n: int, herd: Herd, result: dict) -> None:
    samples, pages = result["events"], result["pages"]
    steps = result["steps"] = {}
    begun = perf()

    def note_step(name):
        steps[name] = round(perf() - begun, 1)

    fac = Facilitator(herd.port)
    await fac.log_in(**run.credentials)
    english = round(1 / args.english_share) if args.english_share else 0
    herd.screens = [
        Screen(herd, i, "en" if english and i % english == english - 1 else "nl") for i in range(n)
    ]

    async def measure(kind, trigger, **options):
        result = await herd.change(trigger, **options)
        del result["shown_ms"]
        samples[kind][herd.mode].append(result)
        print(
            f"    {herd.mode:7} {EVENTS[kind]:22} {result['cpu_ms']:7.2f} ms CPU/screen, "
            f"last screen {result['last_ms']:8.1f} ms  {result['hows']}",
            file=sys.stderr,
            flush=True,
        )

    # 1. lobby -> marking: a fresh gesprek each time (a gesprek leaves the lobby once).
    for _ in range(args.repeat):
        for mode in args.modes:
            herd.mode = mode
            code = await fac.new_gesprek()
            await herd.each(lambda screen, code=code: screen.join(code))
            await measure("lobby", lambda: as_facilitator(fac.step("marking")))
    note_step("lobby")

    # 2. The rest in the last gesprek, each round in each mode.
    answering = herd.screens[: max(3, min(n, args.answering))]
    author = herd.screens[0]
    card = None
    rounds = [(r, mode) for r in range(args.repeat) for mode in args.modes]
    for number, (r, mode) in enumerate(rounds):
        herd.mode = mode
        last_round = number == len(rounds) - 1
        # Marking: some screens open the card and answer a few behaviours as autosave does;
        # the author answers all but the last one, so that answering it completes the card.
        card = card or await card_address(author, code)
        marked: list = []
        await herd.each(
            lambda s, r=r, c=card, m=marked: mark(s, code, c, s is author, r, m), answering
        )
        if last_round:
            pages["card"] = await page_alone(herd, author, card)
        await measure(
            "progress",
            lambda last=marked[0][-1]: as_facilitator(answer(author, code, last, "recognised")),
            kinds=("progress",),
        )
        await measure("results", lambda: as_facilitator(fac.step("results")))
        if last_round:
            pages["results"] = await page_alone(herd, author, f"/g/{code}/")
        await measure("discussion", lambda: as_facilitator(fac.step("discussion")))
        await measure("question", lambda: as_facilitator(fac.next_question()))
        await measure("note", lambda r=r: post_note(author, code, f"Notitie {r} van de kudde"),
                      author=author)  # fmt: skip
        themes = fac.control + "rode-draden/"
        await fac.open(themes)
        notes = _all_boxes(fac.page, "notes")[:2]
        await measure(
            "theme",
            lambda number=number, notes=notes: as_facilitator(
                fac.submit("/rode-draden/nieuw/", {"name": f"Rode draad {number}",
                                                   "notes": [v for _, v in notes]})
            ),
        )  # fmt: skip
        await fac.open(fac.control)
        await measure(
            "vote_open",
            lambda: as_facilitator(
                fac.submit("/stemming/", {"vote-proposals": "Voorstel A\nVoorstel B"})
            ),
        )
        await measure("vote_close", lambda: as_facilitator(fac.submit("/stemming/sluiten/")))
        await fac.open(fac.control + "afspraken/nieuw/")
        await measure(
            "agreement",
            lambda number=number: as_facilitator(
                fac.submit("", {"what": f"Afspraak {number}", "who": "Het team"})
            ),
        )
        if last_round:
            pages["discussion"] = await page_alone(herd, author, f"/g/{code}/")
            pages["control"] = await page_alone(herd, fac, fac.control)
            pages["presenter"] = await page_alone(herd, fac, fac.control + "scherm/")
            pages["step"] = await steps_alone(herd, fac)
        else:  # back to marking for the next round (not measured)
            for step in ("results", "marking"):
                await herd.change(lambda step=step: as_facilitator(fac.step(step)))
    note_step("gesprek")
    pages["trivial"] = await page_alone(herd, author, "/taal/", expect=302)
    pages["bare"] = await page_alone(herd, author, "/live/stream/", expect=403)
    note_step("pages")
    fac.close()
    print(f"    {n} screens done: {steps}", file=sys.stderr, flush=True)


async def as_facilitator(coroutine) -> None:
    await coroutine


async def card_address(screen: Screen, code: str) -> str:
    _, _, overview = await screen.go("GET", f"/g/{code}/")
    return re.search(rb'href="(/g/[A-Z0-9]+/kaart/[^"]+/)"', overview).group(1).decode()


async def mark(screen: Screen, code: str, card: str, author: bool, r: int, marked: list):
    """Open the card and save a few behaviours as autosave does; the author saves all but
    the last one (and clears that), so that saving it completes the card: a progress event."""
    page = await screen.navigate("GET", card)
    behaviours = [int(x) for x in re.findall(rb'data-behaviour="(\d+)"', page)]
    marked.append(behaviours)
    choices = ["recognised", "missing", "unsure"]
    if author:
        chosen = behaviours[:-1]
        await answer(screen, code, behaviours[-1], "")
    else:
        chosen = behaviours[(screen.number + r) % 3 :: 3][:3]
    for position, behaviour in enumerate(chosen):
        await answer(screen, code, behaviour, choices[(position + r) % 3], discuss=True)


async def answer(screen: Screen, code: str, behaviour: int, choice: str, discuss=False):
    """live.js autosave: one behaviour's state, with the CSRF token, as JSON."""
    token = screen.jar["csrftoken"]
    body = {"csrfmiddlewaretoken": token, "behaviour": behaviour, "choice": choice}
    if discuss:
        body["discuss"] = "on"
    status, _, content = await screen.request(
        "POST",
        f"/g/{code}/antwoord/",
        screen.headers([FORM, ("X-CSRFToken", token), ("Accept", "application/json")]),
        urlencode(body).encode(),
    )
    if status != 200:
        raise RuntimeError(f"answer refused: {status} {content[:300]!r}")


async def post_note(author: Screen, code: str, text: str) -> float:
    """The author posts the note form (no JavaScript involved): the browser leaves the page,
    follows the redirect to its page with the note, and opens that page's stream."""
    values = {"csrfmiddlewaretoken": author.jar["csrftoken"], "text": text}
    page = await author.navigate("POST", f"/g/{code}/notities/", urlencode(values).encode())
    if text.encode() not in page:
        raise RuntimeError(f"the note is not on its author's page:\n{page[:3000]!r}")
    return author.page_at  # the author's page is there (its stream opens after)


async def page_alone(herd: Herd, screen: Browser, path: str, expect: int = 200) -> dict:
    """Sequential GETs of one address on a kept connection: CPU and wall time per request."""
    headers = screen.headers([("Accept", "text/html")])
    requests = [("GET", path, headers, b"")] * (1 + herd.args.page_requests)  # the first warms
    return await one_after_another(herd, requests, expect, warm=1)


async def steps_alone(herd: Herd, fac: Facilitator) -> dict:
    """The facilitator's step POST, one after the other on a kept connection, from discussion
    to results and back (an even number: it ends in discussion): each a real step change, its
    event's content rendered for the participants after the commit. The control page its
    redirect leads to is the "control" figure."""
    headers, path = fac.headers([FORM]), f"{fac.control}stap/"
    steps = ["results", "discussion"] * max(1, herd.args.page_requests // 2)
    token = fac.jar["csrftoken"]
    requests = [
        ("POST", path, headers, urlencode({"csrfmiddlewaretoken": token, "step": step}).encode())
        for step in steps
    ]
    figures = await one_after_another(herd, requests, 302)
    await herd.quiet()  # the screens have the last step before the next figure
    return figures


async def one_after_another(herd: Herd, requests, expect: int, warm: int = 0) -> dict:
    """(method, path, headers, body) one after the other on one kept connection, nothing else
    running; the first `warm` are not counted. CPU and median wall time per request."""
    await herd.quiet()
    http = Http(HOST, herd.port, KEEP_ALIVE)
    walls = []
    for number, (method, path, headers, body) in enumerate(requests):
        if number == warm:
            cpu_before = herd.cpu()
        started = perf()
        status, _, _ = await http.request(method, path, headers, body)
        if number >= warm:
            walls.append(perf() - started)
        if status != expect:
            raise RuntimeError(f"{method} {path} gave {status}, expected {expect}")
    cpu = herd.cpu() - cpu_before
    http.close()
    return {
        "path": requests[0][1],
        "requests": len(walls),
        "cpu_ms": cpu * 1000 / len(walls),
        "wall_ms": statistics.median(walls) * 1000,
    }


# -- many gesprekken at once -------------------------------------------------------------------

# A team of its own for each gesprek (500 teams meeting at once, not one team meeting 500
# times: an agreement belongs to the team and reaches each of its live gesprekken), with the
# demo's facilitator as its facilitator. Prints the teams' ids.
TEAMS_OF_THEIR_OWN = """
import json
from django.contrib.auth import get_user_model
from gesprekskaarten.organisations.models import Organisation
from gesprekskaarten.teams.models import Team
user = get_user_model().objects.get(username="begeleider")
organisation = Organisation.objects.get(slug="demo")
teams = Team.objects.bulk_create(
    Team(organisation=organisation, name=f"Herd {n}", slug=f"herd-{n}") for n in range(%d)
)
for team in teams:
    team.facilitators.add(user)
herd = Team.objects.filter(slug__startswith="herd-").order_by("pk")
print(json.dumps([team.pk for team in herd]))
"""


async def many_run(args, run) -> dict:
    """--many: every gesprek runs the whole method at once, a change every `pace` seconds."""
    import random

    random.seed(1)
    teams = "" if args.one_team else TEAMS_OF_THEIR_OWN % args.gesprekken
    process, port, log, prepared = start_server(run, "many", prepare=teams)
    team_ids = json.loads(prepared.splitlines()[-1]) if teams else []
    db_pids = [run.postgres.pid] if run.postgres else []
    herd = Herd(args, port, [process.pid, run.redis.pid], db_pids)
    size, count = args.size, args.gesprekken
    english = round(1 / args.english_share) if args.english_share else 0
    herd.screens = [
        Screen(herd, i, "en" if english and i % english == english - 1 else "nl")
        for i in range(size * count)
    ]
    groups = [herd.screens[g * size : (g + 1) * size] for g in range(count)]
    for group in groups:
        signal = asyncio.Event()
        for screen in group:
            screen.signal = signal
    results = {}
    try:
        lead = Facilitator(port)
        await lead.log_in(**run.credentials)
        for mode in args.modes:
            herd.mode = mode
            results[mode] = await many_mode(args, herd, lead, groups, mode, team_ids)
        lead.close()
    except Exception as error:
        raise RuntimeError(
            f"{error}\nserver log:\n{log.read_text(errors='replace')[-3000:]}"
        ) from error
    finally:
        herd.close()
        benchlib.stop(process)
    server_errors = re.findall(r"^\w*Error: .*$", log.read_text(errors="replace"), re.M)
    return {
        "modes": results,
        "reconnects": herd.reconnects,
        "files": herd.files,
        "server_errors": server_errors[-1][:300] if server_errors else "",
    }


async def many_mode(args, herd, lead, groups, mode, team_ids) -> dict:
    """Fresh gesprekken (a gesprek leaves the lobby once), joined, then run all at once."""
    size, count = args.size, args.gesprekken
    found = {"shown": [], "last": [], "hows": {}, "changes": 0, "late": 0}
    started = perf()
    facilitators = [Facilitator(herd.port) for _ in groups]
    codes = [""] * count
    limit = asyncio.Semaphore(args.join_concurrency)

    async def prepare(number):
        async with limit:
            facilitators[number].jar = dict(lead.jar)  # the same account, another tab
            codes[number] = await facilitators[number].new_gesprek(
                team_ids[number] if team_ids else None
            )

    await asyncio.gather(*(prepare(g) for g in range(count)))

    async def join(screen):
        await screen.join(codes[screen.number // size])
        # `serve` closes a connection idle for 75 s: most screens only follow their stream.
        # Closed here, so that 10,000 screens fit in 20,000 open files; reopened when used.
        screen.close()

    await herd.each(join)
    presenters = []
    if not args.no_presenter:
        for number, group in enumerate(groups):
            presenter = PresenterScreen(herd, size * count + number, lead.jar)
            presenter.signal = group[0].signal
            presenters.append(presenter)

        async def present(presenter):
            facilitator = facilitators[presenter.number - size * count]
            await presenter.navigate("GET", facilitator.control + "scherm/")

        await herd.each(present, presenters)
    print(f"    {mode}: {count} gesprekken of {size} joined in {perf() - started:.0f} s",
          file=sys.stderr, flush=True)  # fmt: skip
    await herd.quiet()

    def record(kind, result):
        found.setdefault("kinds", {}).setdefault(kind, []).extend(result["shown_ms"])
        found["shown"] += result["shown_ms"]
        found.setdefault("phones", []).extend(result["phone_ms"])
        found.setdefault("presenters", []).extend(result["presenter_ms"])
        found["last"].append(result["last_ms"])
        found["changes"] += 1
        found["late"] += result["late"]
        for how, n in result["hows"].items():
            found["hows"][how] = found["hows"].get(how, 0) + n

    cpu_before, started = herd.cpu(), perf()
    outcomes = await asyncio.gather(
        *(
            whole_method(
                herd,
                facilitators[g],
                groups[g] + presenters[g : g + 1],
                codes[g],
                args.pace,
                record,
            )
            for g in range(count)
        ),
        return_exceptions=True,
    )
    # A gesprek whose facilitator or author got an error from the server stops there.
    errors = [o for o in outcomes if isinstance(o, (RuntimeError, OSError, EOFError))]
    others = [o for o in outcomes if isinstance(o, BaseException) and o not in errors]
    if others:
        raise others[0]
    found["stopped"] = len(errors)
    found["first_error"] = str(errors[0]).splitlines()[0][:300] if errors else ""
    found["seconds"] = perf() - started
    found["cpu_ms"] = (herd.cpu() - cpu_before) * 1000
    print(f"    {mode}: the method ran in {found['seconds']:.0f} s", file=sys.stderr, flush=True)
    for presenter in presenters:
        presenter.close_stream()
    for browser in facilitators + presenters:
        browser.close()
    return found


async def whole_method(herd, fac, screens, code, pace, record) -> None:
    """One gesprek from the lobby to an agreement, a change every `pace` seconds on average."""
    import random

    author = screens[0]

    async def change(kind, trigger, **options):
        await asyncio.sleep(pace * random.uniform(0.5, 1.5))
        result = await herd.change(trigger, screens=screens, alone=False, give_up=True, **options)
        record(kind, result)

    await change("lobby", lambda: as_facilitator(fac.step("marking")))
    card = await card_address(author, code)
    marked: list = []
    answering = screens[: max(3, len(screens) // 4)]
    await asyncio.gather(*(mark(s, code, card, s is author, 0, marked) for s in answering))
    last = marked[0][-1]
    await change(
        "progress",
        lambda: as_facilitator(answer(author, code, last, "recognised")),
        kinds=("progress",),
    )
    await change("results", lambda: as_facilitator(fac.step("results")))
    await change("discussion", lambda: as_facilitator(fac.step("discussion")))
    await change("note", lambda: post_note(author, code, "Een notitie"), author=author)
    await change("question", lambda: as_facilitator(fac.next_question()))
    await fac.open(fac.control + "rode-draden/")
    notes = [value for _, value in _all_boxes(fac.page, "notes")[:1]]
    await change(
        "theme",
        lambda: as_facilitator(
            fac.submit("/rode-draden/nieuw/", {"name": "Rode draad", "notes": notes})
        ),
    )
    await fac.open(fac.control)
    await change(
        "vote_open",
        lambda: as_facilitator(fac.submit("/stemming/", {"vote-proposals": "A\nB"})),
    )
    await change("vote_close", lambda: as_facilitator(fac.submit("/stemming/sluiten/")))
    await fac.open(fac.control + "afspraken/nieuw/")
    await change(
        "agreement",
        lambda: as_facilitator(fac.submit("", {"what": "Afspraak", "who": "Het team"})),
    )


def report_many(args, many: dict) -> list[str]:
    lines: list[str] = []
    out = lines.append
    out("")
    out(
        f"### many gesprekken: {args.gesprekken:,} of {args.size} screens, the whole method "
        f"at once, a change every {args.pace:g} s on average"
        + ("" if args.no_presenter else ", and a presenter screen per gesprek")
    )
    out("")
    columns = ["mode", "screens", "changes", "change→visible p50 ms", "p99 ms", "max ms",
               "last of a change p99 ms", "CPU ms/screen per change", "fallbacks",
               "late"]  # fmt: skip
    out(row(columns))
    out(row(["---", *["---:"] * 9]))
    for mode, found in many["modes"].items():
        shown = found["shown"]
        fallbacks = "—" if mode == "fetch" else f"{found['hows'].get('fallback', 0)}/{len(shown)}"
        out(
            row([mode, f"{args.gesprekken * args.size:,}", f"{found['changes']:,}",
                 fmt(benchlib.percentile(shown, 0.5)), fmt(benchlib.percentile(shown, 0.99)),
                 fmt(max(shown) if shown else None),
                 fmt(benchlib.percentile(found["last"], 0.99)),
                 fmt(found["cpu_ms"] / len(shown) if shown else None, 2), fallbacks,
                 f"{found['late']:,}"])
        )  # fmt: skip
    out("")
    out(
        "CPU ms/screen per change: all server CPU while the gesprekken ran (marking included) "
        "per change shown on a screen. late: screens that did not show a change within the "
        "limit (60 s + 0.2 s per screen of the gesprek); counted at the limit in the times."
        + (
            ""
            if args.no_presenter
            else " The presenter screens' times are in the figures: they fetch their page on "
            "every change (the facilitator's screens carry no content)."
        )
    )
    for mode, found in many["modes"].items():
        kinds = found.get("kinds", {})
        per_kind = ", ".join(
            f"{EVENTS[kind]} {fmt(benchlib.percentile(shown, 0.5))}/"
            f"{fmt(benchlib.percentile(shown, 0.99))}"
            for kind, shown in kinds.items()
        )
        out(f"change→visible p50/p99 ms per kind of change ({mode}): {per_kind}")
        if found.get("presenters"):
            out(
                f"change→visible p50/p99 ms ({mode}): the phones {spread(found['phones'])}, "
                f"the presenter screens {spread(found['presenters'])}"
            )
    out(f"streams the server ended (reconnected with Last-Event-ID): {many['reconnects']}")
    out(f"server's open files right after a change, most: {many['files']:,}")
    stopped = {mode: found for mode, found in many["modes"].items() if found["stopped"]}
    for mode, found in stopped.items():
        out(
            f"STOPPED ({mode}): {found['stopped']} of {args.gesprekken} gesprekken got an error "
            f"from the server and stopped; the first: {found['first_error']}"
        )
    if many.get("server_errors"):
        out(f"the server's last error: {many['server_errors']}")
    if "content" in many["modes"]:
        p99 = benchlib.percentile(many["modes"]["content"]["shown"], 0.99)
        verdict = "met" if p99 is not None and p99 <= 1000 else "MISSED"
        out(f"Target (content): p99 change→visible <= 1 s: {fmt(p99)} ms {verdict}")
    missing = [line for line in lines if line.startswith("|") and "n/a" in line]
    out("")
    out("figures: " + ("MISSING" if missing or stopped or not many["modes"] else "complete"))
    return lines


# -- report -----------------------------------------------------------------------------------


def spread(values) -> str:
    """p50/p99 of `values` (ms)."""
    return f"{fmt(benchlib.percentile(values, 0.5))}/{fmt(benchlib.percentile(values, 0.99))}"


def fmt(value, digits=1):
    if value is None:
        return "n/a"
    if digits == 2 and abs(value) < 1:
        digits = 3
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.{digits}f}"


def row(cells) -> str:
    return "| " + " | ".join(cells) + " |"


def summary(runs: list[dict]) -> dict | None:
    if not runs:
        return None
    hows: dict[str, int] = {}
    for run in runs:
        for how, count in run["hows"].items():
            hows[how] = hows.get(how, 0) + count
    return {
        "cpu_ms": statistics.median(r["cpu_ms"] for r in runs),
        "last_ms": statistics.median(r["last_ms"] for r in runs),
        "last_max": max(r["last_ms"] for r in runs),
        "handled": sum(r["handled"] for r in runs),
        "fallbacks": hows.get("fallback", 0),
        "errors": sum(c for how, c in hows.items() if how.startswith("error")),
        "hows": hows,
        "runs": len(runs),
    }


def report(args, results: dict) -> list[str]:
    lines: list[str] = []
    out = lines.append
    complete = True
    ratios = []
    for kind, label in EVENTS.items():
        out("")
        out(f"### {label}")
        out("")
        out(row(["mode", "N", "CPU ms/screen (median)", "last screen ms (median, max)",
                 "fallbacks"]))  # fmt: skip
        out(row(["---", "---:", "---:", "---:", "---:"]))
        for n in args.sizes:
            figures = {}
            for mode in args.modes:
                s = summary(results.get(n, {}).get("events", {}).get(kind, {}).get(mode, []))
                figures[mode] = s
                if s is None:
                    complete = False
                    out(row([mode, f"{n:,}", "n/a", "n/a", "n/a"]))
                    continue
                fallbacks = (
                    "—" if mode == "fetch" or kind == "progress"
                    else f"{s['fallbacks']}/{s['handled']}"
                )  # fmt: skip
                if s["errors"]:
                    fallbacks += f" ({s['errors']} failed)"
                out(
                    row([mode, f"{n:,}", fmt(s["cpu_ms"], 2),
                         f"{fmt(s['last_ms'])} ({fmt(s['last_max'])})", fallbacks])
                )  # fmt: skip
            if figures.get("fetch") and figures.get("content"):
                ratios.append((label, n, figures["content"], figures["fetch"]))
    if len(args.modes) == 2:
        out("")
        out("### content / fetch")
        out("")
        out(row(["event", "N", "CPU per screen", "last screen (median)"]))
        out(row(["---", "---:", "---:", "---:"]))
        for label, n, content, fetch in ratios:
            out(
                row([label, f"{n:,}", f"{fmt(content['cpu_ms'] / fetch['cpu_ms'], 2)}x",
                     f"{fmt(content['last_ms'] / fetch['last_ms'], 2)}x"])
            )  # fmt: skip
    out("")
    out("### a page alone (sequential GETs through `serve`)")
    out("")
    out(row(["page", "N", "requests", "CPU ms/request", "wall ms (median)", "x trivial view"]))
    out(row(["---", "---:", "---:", "---:", "---:", "---:"]))
    for n in args.sizes:
        pages = results.get(n, {}).get("pages", {})
        trivial = pages.get("trivial")
        for key, label in PAGES.items():
            page = pages.get(key)
            if page is None:
                complete = False
                out(row([label, f"{n:,}", "n/a", "n/a", "n/a", "n/a"]))
                continue
            times = page["cpu_ms"] / trivial["cpu_ms"] if trivial and trivial["cpu_ms"] else None
            if times is None:
                complete = False
            out(
                row([label, f"{n:,}", str(page["requests"]), fmt(page["cpu_ms"], 2),
                     fmt(page["wall_ms"], 2), f"{fmt(times, 2)}x"])
            )  # fmt: skip
    fallbacks = {
        n: sum(
            summary(runs)["fallbacks"]
            for kind, modes in results[n]["events"].items()
            for mode, runs in modes.items()
            if mode == "content" and runs
        )
        for n in results
    }
    out("")
    if "content" in args.modes:
        out(
            "content mode, fallbacks to a page fetch (events without content): "
            + ", ".join(f"{count:,} at {n:,}" for n, count in fallbacks.items())
        )
    out(
        f"server's open files right after a change, most (limit {SERVER_FILES:,} as deployed): "
        + ", ".join(f"{r['files']:,} at {n:,}" for n, r in results.items())
    )
    reconnects = {n: r["reconnects"] for n, r in results.items()}
    out("streams the server ended (reconnected with Last-Event-ID): "
        + ", ".join(f"{count} at {n:,}" for n, count in reconnects.items()))  # fmt: skip
    out("")
    out("Targets (content mode)")
    for n in args.sizes:
        if n not in results or "content" not in args.modes:
            continue
        measured = [
            (summary(modes["content"]), EVENTS[kind])
            for kind, modes in results[n]["events"].items()
            if modes["content"]
        ]
        if not measured:
            continue
        worst_cpu = max((s["cpu_ms"], label) for s, label in measured)
        worst_last = max((s["last_max"], label) for s, label in measured)
        limit = 1000 if n <= 300 else 2000
        out(
            f"  {n:,} screens: worst CPU/screen {fmt(worst_cpu[0], 2)} ms ({worst_cpu[1]}) "
            f"{'met' if worst_cpu[0] <= 2 else 'MISSED'} (<= 2 ms); worst last screen "
            f"{fmt(worst_last[0])} ms ({worst_last[1]}) "
            f"{'met' if worst_last[0] <= limit else 'MISSED'} (<= {limit} ms)"
        )
        pages = results[n]["pages"]
        for key in ("card", "results", "discussion"):
            if pages.get(key) and pages.get("trivial") and pages["trivial"]["cpu_ms"]:
                times = pages[key]["cpu_ms"] / pages["trivial"]["cpu_ms"]
                out(f"  {PAGES[key]} at {n:,}: {fmt(times, 2)}x the trivial view "
                    f"{'met' if times <= 3 else 'MISSED'} (<= 3x)")  # fmt: skip
    for n, result in results.items():
        if result.get("stopped"):
            complete = False
            out(f"STOPPED at {n:,} screens: {result['stopped']}")
    missing = [line for line in lines if line.startswith("|") and "n/a" in line]
    out("")
    out("figures: " + ("complete" if complete and not missing else "MISSING"))
    return lines


def code_version() -> str:
    """The commit, whether the tree has changes, and where the app's code is imported from."""
    import importlib.util

    def git(*command):
        done = subprocess.run(["git", *command], cwd=benchlib.ROOT, capture_output=True, text=True)
        return done.stdout.strip()

    head = git("log", "-1", "--format=%h %s")[:80] or "unknown"
    changed = " + uncommitted changes in src/" if git("status", "--porcelain", "src") else ""
    source = Path(importlib.util.find_spec("gesprekskaarten").origin).parent.parent
    return f"{head}{changed} (app from {source})"


def main(argv=None) -> int:
    args = parse_args(argv)
    limit = benchlib.raise_fd_limit()
    screens = args.gesprekken * args.size if args.many else max(args.sizes)
    # A stream and a kept connection per screen (--many: the stream, and a connection for
    # the screens that post or fetch).
    if limit < (1.3 if args.many else 2) * screens + 200:
        print(f"The open-file limit is {limit}: too low for {screens:,} screens.")
        return 2
    if not os.access(live_path.REDIS_SERVER, os.X_OK):
        print(f"{live_path.REDIS_SERVER} is missing (Debian package redis-server).")
        return 2
    print(f"Herd benchmark on {live_path.machine()}", flush=True)
    print(f"Command: {' '.join(['python', *sys.argv])}", flush=True)
    print(f"Code: {code_version()}", flush=True)
    run = live_path.Run(args)
    stop_on_ctrl_c(run)
    results = {}
    started = time.monotonic()
    try:
        run.start_redis()
        run.start_demo()
        if args.many:
            print(f"  {args.gesprekken} gesprekken of {args.size} ...", file=sys.stderr)
            many = asyncio.run(many_run(args, run))
        for n in [] if args.many else args.sizes:
            print(f"  {n:,} screens ...", file=sys.stderr, flush=True)
            results[n] = asyncio.run(measure_size(args, run, n))
    finally:
        run.close()
    print()
    if args.many:
        print(f"One `serve` process (production settings, {args.database}, Redis broker)")
        for line in report_many(args, many):
            print(line)
        print(f"(took {time.monotonic() - started:.0f} s)")
        return 0
    print(
        f"One `serve` process (production settings, {args.database}, Redis broker); "
        f"{args.repeat} round(s) per event and mode; {args.answering} screens answer (at least "
        "3); CPU = server process + redis-server"
        + (" + PostgreSQL" if args.database == "postgres" else "")
    )
    for line in report(args, results):
        print(line)
    print(f"(took {time.monotonic() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

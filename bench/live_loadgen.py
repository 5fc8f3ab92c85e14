"""The load generator of bench/live_path.py, in a process of its own (never the server's).

    python bench/live_loadgen.py JOB_JSON

runs one job against one running server and prints its result as one JSON line. Job kinds:

- "a": bare ASGI SSE broadcast (bench/ref_bare_sse.py): SSE streams, POST /publish triggers.
- "b": Django Channels (bench/ref_channels.py): WebSockets, POST /publish -> group_send.
- "c": Gesprekskaarten as served by `gesprekskaarten serve`: a facilitator logs in, starts a
  one-card gesprek and opens marking; participants join and answer over HTTP; every client
  follows the real stream URL of the page. Fan-out events are published from this process
  with `live.services.publish` (the Redis broker carries the notice to the server).

Everything runs on loopback, bounded in count and time. Streams are raw asyncio protocols, so
that 10,000 of them fit in one process; they count the events they receive.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import html
import json
import random
import re
import secrets
import sys
import time
from array import array
from collections import Counter
from urllib.parse import urlencode

import benchlib

MARK = b"bench:"  # the payload of a fan-out event: "bench:<k>:<padding>"
PROGRESS = b"event: progress"  # a gesprek's progress event on a participant's stream
CHOICES = ["recognised", "missing", "unsure"]
FORM = ("Content-Type", "application/x-www-form-urlencoded")
WS_KEY = "dGhlIHNhbXBsZSBub25jZQ=="
perf = time.perf_counter


# -- a minimal HTTP/1.1 client --------------------------------------------------------------------


class Http:
    """One keep-alive HTTP/1.1 connection, like a browser's. A connection idle for longer than
    `idle_limit` (a second less than the server keeps it: uvicorn's default is 5 s, `serve`'s
    75 s) is replaced before the next request."""

    def __init__(self, host: str, port: int, idle_limit: float = 4.0):
        self.host, self.port, self.idle_limit = host, port, idle_limit
        self.reader = self.writer = None
        self.last_used = 0.0

    def close(self):
        if self.writer is not None:
            self.writer.close()
            self.reader = self.writer = None

    async def _connect(self):
        self.close()
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port)

    async def request(self, method, path, headers=(), body=b""):
        if self.writer is None or perf() - self.last_used > self.idle_limit:
            await self._connect()
        lines = [f"{method} {path} HTTP/1.1", f"Host: {self.host}:{self.port}"]
        lines += [f"{name}: {value}" for name, value in headers]
        if method == "POST":
            lines.append(f"Content-Length: {len(body)}")
        data = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body
        for attempt in (1, 2):
            try:
                self.writer.write(data)
                status_line = await self.reader.readline()
                if not status_line:
                    raise ConnectionResetError("connection closed")
                break
            except (ConnectionError, OSError):
                if attempt == 2:
                    raise
                await self._connect()  # the server closed an idle connection: once more
        status = int(status_line.split()[1])
        response_headers = []
        while True:
            line = await self.reader.readline()
            if line in (b"\r\n", b""):
                break
            name, _, value = line.decode("latin-1").partition(":")
            response_headers.append((name.strip().lower(), value.strip()))
        fields = dict(response_headers)
        if status in (204, 304) or status < 200 or method == "HEAD":
            content = b""
        elif "chunked" in fields.get("transfer-encoding", ""):
            content = b""
            while True:
                size = int((await self.reader.readline()).split(b";")[0], 16)
                content += await self.reader.readexactly(size + 2)
                if size == 0:
                    break
                content = content[:-2]
        elif "content-length" in fields:
            content = await self.reader.readexactly(int(fields["content-length"]))
        else:
            content = await self.reader.read()
        if fields.get("connection", "").lower() == "close":
            self.close()
        self.last_used = perf()
        return status, response_headers, content


def set_cookies(headers) -> dict:
    found = {}
    for name, value in headers:
        if name == "set-cookie":
            key, _, rest = value.partition("=")
            found[key.strip()] = rest.split(";")[0]
    return found


def cookie_header(jar: dict) -> tuple[str, str]:
    return ("Cookie", "; ".join(f"{key}={value}" for key, value in jar.items()))


def find(pattern: bytes, body: bytes, what: str) -> str:
    match = re.search(pattern, body)
    if match is None:
        raise RuntimeError(f"{what} not found in the page:\n{body[:2000]!r}")
    return html.unescape(match.group(1).decode())


# -- streams ----------------------------------------------------------------------------------


class Tally:
    """What the streams received during the running phase (shared by all of them)."""

    def __init__(self):
        self.current = 0  # the fan-out event being waited for
        self.sent_at = 0.0
        self.count = 0  # deliveries of `current`
        self.expected = 0
        self.done: asyncio.Future | None = None
        self.latencies = array("d")
        self.late = 0  # deliveries of an earlier event, after its time-out
        self.progress = 0  # progress events received (answer phase)
        self.total = 0  # fan-out events received, of any number
        self.ended = 0  # streams the server ended or dropped

    def bench(self, number: int, now: float) -> None:
        self.total += 1
        if number != self.current:
            self.late += 1
            return
        self.count += 1
        self.latencies.append(now - self.sent_at)
        if self.count >= self.expected and self.done is not None and not self.done.done():
            self.done.set_result(None)


class Stream(asyncio.Protocol):
    """One subscriber: an SSE stream or a WebSocket. It counts the events it receives."""

    def __init__(self, tally: Tally, request: bytes, websocket: bool):
        self.tally, self.request, self.websocket = tally, request, websocket
        self.transport = None
        self.head = b""
        self.tail = b""
        self.open = False
        self.ready = asyncio.get_running_loop().create_future()

    def connection_made(self, transport):
        self.transport = transport
        transport.write(self.request)

    def connection_lost(self, exc):
        if self.open:
            self.open = False
            self.tally.ended += 1
        elif not self.ready.done():
            self.ready.set_exception(ConnectionError("closed before the response"))

    def data_received(self, data):
        if not self.open:
            self.head += data
            end = self.head.find(b"\r\n\r\n")
            if end < 0:
                return
            status, data, self.head = self.head[9:12], self.head[end + 4 :], b""
            if status != (b"101" if self.websocket else b"200"):
                self.ready.set_exception(ConnectionError(f"status {status!r}"))
                self.transport.close()
                return
            self.open = True
            self.ready.set_result(None)
            if not data:
                return
        if self.websocket:
            self._frames(data, perf())
        else:
            self._scan(data, perf())

    def _scan(self, data: bytes, now: float) -> None:
        # The tail kept from the previous chunk is shorter than either marker, so a marker is
        # never counted twice; an unfinished "bench:<k>" is kept whole.
        buffer = self.tail + data if self.tail else data
        self.tail = b""
        tally = self.tally
        if PROGRESS in buffer:
            tally.progress += buffer.count(PROGRESS)
        position = 0
        while (start := buffer.find(MARK, position)) >= 0:
            end = buffer.find(b":", start + 6)
            if end < 0:
                self.tail = buffer[start:]
                return
            tally.bench(int(buffer[start + 6 : end]), now)
            position = end + 1
        self.tail = buffer[max(position, len(buffer) - len(PROGRESS) + 1) :]

    def _frames(self, data: bytes, now: float) -> None:
        """Server-to-client WebSocket frames (unmasked); answers pings."""
        buffer = self.tail + data if self.tail else data
        position, size = 0, len(buffer)
        while size - position >= 2:
            opcode, length, head = buffer[position] & 0x0F, buffer[position + 1] & 0x7F, 2
            if length == 126:
                if size - position < 4:
                    break
                length, head = int.from_bytes(buffer[position + 2 : position + 4], "big"), 4
            elif length == 127:
                if size - position < 10:
                    break
                length, head = int.from_bytes(buffer[position + 2 : position + 10], "big"), 10
            if size - position < head + length:
                break
            payload = buffer[position + head : position + head + length]
            position += head + length
            if opcode in (0, 1, 2):
                start = payload.find(MARK)
                if start >= 0:
                    end = payload.find(b":", start + 6)
                    self.tally.bench(int(payload[start + 6 : end]), now)
            elif opcode == 9 and length < 126:  # ping: pong with the same data (zero mask)
                self.transport.write(bytes([0x8A, 0x80 | length]) + b"\0\0\0\0" + payload)
            elif opcode == 8:
                self.transport.close()
        self.tail = buffer[position:]


class FacilitatorStream(Stream):
    """The facilitator's screen: decodes the chunked SSE stream and notes when each progress
    event (by its id) arrives."""

    def __init__(self, tally, request):
        super().__init__(tally, request, websocket=False)
        self.raw = b""
        self.text = b""
        self.arrivals: list[tuple[int, float]] = []
        self.last_id = 0

    def _scan(self, data, now):
        self.raw += data
        while True:  # undo the chunked transfer encoding
            line_end = self.raw.find(b"\r\n")
            if line_end < 0:
                break
            size = int(self.raw[:line_end], 16)
            if len(self.raw) < line_end + 2 + size + 2:
                break
            self.text += self.raw[line_end + 2 : line_end + 2 + size]
            self.raw = self.raw[line_end + 2 + size + 2 :]
        *blocks, self.text = self.text.split(b"\n\n")
        for block in blocks:
            kind = None
            for line in block.split(b"\n"):
                if line.startswith(b"id: "):
                    self.last_id = int(line[4:])
                elif line.startswith(b"event: "):
                    kind = line[7:]
            if kind == b"progress":
                self.arrivals.append((self.last_id, now))


async def open_streams(job, count: int, factory) -> list[Stream]:
    """Open `count` streams, a bounded number at a time; returns those that opened."""
    return await open_each(job, [factory] * count)


async def open_each(job, factories) -> list[Stream]:
    """Open one stream per factory, a bounded number at a time; returns those that opened."""
    loop = asyncio.get_running_loop()
    limit = asyncio.Semaphore(job.get("connect_concurrency", 200))
    deadline = perf() + job.get("connect_limit", 180)

    async def one(factory):
        async with limit:
            for _attempt in range(3):
                if perf() > deadline:
                    return None
                try:
                    _, stream = await asyncio.wait_for(
                        loop.create_connection(factory, job["host"], job["port"]), 20
                    )
                    await asyncio.wait_for(stream.ready, 30)
                    return stream
                except (OSError, TimeoutError, ConnectionError):
                    await asyncio.sleep(0.2)
            return None

    streams = await asyncio.gather(*(one(factory) for factory in factories))
    return [stream for stream in streams if stream is not None]


def request_bytes(job, path: str, websocket: bool) -> bytes:
    host = f"{job['host']}:{job['port']}"
    if websocket:
        head = (
            f"GET {path} HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {WS_KEY}\r\nSec-WebSocket-Version: 13\r\n"
        )
    else:
        head = f"GET {path} HTTP/1.1\r\nHost: {host}\r\nAccept: text/event-stream\r\n"
    return (head + "\r\n").encode()


# -- the fan-out phase ------------------------------------------------------------------------


async def fanout(job, tally: Tally, streams: list[Stream], publish, first: int) -> dict:
    """Publish one event, wait until every open stream has it (or the time-out), repeat until
    the phase time is up. CPU and deliveries are counted over the same window: every event a
    client receives in it counts, also a late one."""
    loop = asyncio.get_running_loop()
    number = first
    limit = job["event_timeout"]

    async def one_event():
        nonlocal number
        number += 1
        tally.current, tally.count = number, 0
        tally.expected = sum(1 for stream in streams if stream.open)
        tally.done = loop.create_future()
        if tally.expected == 0:
            tally.done.set_result(None)
        tally.sent_at = perf()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(publish(number), limit)
        left = max(0.0, limit - (perf() - tally.sent_at))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.shield(tally.done), left)
        return tally.expected

    for _ in range(job.get("warmup_events", 1)):
        await one_event()
    del tally.latencies[:]
    total_before, cpu_before = tally.total, benchlib.total_cpu(job["cpu_pids"])
    started = perf()
    events = expected = 0
    while perf() - started < job["duration"] and events < job["max_events"]:
        expected += await one_event()
        events += 1
    seconds = perf() - started
    cpu = benchlib.total_cpu(job["cpu_pids"]) - cpu_before
    deliveries = tally.total - total_before
    await asyncio.sleep(0.2)  # late deliveries of the last event, if any
    latencies = tally.latencies
    return {
        "events": events,
        "deliveries": deliveries,
        "expected": expected,
        "late": tally.late,
        "seconds": seconds,
        "cpu": cpu,
        "p50_ms": _ms(benchlib.percentile(latencies, 0.50)),
        "p99_ms": _ms(benchlib.percentile(latencies, 0.99)),
        "ended": tally.ended,
        "next_number": number,
    }


def _ms(seconds):
    return None if seconds is None else seconds * 1000


async def run_reference(job) -> dict:
    """Jobs "a" and "b": connect, measure memory, broadcast."""
    websocket = job["kind"] == "b"
    tally = Tally()
    request = request_bytes(job, "/ws/" if websocket else "/stream/", websocket)
    publisher = Http(job["host"], job["port"])
    pad = "x" * job["payload_pad"]

    async def publish(number):
        try:
            status, _, _ = await publisher.request(
                "POST", "/publish", (), f"bench:{number}:{pad}".encode()
            )
        except BaseException:  # timed out: the connection is in an unknown state
            publisher.close()
            raise
        if status != 204:
            raise RuntimeError(f"publish answered {status}")

    await publish(0)  # warm the trigger path before memory is measured
    rss_before = sum(map(benchlib.rss_kb, job["rss_pids"]))
    streams = await open_streams(job, job["clients"], lambda: Stream(tally, request, websocket))
    gc.freeze()
    result = {"connected": len(streams), "rss_before_kb": rss_before}
    result["fanout"] = await fanout(job, tally, streams, publish, 0)
    result["rss_after_kb"] = sum(map(benchlib.rss_kb, job["rss_pids"]))
    for stream in streams:
        stream.transport.close()
    publisher.close()
    return result


# -- Gesprekskaarten --------------------------------------------------------------------------


class Participant:
    __slots__ = ("cookie", "done", "http", "broken", "path", "gesprek")

    def __init__(self, job, token, code: str, gesprek: int):
        self.cookie = ("Cookie", f"csrftoken={job['csrf']}; gk_p_{code}={token}")
        self.path = f"/g/{code}/antwoord/"
        self.gesprek = gesprek  # its number in this run
        self.done = False
        self.http = Http(job["host"], job["port"], job["keep_alive"] - 1)
        self.broken = False


async def set_up_gesprek(job) -> dict:
    """As a facilitator and a few participants would, over HTTP: log in, start a one-card
    gesprek (behaviours for everyone), open marking, join, fill in all but one behaviour."""
    http = Http(job["host"], job["port"])
    status, headers, body = await http.request("GET", "/inloggen/")
    jar = set_cookies(headers)
    form = {
        "csrfmiddlewaretoken": find(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body, "csrf"),
        "username": job["username"],
        "password": job["password"],
    }
    status, headers, _ = await http.request(
        "POST", "/inloggen/", [cookie_header(jar), FORM], urlencode(form).encode()
    )
    if status != 302:
        raise RuntimeError(f"log in failed: {status}")
    jar.update(set_cookies(headers))
    status, _, body = await http.request("GET", "/begeleiden/nieuw/", [cookie_header(jar)])
    form = {
        "csrfmiddlewaretoken": jar["csrftoken"],
        "team": find(rb'<option value="([^"]+)"', body, "team"),
        "title": "Benchmark",
        "principles": find(rb'name="principles" value="([^"]+)"', body, "card"),
        "audience": "everyone",
        "threshold": "3",
    }
    status, headers, body = await http.request(
        "POST", "/begeleiden/nieuw/", [cookie_header(jar), FORM], urlencode(form).encode()
    )
    control = dict(headers).get("location")
    if status != 302 or not control:
        raise RuntimeError(f"starting a gesprek failed: {status} {body[:500]!r}")
    status, _, body = await http.request("GET", control, [cookie_header(jar)])
    code = find(rb"/doe-mee/([A-Z0-9]{10})/", body, "join code")
    step = urlencode({"csrfmiddlewaretoken": jar["csrftoken"], "step": "marking"}).encode()
    status, _, _ = await http.request("POST", control + "stap/", [cookie_header(jar), FORM], step)
    if status != 302:
        raise RuntimeError(f"opening marking failed: {status}")

    # Participants join as a phone would: the join page, the join form, the marking page.
    status, headers, body = await http.request("GET", f"/doe-mee/{code}/")
    csrf = set_cookies(headers).get("csrftoken") or jar["csrftoken"]
    job.update(code=code, csrf=csrf)
    tokens, card, behaviours = [], None, []
    for _ in range(job["http_joins"]):
        join = urlencode({"csrfmiddlewaretoken": csrf}).encode()
        status, headers, _ = await http.request(
            "POST", f"/doe-mee/{code}/", [("Cookie", f"csrftoken={csrf}"), FORM], join
        )
        token = set_cookies(headers).get(f"gk_p_{code}")
        if status != 302 or not token:
            raise RuntimeError(f"joining failed: {status}")
        cookie = ("Cookie", f"csrftoken={csrf}; gk_p_{code}={token}")
        if card is None:
            status, _, body = await http.request("GET", f"/g/{code}/", [cookie])
            card = find(rb'href="(/g/[A-Z0-9]+/kaart/[^"]+/)"', body, "card link")
            status, _, body = await http.request("GET", card, [cookie])
            behaviours = [int(x) for x in re.findall(rb'data-behaviour="(\d+)"', body)]
        fill = {"csrfmiddlewaretoken": csrf}
        fill.update({f"choice-{b}": "recognised" for b in behaviours[:-1]})
        status, _, _ = await http.request("POST", card, [cookie, FORM], urlencode(fill).encode())
        if status != 302:
            raise RuntimeError(f"filling in the card failed: {status}")
        tokens.append(token)
    return {
        "tokens": tokens,
        "behaviours": behaviours,
        "pages": [(f"/g/{code}/", cookie), (control, cookie_header(jar))],
    }


async def stream_urls(job, setup) -> tuple[str, str]:
    """The stream URLs of a participant's page and of the facilitator's control page, as the
    browser gets them right before it connects (so they start at the newest event)."""
    http = Http(job["host"], job["port"])
    urls = []
    for path, cookie in setup["pages"]:
        status, _, body = await http.request("GET", path, [cookie])
        urls.append(find(rb'<meta name="gk-stream" content="([^"]+)"', body, "stream"))
    http.close()
    return urls[0], urls[1]


def seed_participants(code: str, count: int, behaviours: list[int]) -> list[str]:
    """More participants in the state the HTTP ones are in (joined, all but one behaviour
    answered), written straight to the database: 2,000 joins over HTTP would take minutes of
    setup and measure nothing we report."""
    from django.db import transaction

    from gesprekskaarten.meetings.models import Answer, Gesprek, Participant
    from gesprekskaarten.meetings.services import hash_token

    gesprek = Gesprek.objects.get(join_code=code)
    tokens = [secrets.token_urlsafe(32) for _ in range(count)]
    with transaction.atomic():
        people = Participant.objects.bulk_create(
            [Participant(gesprek=gesprek, token_hash=hash_token(token)) for token in tokens]
        )
        Answer.objects.bulk_create(
            [
                Answer(participant=person, behaviour_id=behaviour, choice="recognised")
                for person in people
                for behaviour in behaviours[:-1]
            ]
        )
    return tokens


def seed_gesprekken(code: str, count: int) -> list[str]:
    """More gesprekken like the first (same team, card and settings), in marking."""
    from gesprekskaarten.meetings import services
    from gesprekskaarten.meetings.models import Gesprek

    first = Gesprek.objects.get(join_code=code)
    principles = list(first.principles.all())
    codes = []
    for _ in range(count):
        gesprek = services.create_gesprek(
            team=first.team, user=first.created_by, principles=principles,
            audience=first.audience, threshold=first.threshold, title="Benchmark",
        )  # fmt: skip
        services.set_step(gesprek, "marking")
        codes.append(gesprek.join_code)
    return codes


def page_stream_urls(code: str) -> tuple[str, str]:
    """The stream URLs the participant's and the facilitator's pages carry (same function)."""
    from gesprekskaarten.live import services as live

    channel = channel_of(code)
    seq = live.last_seq(channel)
    return (
        live.stream_url(channel, "participant", last_event_id=seq),
        live.stream_url(channel, "facilitator", last_event_id=seq),
    )


def last_seqs(codes: list[str]) -> list[int]:
    return [last_seq(channel_of(code)) for code in codes]


def channel_of(code: str) -> str:
    from gesprekskaarten.meetings.models import Gesprek

    return Gesprek.objects.get(join_code=code).channel


def last_seq(channel: str) -> int:
    from gesprekskaarten.live.services import last_seq

    return last_seq(channel)


def publish_event(channel: str, payload: str) -> None:
    from django.db import transaction

    from gesprekskaarten.live.services import publish

    with transaction.atomic():
        publish(channel, "bench", {"participant": payload})


async def answering(job, people: list[Participant], behaviours, duration: float) -> dict:
    """Each answering participant posts one answer every `answer_interval` seconds on average
    (uniformly 0.5x..1.5x) to the lean answer endpoint, as live.js does. With probability
    `event_share` the answer is the card's last behaviour, set or cleared, so the participant's
    progress changes ("klaar" or not) and the gesprek publishes a progress event; otherwise it
    changes one of the other behaviours, which publishes nothing. The answers stop after
    `duration` seconds; answers still waiting for the server are awaited (bounded)."""
    interval, share = job["answer_interval"], job["event_share"]
    last, others = behaviours[-1], behaviours[:-1]
    posts = []  # (sent, answered, status, changes progress, gesprek)
    stop_at = perf() + duration
    csrf_header = ("X-CSRFToken", job["csrf"])
    accept = ("Accept", "application/json")

    async def participant(person: Participant):
        await asyncio.sleep(random.uniform(0, interval))
        while perf() < stop_at and not person.broken:
            toggle = random.random() < share
            if toggle:
                body = {"behaviour": last, "choice": "" if person.done else random.choice(CHOICES)}
            else:
                body = {"behaviour": random.choice(others), "choice": random.choice(CHOICES)}
            headers = [person.cookie, csrf_header, accept, FORM]
            sent = perf()
            try:
                status, _, _ = await person.http.request(
                    "POST", person.path, headers, urlencode(body).encode()
                )
            except (OSError, ConnectionError, asyncio.IncompleteReadError):
                status, person.broken = 0, True
                person.http.close()
            posts.append((sent, perf(), status, toggle, person.gesprek))
            if status == 200 and toggle:
                person.done = not person.done
            pause = interval * random.uniform(0.5, 1.5)
            await asyncio.sleep(max(0.0, min(pause, stop_at - perf())))

    server_pids, db_pids = job["cpu_pids"], job.get("db_pids", [])
    cpu_before, db_before = benchlib.total_cpu(server_pids), benchlib.total_cpu(db_pids)
    started = perf()
    tasks = [asyncio.create_task(participant(person)) for person in people]
    await asyncio.sleep(duration)
    _, pending = await asyncio.wait(tasks, timeout=job["drain_limit"])
    for task in pending:  # still waiting for the server: give up on these answers
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)
    for task, person in zip(tasks, people, strict=True):
        if task in pending:
            person.broken = True
            person.http.close()
    answered_at = perf()
    idle = await asyncio.to_thread(benchlib.wait_idle, server_pids + db_pids, job["drain_limit"])
    db_cpu = benchlib.total_cpu(db_pids) - db_before
    cpu = benchlib.total_cpu(server_pids) - cpu_before + db_cpu
    statuses = {}
    for _, _, status, _, _ in posts:
        statuses[str(status)] = statuses.get(str(status), 0) + 1
    ok = [(sent, answered) for sent, answered, status, _, _ in posts if status == 200]
    waits = [answered - sent for sent, answered in ok]
    return {
        "posts": len(posts),
        "accepted": len(ok),
        "statuses": statuses,
        "abandoned": len(pending),
        "toggles": [
            (sent, answered, gesprek)
            for sent, answered, status, toggle, gesprek in posts
            if status == 200 and toggle
        ],
        "seconds": answered_at - started,
        "idle_wait": idle,
        "cpu": cpu,
        "db_cpu": db_cpu,
        "post_p50_ms": _ms(benchlib.percentile(waits, 0.50)),
        "post_p99_ms": _ms(benchlib.percentile(waits, 0.99)),
    }


async def run_gesprek(job) -> dict:
    """One gesprek with every client, or (`gesprek_size`) many gesprekken of that size, each
    with its own facilitator screen, as hundreds of teams holding their meeting at once."""
    import django

    steps, begun = {}, perf()

    def step(name):
        steps[name] = round(perf() - begun, 2)

    django.setup()
    setup = await set_up_gesprek(job)
    step("setup")
    behaviours = setup["behaviours"]
    if job["event_share"] is None:  # one answer per behaviour: the last one changes progress
        job["event_share"] = 1 / len(behaviours)
    size = job.get("gesprek_size") or job["clients"]
    count = max(1, job["clients"] // size)
    codes = [job["code"]] + await asyncio.to_thread(seed_gesprekken, job["code"], count - 1)
    answering_each = max(1, round(job["answering"] / count))
    people = [Participant(job, token, job["code"], 0) for token in setup["tokens"]]
    for number, code in enumerate(codes):
        extra = answering_each - (len(setup["tokens"]) if number == 0 else 0)
        tokens = await asyncio.to_thread(seed_participants, code, max(0, extra), behaviours)
        people += [Participant(job, token, code, number) for token in tokens]
    result = {
        "behaviours": len(behaviours),
        "event_share": job["event_share"],
        "gesprekken": count,
        "gesprek_size": size,
        "steps": steps,
    }
    step("seeded")

    # 1. Connect every participant's stream (the URL of the real page) and the facilitators'.
    # The first gesprek's URLs are read from its pages; the others' are made by the same
    # function the pages use.
    tally = Tally()
    urls = [await stream_urls(job, setup)]
    for code in codes[1:]:
        urls.append(await asyncio.to_thread(page_stream_urls, code))
    await asyncio.to_thread(benchlib.wait_idle, job["cpu_pids"], 10)
    rss_before = sum(map(benchlib.rss_kb, job["rss_pids"]))

    def participant_stream(number):
        request = request_bytes(job, urls[number][0], websocket=False)
        return lambda: tagged(Stream(tally, request, False), number)

    def facilitator_stream(url):
        request = request_bytes(job, url, websocket=False)
        return lambda: FacilitatorStream(Tally(), request)

    factories = [participant_stream(number) for number in range(count) for _ in range(size)]
    streams = await open_each(job, factories)
    facilitators = await open_each(job, [facilitator_stream(url) for _, url in urls])
    if len(facilitators) != count:
        raise RuntimeError(f"{count - len(facilitators)} facilitator streams did not open")
    gc.freeze()
    result.update(connected=len(streams), rss_before_kb=rss_before)
    step("connected")

    # 2. Fan-out (one gesprek only): events published from this process, through Redis.
    if count == 1:
        channel = await asyncio.to_thread(channel_of, job["code"])
        pad = "x" * job["payload_pad"]

        async def publish(number):
            await asyncio.to_thread(publish_event, channel, f"bench:{number}:{pad}")

        result["fanout"] = await fanout(job, tally, streams, publish, 0)
        step("fan-out phase")
    else:
        result["fanout"] = None
        await asyncio.sleep(2)  # let the streams settle before memory is read
    result["rss_after_kb"] = sum(map(benchlib.rss_kb, job["rss_pids"]))

    # 3. Answer -> visible: the answering participants post while everyone is connected.
    start_seqs = await asyncio.to_thread(last_seqs, codes)
    tally.progress = 0
    live = await answering(job, people, behaviours, job["duration"])
    final_seqs = await asyncio.to_thread(last_seqs, codes)
    await asyncio.sleep(0.5)
    # Every accepted answer that changed progress published exactly one event on its gesprek;
    # a gesprek's events are numbered in commit order, and its answers are taken in the order
    # their responses came back (the response leaves right after the commit).
    toggles = live.pop("toggles")
    visible, arrived = [], 0
    for number, facilitator in enumerate(facilitators):
        arrivals = [(seq, at) for seq, at in facilitator.arrivals if seq > start_seqs[number]]
        own = sorted((t for t in toggles if t[2] == number), key=lambda item: item[1])
        visible += [at - sent for (sent, _, _), (_, at) in zip(own, arrivals, strict=False)]
        arrived += len(arrivals)
    per_gesprek = Counter(stream.gesprek for stream in streams)
    events = [final - start for start, final in zip(start_seqs, final_seqs, strict=True)]
    live.update(
        events=sum(events),
        progress_answers=len(toggles),
        facilitator_events=arrived,
        visible_p50_ms=_ms(benchlib.percentile(visible, 0.50)),
        visible_p99_ms=_ms(benchlib.percentile(visible, 0.99)),
        progress_deliveries=tally.progress,
        progress_expected=sum(n * per_gesprek[number] for number, n in enumerate(events)),
        streams_ended=tally.ended,
    )
    result["live"] = live
    step("answer phase")
    for stream in [*streams, *facilitators]:
        stream.transport.close()

    # 4. Write cost: the same answers with no stream open (nobody to fan out to). Answers the
    # server was still working on are finished first; then every participant starts again
    # from a known state (not done), set in the database.
    await asyncio.to_thread(benchlib.wait_idle, job["cpu_pids"], 120)
    await asyncio.to_thread(reset_answers, codes, behaviours[-1])
    for person in people:  # their connections stay open, as a browser's do
        if person.broken:
            person.http.close()
        person.done = person.broken = False
    # What the server (and Redis, and PostgreSQL) use when nothing is asked of them, so that
    # the report can tell the cost of each answer from costs that do not depend on the rate.
    idle = await asyncio.to_thread(benchlib.idle_cpu, job["cpu_pids"] + job.get("db_pids", []))
    write = await answering(job, people, behaviours, job["write_duration"])
    write.pop("toggles")
    write["idle_cpu_per_s"] = idle
    result["write"] = write
    step("write phase")
    return result


def tagged(stream: Stream, gesprek: int) -> Stream:
    stream.gesprek = gesprek
    return stream


def reset_answers(codes: list[str], behaviour: int) -> None:
    from gesprekskaarten.meetings.models import Answer

    Answer.objects.filter(participant__gesprek__join_code__in=codes, behaviour_id=behaviour).update(
        choice=""
    )


async def main(job) -> dict:
    random.seed(job.get("seed", 1))
    if job["kind"] == "c":
        return await run_gesprek(job)
    return await run_reference(job)


if __name__ == "__main__":
    benchlib.raise_fd_limit()
    job = json.loads(sys.argv[1])
    print(json.dumps(asyncio.run(main(job))), flush=True)

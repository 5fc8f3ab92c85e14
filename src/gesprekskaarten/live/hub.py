"""The per-process fan-out: one subscription per channel, shared by every local stream.

When a notice (channel, seq) arrives, the hub loads the new events once, encodes them once per
audience and appends the same bytes object to every subscriber's bounded queue. A subscriber
whose queue is full is dropped; it reconnects and catches up with Last-Event-ID.

Every heartbeat the hub also compares each channel's `last_seq` in the database with what it
delivered, so a lost or late notice (a Redis restart, a publish from a process without a
shared broker) delays an event by at most one heartbeat and never loses it.

Everything here runs on the event loop; database reads go to a small thread pool.
"""

from __future__ import annotations

import asyncio
import json
import logging
from concurrent.futures import ThreadPoolExecutor

from django.db import close_old_connections, connection

from gesprekskaarten.core import metrics

from . import collector, conf, sse
from .broker import Broker, get_broker
from .models import Channel
from .services import ready_seq, release_stale

logger = logging.getLogger(__name__)

FETCH_BATCH = 200  # events loaded per query while following
# Seconds before a pending event that held up its channel for a heartbeat is released with its
# fallback (see _poll): far longer than any render, even on a machine under heavy load.
PENDING_GRACE = 60.0
POLL_BATCH = 500  # channels per last_seq query in the heartbeat poll
BEAT_CHUNK = 250  # streams given their heartbeat before a pause
BEAT_PAUSE = 0.01  # seconds
SHUTDOWN_GRACE = 2.0  # seconds a stopping server gives streams to end before aborting them

SLOW = "slow"
GONE = "gone"
SHUTDOWN = "shutdown"


class Subscriber:
    """One connected stream: its audience and a bounded queue of bytes to write.

    Kept small on purpose (one per open browser tab): the queue holds references to bytes
    objects shared with every other subscriber of the same audience.
    """

    __slots__ = ("audience", "floor", "items", "waiter", "closed", "reason", "send", "task")

    def __init__(self, audience: str, send=None, task: asyncio.Task | None = None):
        self.audience = audience
        # Events up to this seq are already known to the client (it came back ahead of us).
        self.floor = 0
        self.items: list[bytes] = []
        self.waiter: asyncio.Future | None = None
        self.closed = False
        self.reason = ""
        self.send = send
        self.task = task

    def push(self, data: bytes, limit: int) -> None:
        if self.closed:
            return
        if len(self.items) >= limit:
            self.close(SLOW)
            return
        self.items.append(data)
        waiter = self.waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def close(self, reason: str) -> None:
        """Stop this stream. A slow client's connection is aborted: it does not read, so
        neither a clean end of the response nor a close would ever get through to it."""
        if self.closed:
            return
        self.closed = True
        self.reason = reason
        waiter = self.waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)
        if reason == SLOW:
            self.items = []
            metrics.DROPPED_SLOW.inc()
            _abort(self.send, self.task)

    def disconnected(self, _future=None) -> None:
        self.close(GONE)


def _abort(send, task: asyncio.Task | None) -> None:
    """Abort the client's TCP connection.

    uvicorn's `send` is a method of the request cycle that owns the transport; aborting it
    closes the socket at once and makes a pending `send` return. Under another server we
    cancel the stream's task instead.
    """
    transport = getattr(getattr(send, "__self__", None), "transport", None)
    if transport is not None and hasattr(transport, "abort"):
        transport.abort()
    elif task is not None:
        task.cancel()


class ChannelState:
    __slots__ = (
        "name",
        "audiences",
        "delivered",
        "target",
        "ready",
        "fetching",
        "stalled",
        "notices",
    )

    def __init__(self, name: str, ready: asyncio.Future):
        self.name = name
        self.audiences: dict[str, set[Subscriber]] = {}
        self.delivered = 0  # the newest seq handed to the subscribers
        self.target = 0  # the newest seq we know exists
        self.ready = ready  # resolves to True once `delivered` is read from the database
        self.fetching = False
        self.stalled = -1  # `delivered` at the last poll when the database was ahead of it
        self.notices = 0  # notices of new events so far (a fetch sees whether one came meanwhile)

    def is_ready(self) -> bool:
        return self.ready.done() and self.ready.result() is True

    def subscribers(self):
        for subscribers in self.audiences.values():
            yield from subscribers


class Hub:
    def __init__(self, loop: asyncio.AbstractEventLoop, broker: Broker):
        self.loop = loop
        self.channels: dict[str, ChannelState] = {}
        self.heartbeat = conf.get("GK_LIVE_HEARTBEAT")
        self.queue_size = conf.get("GK_LIVE_QUEUE_SIZE")
        self.replay_limit = conf.get("GK_LIVE_REPLAY_LIMIT")
        self.retry_ms = conf.get("GK_LIVE_RETRY_MS")
        self.executor = ThreadPoolExecutor(
            max_workers=conf.get("GK_LIVE_DB_THREADS"), thread_name_prefix="gk-live-db"
        )
        self.closing = False
        self.closed = False
        self.fetches = 0  # event queries made while following (for tests and benchmarks)
        self._tasks: set[asyncio.Task] = set()
        self._resync_all = False
        self._resync_channels: set[str] = set()
        self._resync_task: asyncio.Task | None = None
        self.listener = broker.listen(self.on_announce, self.resync)
        self._heartbeat_task = self._spawn(self._heartbeat_forever())
        self._spawn(collector.keep_pauses_short())

    # -- database ------------------------------------------------------------------------

    async def db(self, function, *args):
        """Run a synchronous database function in the hub's thread pool."""
        return await self.loop.run_in_executor(self.executor, _db_call, function, args)

    # -- streams joining and leaving -------------------------------------------------------

    async def join(self, channel: str, subscriber: Subscriber) -> int:
        """Add a subscriber; returns the seq after which the hub will deliver to it."""
        while True:
            state = self.channels.get(channel)
            if state is None:
                state = ChannelState(channel, self.loop.create_future())
                self.channels[channel] = state
                self.listener.subscribe(channel)  # before reading last_seq: no gap
                try:
                    state.delivered = await self.db(ready_seq, channel)
                except BaseException:
                    self._forget(state)
                    state.ready.set_result(False)
                    raise
                state.ready.set_result(True)
                metrics.CHANNELS.inc()
                if state.target > state.delivered:
                    self._fetch(state)
            elif not state.ready.done():
                await asyncio.shield(state.ready)
                continue  # ready, or failed and removed: look again
            subscribers = state.audiences.setdefault(subscriber.audience, set())
            if subscriber not in subscribers:
                subscribers.add(subscriber)
                metrics.OPEN_STREAMS.inc()
            return state.delivered

    def leave(self, channel: str, subscriber: Subscriber) -> None:
        state = self.channels.get(channel)
        if state is None:
            return
        subscribers = state.audiences.get(subscriber.audience)
        if subscribers is not None and subscriber in subscribers:
            subscribers.discard(subscriber)
            metrics.OPEN_STREAMS.dec()
            if not subscribers:
                del state.audiences[subscriber.audience]
        if not state.audiences and state.ready.done():
            self._forget(state)

    def expect(self, channel: str, seq: int) -> None:
        """Make sure the hub fetches up to `seq` (a client came back ahead of us)."""
        self.on_announce(channel, seq)

    def _forget(self, state: ChannelState) -> None:
        if self.channels.get(state.name) is state:
            if state.is_ready():
                metrics.CHANNELS.dec()
            del self.channels[state.name]
            self.listener.unsubscribe(state.name)

    # -- following ---------------------------------------------------------------------------

    def on_announce(self, channel: str, seq: int) -> None:
        """A notice from the broker (on the loop). Cheap when it tells us nothing new."""
        state = self.channels.get(channel)
        if state is None or seq <= state.delivered:
            return
        state.notices += 1
        if seq > state.target:
            state.target = seq
        if not state.fetching and state.is_ready():
            self._fetch(state)

    def _fetch(self, state: ChannelState) -> None:
        state.fetching = True
        self._spawn(self._fetch_new(state))

    async def _fetch_new(self, state: ChannelState) -> None:
        try:
            while state.target > state.delivered and not self.closing:
                notices = state.notices
                rows = await self.db(events_after, state.name, state.delivered, None, FETCH_BATCH)
                self.fetches += 1
                if self.channels.get(state.name) is not state:
                    return
                if not rows:
                    if state.notices != notices:
                        # A notice came while we read: the event it announces (one that was
                        # pending, completed meanwhile) may have been too late for our read.
                        continue
                    # A notice for an event we cannot see (yet: pending): the heartbeat poll, or
                    # the notice when it is complete, will tell.
                    state.target = state.delivered
                    return
                self._deliver(state, rows)
        except Exception:
            logger.warning(
                "Loading live events of %s failed; retrying at the next heartbeat",
                state.name,
                exc_info=True,
            )
        finally:
            state.fetching = False

    def _deliver(self, state: ChannelState, rows: list[tuple]) -> None:
        """Encode the events once per audience and queue the same bytes for each subscriber."""
        first, last = rows[0][0], rows[-1][0]
        limit = self.queue_size
        queued = 0
        for audience, subscribers in state.audiences.items():
            parts = encode_rows(rows, audience)
            if not parts:
                continue
            queued += len(subscribers)
            data = parts[0][1] if len(parts) == 1 else b"".join(part for _, part in parts)
            for subscriber in subscribers:
                if subscriber.floor < first:
                    subscriber.push(data, limit)
                elif subscriber.floor < last:
                    rest = b"".join(part for seq, part in parts if seq > subscriber.floor)
                    if rest:
                        subscriber.push(rest, limit)
        metrics.EVENTS.inc(len(rows))
        metrics.DELIVERIES.inc(queued)
        state.delivered = last
        if state.target < last:
            state.target = last

    # -- heartbeat and catching up -------------------------------------------------------------

    async def _heartbeat_forever(self) -> None:
        while not self.closing:
            await asyncio.sleep(self.heartbeat)
            await self._beat()
            try:
                await self._poll(None)
            except Exception:
                logger.warning("Live heartbeat poll failed", exc_info=True)

    async def _beat(self) -> None:
        """A heartbeat comment to every stream. It carries the id of the newest event of the
        channel, so clients that skip events meant for other audiences keep a current
        Last-Event-ID (no event is dispatched: the data is empty).

        BEAT_CHUNK streams at a time, with a short pause in between: 10,000 streams written
        to at once would hold up every answer and event for the better part of a second."""
        limit = self.queue_size
        pushed = 0
        for state in list(self.channels.values()):
            if not state.is_ready():
                continue
            delivered, beat = -1, b""
            for subscriber in list(state.subscribers()):
                if delivered != state.delivered:  # (again) after a pause: events went out
                    delivered = state.delivered
                    beat = sse.encode_heartbeat(delivered)
                subscriber.push(beat if subscriber.floor <= delivered else sse.HEARTBEAT, limit)
                pushed += 1
                if pushed % BEAT_CHUNK == 0:
                    await asyncio.sleep(BEAT_PAUSE)

    async def _poll(self, names: set[str] | None) -> None:
        """Compare last_seq in the database with what was delivered; fetch what is missing.

        A channel that stays behind at the same event from one heartbeat poll to the next waits
        for an event whose rendering after the commit never finished (its process stopped):
        it is released with its fallback payloads once it is PENDING_GRACE seconds old."""
        heartbeat = names is None
        if names is None:
            names = {name for name, state in self.channels.items() if state.is_ready()}
        names = sorted(names)
        for start in range(0, len(names), POLL_BATCH):
            newest = await self.db(last_seqs, names[start : start + POLL_BATCH])
            for name, seq in newest.items():
                state = self.channels.get(name)
                if heartbeat and state is not None and not state.fetching:
                    behind = seq > state.delivered
                    if (
                        behind
                        and state.stalled == state.delivered
                        and await self.db(release_stale, name, state.delivered, PENDING_GRACE)
                    ):
                        logger.warning("Released stale pending live events of %s", name)
                    state.stalled = state.delivered if behind else -1
                self.on_announce(name, seq)

    def resync(self, channels: set[str] | None) -> None:
        """Called by the broker when notices may have been lost; polls soon, coalesced."""
        if channels is None:
            self._resync_all = True
        else:
            self._resync_channels |= channels
        if self._resync_task is None and not self.closing:
            self._resync_task = self._spawn(self._resync())

    async def _resync(self) -> None:
        try:
            while self._resync_all or self._resync_channels:
                names = None if self._resync_all else self._resync_channels
                self._resync_all, self._resync_channels = False, set()
                await self._poll(names)
        except Exception:
            logger.warning("Live resync failed; the heartbeat poll will retry", exc_info=True)
        finally:
            self._resync_task = None

    # -- lifecycle ---------------------------------------------------------------------------

    def _spawn(self, coroutine) -> asyncio.Task:
        task = self.loop.create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    def begin_shutdown(self) -> None:
        """End every stream cleanly (the server is stopping); browsers reconnect elsewhere."""
        if self.closing:
            return
        self.closing = True
        for state in self.channels.values():
            for subscriber in state.subscribers():
                subscriber.close(SHUTDOWN)
        # A client that does not read cannot be given the end of its response: abort it.
        self.loop.call_later(SHUTDOWN_GRACE, self._abort_remaining)

    def _abort_remaining(self) -> None:
        for state in list(self.channels.values()):
            for subscriber in list(state.subscribers()):
                _abort(subscriber.send, subscriber.task)

    async def aclose(self) -> None:
        if self.closed:
            return
        self.begin_shutdown()
        self.closed = True
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self.listener.close()
        self.executor.shutdown(wait=False, cancel_futures=True)


# -- database functions (run in the hub's threads) ---------------------------------------------


def _db_call(function, args):
    # Like a request: honour CONN_MAX_AGE and drop broken connections before and after.
    close_old_connections()
    try:
        return function(*args)
    finally:
        close_old_connections()


def last_seqs(channels: list[str]) -> dict[str, int]:
    return dict(Channel.objects.filter(name__in=channels).values_list("name", "last_seq"))


def events_after(channel: str, after: int, upto: int | None, limit: int | None) -> list[tuple]:
    """(seq, type, payloads) of the events after `after` (up to `upto`), oldest first, ending
    before the first event that is still pending (being rendered after its commit).

    Plain SQL: the hub runs this once for every event of every followed channel, and building
    the same query with the ORM cost about 15 times as much as running it (docs/live.md)."""
    sql = "SELECT seq, type, payloads, pending FROM live_event WHERE channel = %s AND seq > %s"
    params = [channel, after]
    if upto is not None:
        sql += " AND seq <= %s"
        params.append(upto)
    sql += " ORDER BY seq"
    if limit:
        sql += " LIMIT %s"
        params.append(limit)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    events = []
    for seq, kind, payloads, pending in rows:
        if pending:
            break
        # Both backends hand JSON columns over as text (Django decodes them in the ORM).
        events.append((seq, kind, json.loads(payloads)))
    return events


def encode_rows(rows: list[tuple], audience: str) -> list[tuple[int, bytes]]:
    """(seq, SSE bytes) of the events that have a payload for `audience`."""
    parts = []
    for seq, event_type, payloads in rows:
        data = payloads.get(audience) if isinstance(payloads, dict) else None
        if isinstance(data, str):
            parts.append((seq, sse.encode_event(seq, event_type, data)))
    return parts


# -- the hub of this process --------------------------------------------------------------------

_hub: Hub | None = None


def get_hub() -> Hub:
    """The hub of the running event loop (one per process; a new loop gets a new hub)."""
    global _hub
    loop = asyncio.get_running_loop()
    if _hub is None or _hub.loop is not loop or _hub.closed:
        if _hub is not None and not _hub.closed:
            _hub.executor.shutdown(wait=False)
        _hub = Hub(loop, get_broker())
    return _hub


def current_hub() -> Hub | None:
    return _hub


async def close_hub() -> None:
    global _hub
    hub, _hub = _hub, None
    if hub is not None and hub.loop is asyncio.get_running_loop():
        await hub.aclose()

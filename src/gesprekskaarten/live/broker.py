"""Brokers carry only "channel X has event N" notifications; the events stay in the database.

`get_broker()` picks the backend from `GK_BROKER_URL`:

- ``memory://`` (default): in-process only. One server process, as `make run` starts it.
- ``redis://host:port/db``: Redis pub/sub, for several processes. Each process keeps one
  subscriber connection and subscribes to a channel while it has clients for it.

Two sides:

- `Broker.announce(channel, seq)` is synchronous and thread-safe: `services.publish` calls it
  after commit from whatever thread the view runs in. It hands the notice to local listeners
  with `loop.call_soon_threadsafe`, and (Redis) publishes it with a synchronous client. A Redis
  outage only logs a warning: clients catch up through the heartbeat poll and the resync after
  the subscriber reconnects.
- `Broker.listen(...)` (called on the event loop by the stream hub) returns a listener bound to
  that loop, with `subscribe(channel)` / `unsubscribe(channel)` and `close()`.

Notices may arrive twice, late or out of order; the hub ignores any seq it already delivered
and always reads the events themselves from the database.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from collections.abc import Callable

from django.core.exceptions import ImproperlyConfigured

from . import conf

logger = logging.getLogger(__name__)

OnAnnounce = Callable[[str, int], None]
# Called with the channels whose notices may have been lost (None: all of them).
OnResync = Callable[[set[str] | None], None]


class Listener:
    """The receiving side in one process, bound to one event loop (in-process only)."""

    def __init__(self, broker: Broker, loop: asyncio.AbstractEventLoop, on_announce: OnAnnounce):
        self.broker = broker
        self.loop = loop
        self.on_announce = on_announce

    def notify(self, channel: str, seq: int) -> None:
        """Thread-safe: schedule `on_announce` on the listener's loop."""
        self.loop.call_soon_threadsafe(self.on_announce, channel, seq)

    def subscribe(self, channel: str) -> None:
        """Start receiving notices for `channel`. Never blocks."""

    def unsubscribe(self, channel: str) -> None:
        """Stop receiving notices for `channel`. Never blocks."""

    async def close(self) -> None:
        self.broker._remove_listener(self)


class Broker:
    """In-process broker: notices reach listeners of this process only."""

    url = "memory://"

    def __init__(self) -> None:
        self._listeners: list[Listener] = []
        self._lock = threading.Lock()

    def announce(self, channel: str, seq: int) -> None:
        """Tell every listener that `channel` has event `seq`. Safe from any thread."""
        self._announce_locally(channel, seq)

    def listen(self, on_announce: OnAnnounce, on_resync: OnResync) -> Listener:
        """Start listening on the running loop. `on_resync(channels)` is called when notices
        may have been lost (after a reconnect, after a new subscription), so the caller checks
        the database for events it missed."""
        listener = Listener(self, asyncio.get_running_loop(), on_announce)
        self._add_listener(listener)
        return listener

    def _announce_locally(self, channel: str, seq: int) -> None:
        for listener in tuple(self._listeners):
            try:
                listener.notify(channel, seq)
            except RuntimeError:  # its loop is closed (a finished test, a stopped server)
                self._remove_listener(listener)

    def _add_listener(self, listener: Listener) -> None:
        with self._lock:
            self._listeners = [*self._listeners, listener]

    def _remove_listener(self, listener: Listener) -> None:
        with self._lock:
            self._listeners = [item for item in self._listeners if item is not listener]


MemoryBroker = Broker


class RedisBroker(Broker):
    """Redis pub/sub: a notice published by any process reaches every process.

    Notices for local listeners are also delivered directly, so clients of the writing process
    do not wait for (or depend on) the Redis round trip.
    """

    # After a publish timed out, skip Redis for this long so writes do not each wait for it.
    # (A refused connection fails at once and needs no pause.)
    quiet_seconds = 1.0
    # While Redis stays away, warn at most this often.
    warn_every = 10.0

    def __init__(self, url: str) -> None:
        from redis.connection import parse_url

        super().__init__()
        self.url = url
        # Pub/sub channels are global to a Redis server, whatever the database number; the
        # number goes into the channel names, so deployments on other databases stay apart.
        self.prefix = f"gk:live:{parse_url(url).get('db', 0)}:"
        self._client = None
        self._quiet_until = 0.0
        self._failing = False
        self._warned_at = 0.0

    def announce(self, channel: str, seq: int) -> None:
        self._announce_locally(channel, seq)
        self._publish(channel, seq)

    def listen(self, on_announce: OnAnnounce, on_resync: OnResync) -> Listener:
        listener = RedisListener(self, asyncio.get_running_loop(), on_announce, on_resync)
        self._add_listener(listener)
        return listener

    def _publish(self, channel: str, seq: int) -> None:
        import redis
        from redis.retry import Retry

        now = time.monotonic()
        if now < self._quiet_until:
            return
        try:
            if self._client is None:
                self._client = redis.Redis.from_url(
                    self.url,
                    socket_timeout=1.0,
                    socket_connect_timeout=1.0,
                    # One immediate retry: after a Redis restart the pooled connection is stale.
                    retry=_no_backoff(Retry, retries=1),
                )
            self._client.publish(self.prefix + channel, seq)
        except (redis.RedisError, OSError) as error:
            if isinstance(error, redis.TimeoutError | TimeoutError):
                self._quiet_until = time.monotonic() + self.quiet_seconds
            if not self._failing or now - self._warned_at > self.warn_every:
                self._warned_at = now
                logger.warning(
                    "Redis broker unreachable; live event %s #%d not announced (%s). "
                    "Streams catch up at their next heartbeat.",
                    channel,
                    seq,
                    error,
                )
            self._failing = True
        else:
            if self._failing:
                self._failing = False
                logger.info("Redis broker reachable again")


class RedisListener(Listener):
    """One pub/sub connection per process; reconnects by itself with back-off.

    The reader task owns the connection. After every (re)connect it subscribes to all wanted
    channels and calls `on_resync`, because notices published while it was away are lost.
    Later subscribe/unsubscribe calls are applied in order by a second small task.
    """

    read_timeout = 5.0  # seconds per wait for a message; lets the loop notice shutdown
    ping_after = 15.0  # seconds of silence before we ping Redis
    dead_after = 30.0  # seconds of silence after which the connection is considered dead
    max_backoff = 2.0

    def __init__(self, broker: RedisBroker, loop, on_announce: OnAnnounce, on_resync: OnResync):
        super().__init__(broker, loop, on_announce)
        self.on_resync = on_resync
        self.wanted: set[str] = set()
        self.subscribed: set[str] = set()
        self.connected = asyncio.Event()
        self._changed = asyncio.Event()
        self._client = None
        self._pubsub = None
        self._closed = False
        self._reader = loop.create_task(self._read_forever(), name="gk-live-redis-reader")
        self._writer = loop.create_task(self._apply_changes(), name="gk-live-redis-subscriber")

    def subscribe(self, channel: str) -> None:
        self.wanted.add(channel)
        self._changed.set()

    def unsubscribe(self, channel: str) -> None:
        self.wanted.discard(channel)
        self._changed.set()

    async def close(self) -> None:
        self._closed = True
        await super().close()
        for task in (self._reader, self._writer):
            task.cancel()
        await asyncio.gather(self._reader, self._writer, return_exceptions=True)
        await self._disconnect()

    # -- tasks ---------------------------------------------------------------------------

    async def _read_forever(self) -> None:
        import redis

        backoff = 0.05
        prefix = self.broker.prefix.encode()
        while not self._closed:
            try:
                await self._connect()
                backoff = 0.05
                await self._read(prefix)
            except asyncio.CancelledError:
                raise
            except (redis.RedisError, OSError) as error:
                if self.connected.is_set():
                    logger.warning("Redis broker connection lost (%s); reconnecting", error)
                else:
                    logger.debug("Redis broker still unreachable: %s", error)
            except Exception:
                logger.exception("Redis broker reader failed; reconnecting")
            self.connected.clear()
            await self._disconnect()
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, self.max_backoff)

    async def _connect(self) -> None:
        from redis.asyncio import Redis
        from redis.asyncio.retry import Retry as AsyncRetry

        client = Redis.from_url(
            self.broker.url,
            socket_connect_timeout=2.0,
            socket_keepalive=True,
            retry=_no_backoff(AsyncRetry),
        )
        pubsub = client.pubsub(ignore_subscribe_messages=True)
        self._pubsub = pubsub
        self._client = client
        wanted = set(self.wanted)
        # The hello channel keeps the connection subscribed when no stream is open.
        await pubsub.subscribe(self.broker.prefix + "~hello", *self._names(wanted))
        self.subscribed = wanted
        self.connected.set()
        self._changed.set()  # anything wanted meanwhile is applied by the writer task
        logger.info("Redis broker subscriber connected")
        self.on_resync(None)

    async def _read(self, prefix: bytes) -> None:
        import redis

        pubsub = self._pubsub
        loop = asyncio.get_running_loop()
        heard = loop.time()
        pinged = False
        while True:
            message = await pubsub.get_message(
                ignore_subscribe_messages=True, timeout=self.read_timeout
            )
            now = loop.time()
            if message is None:
                silence = now - heard
                if silence > self.dead_after:
                    raise redis.ConnectionError(f"no reply from Redis for {silence:.0f} s")
                if silence > self.ping_after and not pinged:
                    await pubsub.ping()
                    pinged = True
                continue
            heard, pinged = now, False
            if message["type"] != "message":
                continue
            channel = message["channel"]
            if not channel.startswith(prefix):
                continue
            try:
                seq = int(message["data"])
            except (TypeError, ValueError):
                continue
            self.on_announce(channel[len(prefix) :].decode(), seq)

    async def _apply_changes(self) -> None:
        import redis

        while not self._closed:
            await self._changed.wait()
            self._changed.clear()
            await self.connected.wait()
            pubsub = self._pubsub
            add = self.wanted - self.subscribed
            remove = self.subscribed - self.wanted
            try:
                if add:
                    await pubsub.subscribe(*self._names(add))
                    self.subscribed |= add
                    # Events committed before Redis had our subscription: look them up.
                    self.on_resync(add)
                if remove:
                    await pubsub.unsubscribe(*self._names(remove))
                    self.subscribed -= remove
            except (redis.RedisError, OSError, AttributeError):
                # The reader reconnects and subscribes to everything wanted at that moment.
                continue

    async def _disconnect(self) -> None:
        pubsub, self._pubsub = self._pubsub, None
        client, self._client = self._client, None
        for closable in (pubsub, client):
            if closable is not None:
                with contextlib.suppress(Exception):  # the connection is gone either way
                    await closable.aclose()

    def _names(self, channels) -> list[str]:
        return [self.broker.prefix + channel for channel in channels]


def _no_backoff(retry_class, retries: int = 0):
    """The clients must fail fast: our own code decides when to try again."""
    from redis.backoff import NoBackoff

    return retry_class(NoBackoff(), retries)


_brokers: dict[str, Broker] = {}
_brokers_lock = threading.Lock()


def get_broker() -> Broker:
    """The process-wide broker for `GK_BROKER_URL`."""
    url = conf.broker_url()
    broker = _brokers.get(url)
    if broker is None:
        with _brokers_lock:
            broker = _brokers.get(url)
            if broker is None:
                broker = _brokers[url] = _make_broker(url)
    return broker


def _make_broker(url: str) -> Broker:
    scheme = url.partition("://")[0].lower()
    if scheme == "memory":
        return Broker()
    if scheme in ("redis", "rediss", "unix"):
        try:
            import redis  # noqa: F401
        except ImportError as error:  # pragma: no cover - redis is a dependency
            raise ImproperlyConfigured("GK_BROKER_URL needs the 'redis' package") from error
        return RedisBroker(url)
    raise ImproperlyConfigured(
        f"GK_BROKER_URL {url!r} is not supported: use memory:// or redis://host:port/db"
    )

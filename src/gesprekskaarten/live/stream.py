"""The SSE stream endpoint: a small raw ASGI app that `asgi.py` routes to ahead of Django.

GET /live/stream/?t=<token>[&last_event_id=N]

- The signed token (see `services.stream_token`) is checked once at connect: 403 without a
  valid one, 405 for any method but GET.
- `Last-Event-ID` (the header the browser sends when it reconnects, else the
  `last_event_id` query parameter) selects what to replay: exactly the events after it, or one
  `refresh` event when more than GK_LIVE_REPLAY_LIMIT were missed. Without an id the stream
  starts at the channel's newest event. An id that is not a number is ignored; one beyond the
  newest event (the database was reset) also gets a `refresh`.
- Then it follows the channel through the process's hub (see hub.py) until the client goes
  away, the server stops, or the client stops reading (its queue fills up and it is dropped).

A Django StreamingHttpResponse would hold a thread per open stream and cost several times the
memory and CPU per client; this handler holds one task and a small `Subscriber` per stream.
"""

import asyncio
import logging
import signal
import threading
from urllib.parse import parse_qsl

from gesprekskaarten.core import logs, metrics

from . import services, sse
from .hub import (
    SHUTDOWN,
    SLOW,
    Subscriber,
    current_hub,
    encode_rows,
    events_after,
    get_hub,
)

logger = logging.getLogger(__name__)

STREAM_PREFIX = "/" + services.STREAM_PATH

STREAM_HEADERS = [
    (b"content-type", b"text/event-stream; charset=utf-8"),
    (b"cache-control", b"no-store"),
    (b"x-accel-buffering", b"no"),
    (b"x-content-type-options", b"nosniff"),
]


def with_live_streams(django_application):
    """Streams go to `stream`, everything else to `django_application`. (Lifespan: asgi.py.)"""

    async def application(scope, receive, send):
        kind = scope["type"]
        if kind == "http" and is_stream_path(scope):
            await stream(scope, receive, send)
        else:
            await django_application(scope, receive, send)

    return application


def is_stream_path(scope) -> bool:
    return scope["path"].startswith(scope.get("root_path", "") + STREAM_PREFIX)


async def stream(scope, receive, send) -> None:
    logs.set_route(scope, "live_stream")
    if scope["method"] != "GET":
        await _plain(send, 405, b"Method Not Allowed\n", [(b"allow", b"GET")])
        return
    try:
        query = dict(parse_qsl(scope["query_string"].decode("latin-1"), max_num_fields=8))
    except ValueError:
        query = {}
    grant = services.read_token(query.get("t", ""))
    if grant is None:
        await _plain(send, 403, b"Forbidden: this live stream needs a valid token.\n")
        return
    channel, audience = grant
    last_id = sse.parse_event_id(_header(scope, b"last-event-id"))
    if last_id is None:
        last_id = sse.parse_event_id(query.get("last_event_id"))

    hub = get_hub()
    subscriber = Subscriber(audience, send, asyncio.current_task())
    if hub.closing:
        await _goodbye(send, hub.retry_ms)
        return
    try:
        current = await hub.join(channel, subscriber)
    except Exception:
        logger.warning("Live stream %s could not start", channel, exc_info=True)
        await _goodbye(send, hub.retry_ms)
        return
    streaming = False
    try:
        try:
            first = await _first_write(hub, channel, subscriber, last_id, current)
        except Exception:
            logger.warning("Live replay for %s failed", channel, exc_info=True)
            await _goodbye(send, hub.retry_ms)
            return
        await send({"type": "http.response.start", "status": 200, "headers": STREAM_HEADERS})
        await send({"type": "http.response.body", "body": first, "more_body": True})
        streaming = True
        await _follow(subscriber, receive, send)
    except asyncio.CancelledError:
        if subscriber.reason != SLOW:  # we cancel a slow client only when we cannot abort it
            raise
    finally:
        hub.leave(channel, subscriber)
    if subscriber.reason == SLOW:
        logger.info("Dropped a live stream of %s: the client did not keep up", channel)
    elif subscriber.reason == SHUTDOWN and streaming:  # end the response properly
        await send({"type": "http.response.body", "body": b"", "more_body": False})


async def _first_write(hub, channel: str, subscriber: Subscriber, last_id, current: int) -> bytes:
    """The retry advice, then what the client missed: events, or one refresh."""
    parts = [sse.encode_retry(hub.retry_ms)]
    if last_id is None:
        parts.append(sse.encode_id(current))
    elif last_id > current:
        newest = await hub.db(services.last_seq, channel)
        if last_id > newest:  # an id from another history (the database was reset)
            parts.append(sse.encode_refresh(current))
            metrics.REFRESHES.inc()
        else:  # this process has not caught up yet; skip what the client already has
            subscriber.floor = last_id
            hub.expect(channel, newest)
    elif last_id < current:
        missed = current - last_id
        rows = []
        if missed <= hub.replay_limit:
            rows = await hub.db(events_after, channel, last_id, current, None)
        if len(rows) != missed:  # too far behind, or old events were removed
            parts.append(sse.encode_refresh(current))
            metrics.REFRESHES.inc()
        else:
            metrics.REPLAYS.inc()
            replay = encode_rows(rows, subscriber.audience)
            parts.extend(part for _, part in replay)
            if not replay or replay[-1][0] != current:
                parts.append(sse.encode_id(current))
    return b"".join(parts)


async def _follow(subscriber: Subscriber, receive, send) -> None:
    """Write what the hub queues for this subscriber until the stream ends."""
    while True:  # consume the request; a GET has no body, but be tolerant
        message = await receive()
        if message["type"] == "http.disconnect":
            return
        if not message.get("more_body"):
            break
    # The next message from the server can only be http.disconnect.
    watcher = asyncio.ensure_future(receive())
    watcher.add_done_callback(subscriber.disconnected)
    loop = asyncio.get_running_loop()
    try:
        while True:
            items = subscriber.items
            if items:
                subscriber.items = []
                body = items[0] if len(items) == 1 else b"".join(items)
                await send({"type": "http.response.body", "body": body, "more_body": True})
            elif subscriber.closed:
                return
            else:
                subscriber.waiter = loop.create_future()
                await subscriber.waiter
                subscriber.waiter = None
    finally:
        watcher.remove_done_callback(subscriber.disconnected)
        watcher.cancel()


async def _plain(send, status: int, body: bytes, headers=()) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"text/plain; charset=utf-8"),
                (b"cache-control", b"no-store"),
                (b"content-length", str(len(body)).encode()),
                *headers,
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


async def _goodbye(send, retry_ms: int) -> None:
    """An empty stream that ends at once: the browser reconnects after `retry_ms`. (Any status
    but 200 would make EventSource give up for good.)"""
    await send({"type": "http.response.start", "status": 200, "headers": STREAM_HEADERS})
    await send({"type": "http.response.body", "body": sse.encode_retry(retry_ms)})


def _header(scope, name: bytes) -> bytes | None:
    for key, value in scope["headers"]:
        if key == name:
            return value
    return None


# -- shutdown: end open streams when the server stops (asgi.py's lifespan installs this) -------


def install_shutdown_hook(loop: asyncio.AbstractEventLoop) -> None:
    """End all streams as soon as the server is told to stop.

    uvicorn waits for open responses before it stops, and a stream never ends by itself, so
    without this `serve` would hang on Ctrl+C or SIGTERM. We chain to the server's own signal
    handlers (installed before lifespan startup and restored by the server afterwards).
    """
    if threading.current_thread() is not threading.main_thread():
        return
    for signum in (signal.SIGINT, signal.SIGTERM):
        previous = signal.getsignal(signum)
        if not callable(previous) or getattr(previous, "gk_live", False):
            continue

        def handler(number, frame, previous=previous):
            loop.call_soon_threadsafe(_begin_shutdown)
            previous(number, frame)

        handler.gk_live = True
        signal.signal(signum, handler)


def _begin_shutdown() -> None:
    hub = current_hub()
    if hub is not None:
        hub.begin_shutdown()

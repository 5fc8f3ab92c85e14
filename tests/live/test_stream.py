"""The stream handler and hub in this process: the ASGI app called with a fake receive/send.

These tests use the test database (SQLite and PostgreSQL); publishing runs in a thread, as a
Django view does under ASGI, so the announcement crosses threads as it does in production.
"""

import asyncio
import signal

import pytest
from django.db import DatabaseError, connections, transaction

from gesprekskaarten.asgi import application
from gesprekskaarten.core.logs import inner_send
from gesprekskaarten.live import hub as hub_module
from gesprekskaarten.live import services
from gesprekskaarten.live.hub import close_hub, events_after, get_hub
from tests.live.conftest import run_async

from .conftest import SSEParser, new_channel

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("live_settings")]


def run(test):
    """Run an async test on a fresh loop, with a fresh hub."""

    async def main():
        try:
            await asyncio.wait_for(test(), 20)
        finally:
            await close_hub()

    run_async(main())


def publish_now(channel, event_type, payloads):
    """Publish from this thread and close its connection (threads come and go)."""
    try:
        with transaction.atomic():
            return services.publish(channel, event_type, payloads).seq
    finally:
        connections.close_all()


async def publish(channel, event_type="both", payloads=None):
    payloads = {"participant": "p", "facilitator": "f"} if payloads is None else payloads
    return await asyncio.to_thread(publish_now, channel, event_type, payloads)


class Transport:
    def __init__(self, client):
        self.client = client
        self.aborted = False

    def abort(self):
        self.aborted = True
        self.client.disconnect()
        self.client.unstall()


class Client:
    """A browser as the ASGI app sees it. `stall` makes `send` hang after the first write,
    as it does when the client stops reading; `with_transport` gives `send` an abortable
    transport, as uvicorn's does."""

    def __init__(self, url, headers=None, *, method="GET", stall=False, with_transport=False):
        path, _, query = url.partition("?")
        self.scope = {
            "type": "http",
            "method": method,
            "path": path,
            "root_path": "",
            "query_string": query.encode(),
            "headers": [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()],
        }
        self.parser = SSEParser()
        self.start = None
        self.bodies: list[bytes] = []
        self.complete = False
        self.stall = stall
        self._stalled = asyncio.Event()
        self._gone = asyncio.get_running_loop().create_future()
        self._requested = False
        self._changed = asyncio.Event()
        self.transport = Transport(self) if with_transport else None
        self.send = self._send if with_transport else self._plain_send
        self.task = asyncio.ensure_future(application(self.scope, self.receive, self.send))
        self.task.add_done_callback(lambda _: self._changed.set())

    async def receive(self):
        if not self._requested:
            self._requested = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await asyncio.shield(self._gone)
        return {"type": "http.disconnect"}

    async def _plain_send(self, message):
        if message["type"] == "http.response.start":
            self.start = message
        else:
            body = message.get("body", b"")
            self.bodies.append(body)
            if self.start["status"] == 200:
                self.parser.feed(body.decode())
            self.complete = not message.get("more_body", False)
            if self.stall and len(self.bodies) > 1:
                self._changed.set()
                await self._stalled.wait()
        self._changed.set()

    async def _send(self, message):  # a bound method with a transport, like uvicorn's
        await self._plain_send(message)

    def disconnect(self):
        if not self._gone.done():
            self._gone.set_result(None)

    def unstall(self):
        self._stalled.set()

    @property
    def status(self):
        return self.start["status"] if self.start else None

    @property
    def events(self):
        return self.parser.events

    async def until(self, predicate, timeout=5):
        async with asyncio.timeout(timeout):
            while not predicate():
                self._changed.clear()
                if self.task.done() and not predicate():
                    raise AssertionError("the stream ended")
                await self._changed.wait()

    async def events_count(self, count, timeout=5):
        await self.until(lambda: len(self.events) >= count, timeout)
        return self.events

    async def close(self):
        self.disconnect()
        self.unstall()
        await asyncio.wait_for(self.task, 5)


def url(channel, audience="participant", last_event_id=None):
    return services.stream_url(channel, audience, last_event_id)


def test_an_event_is_loaded_once_and_the_same_bytes_go_to_every_subscriber():
    async def test():
        channel = new_channel()
        participants = [Client(url(channel)) for _ in range(3)]
        facilitators = [Client(url(channel, "facilitator")) for _ in range(2)]
        everyone = participants + facilitators
        for client in everyone:
            await client.until(lambda c=client: c.parser.last_id == 0)
        hub = get_hub()
        assert len(hub.channels) == 1 and hub.fetches == 0

        await publish(channel, "both", {"participant": "<p>p</p>", "facilitator": '{"f":1}'})
        for client in everyone:
            await client.events_count(1)
        assert hub.fetches == 1  # loaded once for five clients
        shared = participants[0].bodies[-1]
        assert all(client.bodies[-1] is shared for client in participants)
        assert shared == b"id: 1\nevent: both\ndata: <p>p</p>\n\n"
        assert facilitators[0].bodies[-1] is facilitators[1].bodies[-1]

        await publish(channel, "secret", {"facilitator": "only for facilitators"})
        await publish(channel, "both", {"participant": "p2", "facilitator": "f2"})
        for client in facilitators:
            assert [e.id for e in await client.events_count(3)] == [1, 2, 3]
        for client in participants:
            events = await client.events_count(2)
            assert [(e.id, e.data) for e in events] == [(1, "<p>p</p>"), (3, "p2")]
            assert b"only for facilitators" not in b"".join(client.bodies)

        for client in everyone:
            await client.close()
        assert hub.channels == {}  # the last stream out ends the subscription

    run(test)


def test_headers_retry_and_start_at_the_newest_event():
    async def test():
        channel = new_channel()
        await publish(channel)
        await publish(channel)
        client = Client(url(channel))
        await client.until(lambda: client.parser.last_id == 2)
        assert client.status == 200
        headers = dict(client.start["headers"])
        assert headers[b"content-type"] == b"text/event-stream; charset=utf-8"
        assert headers[b"cache-control"] == b"no-store"
        assert headers[b"x-accel-buffering"] == b"no"
        assert client.parser.retry == 3000 and client.parser.comments == ["live"]
        assert client.events == []  # nothing replayed without Last-Event-ID
        await client.close()

    run(test)


def test_replay_refresh_and_odd_ids():
    async def test():
        channel = new_channel()
        for number in range(1, 8):  # 7 events; participants get the odd ones
            payloads = {"facilitator": f"f{number}"}
            if number % 2:
                payloads["participant"] = f"p{number}"
            await publish(channel, "e", payloads)

        replay = Client(url(channel), {"Last-Event-ID": "3"})
        await replay.until(lambda: replay.parser.last_id == 7)
        assert [(e.id, e.data) for e in replay.events] == [(5, "p5"), (7, "p7")]
        assert len(replay.bodies) == 1  # the whole backlog in one write

        skipped = Client(url(channel), {"Last-Event-ID": "5"})
        await skipped.until(lambda: skipped.parser.last_id == 7)
        assert [e.id for e in skipped.events] == [7]

        last_not_for_us = Client(url(channel, last_event_id=4))  # the query parameter
        await last_not_for_us.until(lambda: last_not_for_us.parser.last_id == 7)
        assert [e.id for e in last_not_for_us.events] == [5, 7]
        await publish(channel, "e", {"facilitator": "f8", "participant": "p8"})
        await replay.until(lambda: replay.parser.last_id == 8)  # the hub is at 8

        far = Client(url(channel), {"Last-Event-ID": "1"})  # 7 missed > limit 5
        future = Client(url(channel), {"Last-Event-ID": "100"})
        garbage = Client(url(channel), {"Last-Event-ID": "1; DROP TABLE live_event"})
        for client in (far, future):
            events = await client.events_count(1)
            assert [(e.id, e.type, e.data) for e in events] == [(8, "refresh", "")]
        await garbage.until(lambda: garbage.parser.last_id == 8)
        assert garbage.events == []

        for client in (replay, skipped, last_not_for_us, far, future, garbage):
            await client.close()

    run(test)


def test_header_wins_over_the_query_parameter():
    async def test():
        channel = new_channel()
        for _ in range(3):
            await publish(channel)
        client = Client(url(channel, last_event_id=0), {"Last-Event-ID": "2"})
        await client.until(lambda: client.parser.last_id == 3)
        assert [e.id for e in client.events] == [3]
        await client.close()

    run(test)


def test_lost_announcements_are_found_at_the_heartbeat(live_settings, monkeypatch):
    live_settings.GK_LIVE_HEARTBEAT = 0.2
    monkeypatch.setattr(services, "_announce", lambda channel, seq: None)  # nothing announced

    async def test():
        channel = new_channel()
        client = Client(url(channel, "facilitator"))
        await client.until(lambda: client.parser.last_id == 0)
        for _ in range(3):
            await publish(channel)
        events = await client.events_count(3, timeout=3)
        assert [e.id for e in events] == [1, 2, 3]
        await client.until(lambda: b"id: 3\n: hb\n\n" in client.bodies)
        await client.close()

    run(test)


def test_a_failed_load_is_retried_at_the_heartbeat(live_settings, monkeypatch, caplog):
    live_settings.GK_LIVE_HEARTBEAT = 0.2
    failures = []

    def flaky(*args):
        if not failures:
            failures.append(args)
            raise DatabaseError("database went away")
        return events_after(*args)

    monkeypatch.setattr(hub_module, "events_after", flaky)

    async def test():
        channel = new_channel()
        client = Client(url(channel))
        await client.until(lambda: client.parser.last_id == 0)
        await publish(channel)
        events = await client.events_count(1, timeout=3)
        assert [e.id for e in events] == [1] and len(failures) == 1
        await client.close()

    run(test)
    assert "retrying at the next heartbeat" in caplog.text


def test_late_duplicate_and_bogus_announcements_change_nothing():
    async def test():
        channel = new_channel()
        client = Client(url(channel))
        await client.until(lambda: client.parser.last_id == 0)
        for _ in range(3):
            await publish(channel)
        await client.events_count(3)
        hub = get_hub()
        fetches, writes = hub.fetches, len(client.bodies)
        for seq in (1, 3, 2):  # late and duplicate
            hub.on_announce(channel, seq)
        hub.on_announce("another:channel", 9)
        await asyncio.sleep(0.1)
        assert (hub.fetches, len(client.bodies)) == (fetches, writes)

        hub.on_announce(channel, 99)  # no such event: one look, nothing sent
        async with asyncio.timeout(5):  # the look runs in a database thread: wait for it
            while hub.fetches == fetches:
                await asyncio.sleep(0.01)
        await asyncio.sleep(0.1)
        assert hub.fetches == fetches + 1 and len(client.bodies) == writes
        await publish(channel)
        assert [e.id for e in await client.events_count(4)] == [1, 2, 3, 4]
        await client.close()

    run(test)


@pytest.mark.parametrize("with_transport", [True, False], ids=["abort", "cancel"])
def test_a_client_that_does_not_read_is_dropped(with_transport):
    async def test():
        channel = new_channel()
        slow = Client(url(channel), stall=True, with_transport=with_transport)
        healthy = Client(url(channel))
        for client in (slow, healthy):
            await client.until(lambda c=client: c.parser.last_id == 0)
        hub = get_hub()
        subscribers = hub.channels[channel].audiences["participant"]
        stalled = next(s for s in subscribers if inner_send(s.send) == slow.send)
        longest = 0
        for number in range(1, 9):
            await publish(channel)
            await healthy.events_count(number)
            longest = max(longest, len(stalled.items))
        assert longest <= 4  # GK_LIVE_QUEUE_SIZE: the queue never grows beyond it
        await asyncio.wait_for(slow.task, 5)  # dropped: the stream ended
        assert slow.task.exception() is None
        assert stalled.closed and stalled.reason == "slow" and stalled.items == []
        assert stalled not in subscribers and len(subscribers) == 1
        if with_transport:
            assert slow.transport.aborted
        await publish(channel)
        assert len(await healthy.events_count(9)) == 9
        await healthy.close()

    run(test)


def test_a_disconnect_ends_the_stream_and_its_subscription():
    async def test():
        channel = new_channel()
        client = Client(url(channel))
        await client.until(lambda: client.parser.last_id == 0)
        hub = get_hub()
        assert channel in hub.channels
        client.disconnect()
        await asyncio.wait_for(client.task, 2)
        assert channel not in hub.channels

    run(test)


def test_shutdown_ends_streams_cleanly():
    async def test():
        channel = new_channel()
        client = Client(url(channel))
        await client.until(lambda: client.parser.last_id == 0)
        get_hub().begin_shutdown()
        await asyncio.wait_for(client.task, 2)
        assert client.complete  # the response was ended, not broken off
        late = Client(url(channel))  # while stopping: an empty stream; the browser retries
        await asyncio.wait_for(late.task, 2)
        assert late.status == 200 and late.complete and late.parser.retry == 3000

    run(test)


def test_bad_token_bad_method_and_routing():
    async def test():
        channel = new_channel()
        for bad in ("/live/stream/", "/live/stream/?t=nonsense", "/live/stream/?t=a&t=b&t=c"):
            client = Client(bad)
            await asyncio.wait_for(client.task, 2)
            assert client.status == 403 and client.complete
            assert dict(client.start["headers"])[b"content-type"].startswith(b"text/plain")
        client = Client(url(channel), method="POST")
        await asyncio.wait_for(client.task, 2)
        assert client.status == 405
        assert dict(client.start["headers"])[b"allow"] == b"GET"

    run(test)


def test_other_paths_go_to_django_and_lifespan_is_answered():
    async def test():
        sent = []

        async def send(message):
            sent.append(message)

        requested = []

        async def receive():
            if not requested:
                requested.append(True)
                return {"type": "http.request", "body": b"", "more_body": False}
            await asyncio.Event().wait()  # the client stays

        scope = {
            "type": "http",
            "method": "GET",
            "path": "/live/streamless",
            "root_path": "",
            "query_string": b"",
            "headers": [(b"host", b"localhost")],
            "scheme": "http",
            "server": ("localhost", 80),
            "client": ("127.0.0.1", 1234),
            "http_version": "1.1",
        }
        await application(scope, receive, send)
        assert sent and sent[0]["status"] == 404  # Django's answer, not the stream's

        # Lifespan: on startup the server's SIGTERM handler gets chained, so a stopping server
        # ends the streams at once (uvicorn would otherwise wait for them forever).
        handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
        stopped = []
        signal.signal(signal.SIGTERM, lambda number, frame: stopped.append(number))
        sent.clear()
        messages = asyncio.Queue()
        await messages.put({"type": "lifespan.startup"})
        try:
            lifespan = asyncio.ensure_future(application({"type": "lifespan"}, messages.get, send))
            while not sent:
                await asyncio.sleep(0.01)
            handler = signal.getsignal(signal.SIGTERM)
            assert getattr(handler, "gk_live", False)
            hub = get_hub()
            handler(signal.SIGTERM, None)
            assert stopped == [signal.SIGTERM]  # the server's own handler still runs
            await asyncio.sleep(0.01)
            assert hub.closing
            await messages.put({"type": "lifespan.shutdown"})
            await asyncio.wait_for(lifespan, 2)
        finally:
            for sig, handler in handlers.items():
                signal.signal(sig, handler)
        assert [m["type"] for m in sent] == [
            "lifespan.startup.complete",
            "lifespan.shutdown.complete",
        ]

    run(test)


def test_heartbeats_go_out_a_chunk_at_a_time_with_the_newest_id(live_settings, monkeypatch):
    """With thousands of streams the heartbeat must not hold up everything else: it pauses
    after every BEAT_CHUNK streams. A stream beaten after an event went out gets its id."""
    live_settings.GK_LIVE_HEARTBEAT = 0.3
    monkeypatch.setattr(hub_module, "BEAT_CHUNK", 2)
    monkeypatch.setattr(hub_module, "BEAT_PAUSE", 1.0)

    async def test():
        channel = new_channel()
        clients = [Client(url(channel, "facilitator")) for _ in range(4)]
        for client in clients:
            await client.until(lambda c=client: c.parser.last_id == 0)

        def beaten():
            return [client for client in clients if any(b": hb" in b for b in client.bodies)]

        while not beaten():
            await asyncio.sleep(0.01)
        first = beaten()
        assert len(first) == 2  # the first chunk; then a pause
        await publish(channel)
        for client in clients:
            await client.events_count(1)
        while len(beaten()) < 4:
            await asyncio.sleep(0.01)
        second = [client for client in clients if client not in first]
        assert all(b"id: 1\n: hb\n\n" in client.bodies for client in second)
        assert not any(b"id: 1\n: hb\n\n" in client.bodies for client in first)
        for client in clients:
            await client.close()

    run(test)

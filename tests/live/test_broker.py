"""Broker backends: choice by URL, thread-safe announcements, and the Redis subscriber."""

import asyncio
import threading
import time

import pytest
from django.core.exceptions import ImproperlyConfigured

from gesprekskaarten.live import broker, services
from gesprekskaarten.live.hub import get_hub
from tests.live.conftest import run_async

from .conftest import new_channel
from .test_stream import Client, publish, run, url


def test_the_url_chooses_the_backend(settings):
    settings.GK_BROKER_URL = "memory://"
    assert type(broker.get_broker()) is broker.Broker
    assert broker.get_broker() is broker.get_broker()
    settings.GK_BROKER_URL = "redis://127.0.0.1:6399/3"
    redis_broker = broker.get_broker()
    assert isinstance(redis_broker, broker.RedisBroker)
    assert redis_broker.prefix == "gk:live:3:"  # pub/sub ignores the database: keep apart
    settings.GK_BROKER_URL = "kafka://somewhere"
    with pytest.raises(ImproperlyConfigured):
        broker.get_broker()


def test_announcements_from_many_threads_reach_the_loop():
    memory = broker.Broker()
    received = []

    async def main():
        done = asyncio.Event()

        def on_announce(channel, seq):
            received.append((channel, seq))
            if len(received) == 400:
                done.set()

        listener = memory.listen(on_announce, lambda channels: None)

        def announce(number):
            for seq in range(1, 101):
                memory.announce(f"c{number}", seq)

        threads = [threading.Thread(target=announce, args=(n,)) for n in range(4)]
        for thread in threads:
            thread.start()
        await asyncio.wait_for(done.wait(), 5)
        for thread in threads:
            thread.join()
        await listener.close()
        memory.announce("c0", 101)  # no listener any more: nothing happens

    run_async(main())
    for number in range(4):  # in order per channel, each once
        assert [s for c, s in received if c == f"c{number}"] == list(range(1, 101))


def test_a_closed_loop_is_forgotten():
    memory = broker.Broker()

    async def main():
        memory.listen(lambda channel, seq: None, lambda channels: None)

    run_async(main())  # the loop is closed, the listener was never closed
    memory.announce("c", 1)
    assert memory._listeners == []


@pytest.fixture
def redis_settings(live_settings, redis_server):
    live_settings.GK_BROKER_URL = redis_server.url
    return redis_server


def announce_through_redis_only(monkeypatch, redis_url):
    """As if another process published: the notice comes only through Redis."""
    import redis

    client = redis.Redis.from_url(redis_url)
    monkeypatch.setattr(
        services, "_announce", lambda channel, seq: client.publish(f"gk:live:0:{channel}", seq)
    )
    return client


@pytest.mark.django_db(transaction=True)
def test_redis_subscriber_follows_channels_as_streams_come_and_go(redis_settings, monkeypatch):
    client = announce_through_redis_only(monkeypatch, redis_settings.url)

    async def test():
        channel = new_channel()
        stream = Client(url(channel))
        await stream.until(lambda: stream.parser.last_id == 0)
        listener = get_hub().listener
        await wait_until(lambda: f"{channel}" in listener.subscribed)
        assert subscribers(client, channel) == 1
        started = time.monotonic()
        await publish(channel)
        await stream.events_count(1, timeout=3)
        assert time.monotonic() - started < 2  # the heartbeat is 60 s: Redis carried it
        await stream.close()
        await wait_until(lambda: subscribers(client, channel) == 0)

    run(test)


@pytest.mark.django_db(transaction=True)
def test_redis_subscriber_reconnects_and_catches_up(redis_settings, monkeypatch):
    client = announce_through_redis_only(monkeypatch, redis_settings.url)

    async def test():
        channel = new_channel()
        stream = Client(url(channel, "facilitator"))
        await stream.until(lambda: stream.parser.last_id == 0)
        listener = get_hub().listener
        await wait_until(lambda: subscribers(client, channel) == 1)
        await publish(channel)
        await stream.events_count(1)

        client.client_kill_filter(_type="pubsub")  # Redis drops the subscriber connection
        await publish(channel)  # announced while nobody listens: lost
        await publish(channel)
        await wait_until(lambda: listener.connected.is_set() and subscribers(client, channel))
        events = await stream.events_count(3, timeout=5)
        assert [e.id for e in events] == [1, 2, 3]
        await publish(channel)
        assert [e.id for e in await stream.events_count(4)] == [1, 2, 3, 4]
        await stream.close()

    run(test)


def subscribers(client, channel) -> int:
    name = f"gk:live:0:{channel}"
    return dict(client.pubsub_numsub(name))[name.encode()]


async def wait_until(predicate, timeout=5):
    async with asyncio.timeout(timeout):
        while not predicate():
            await asyncio.sleep(0.02)


@pytest.mark.django_db(transaction=True)
def test_an_idle_redis_connection_is_kept_alive_with_pings(redis_settings, monkeypatch, caplog):
    monkeypatch.setattr(broker.RedisListener, "read_timeout", 0.05)
    monkeypatch.setattr(broker.RedisListener, "ping_after", 0.1)
    monkeypatch.setattr(broker.RedisListener, "dead_after", 0.4)

    async def test():
        stream = Client(url(new_channel()))
        await stream.until(lambda: stream.parser.last_id == 0)
        await asyncio.sleep(1.2)  # idle: pings are answered, the connection stays
        assert get_hub().listener.connected.is_set()
        await stream.close()

    with caplog.at_level("INFO", "gesprekskaarten.live"):
        run(test)
    assert caplog.text.count("Redis broker subscriber connected") == 1
    assert "connection lost" not in caplog.text

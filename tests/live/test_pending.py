"""Events rendered after the writer's commit (`publish(..., render=...)`): pending until their
payloads are stored, and nothing of the channel is delivered from a pending event on."""

import asyncio
import datetime
import threading

import pytest
from django.db import connections, transaction
from django.utils import timezone

from gesprekskaarten.live import services
from gesprekskaarten.live.hub import events_after
from gesprekskaarten.live.models import Event

from .conftest import new_channel
from .test_stream import Client, publish, run, url

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_render_runs_after_the_commit_and_replaces_the_fallback(recorder):
    channel = new_channel()
    seen_in_render = []

    def render():
        # After the commit: a fresh read outside any transaction sees the event, pending.
        seen_in_render.append(
            (
                transaction.get_connection().in_atomic_block,
                Event.objects.get(channel=channel, seq=1).pending,
            )
        )
        return {"participant": "rendered"}

    with transaction.atomic():
        services.publish(channel, "step", {"participant": "fallback", "facilitator": "f"}, render)
        assert seen_in_render == [] and recorder.announced == []  # nothing before the commit
    assert seen_in_render == [(False, True)]
    event = Event.objects.get(channel=channel, seq=1)
    assert not event.pending
    assert event.payloads == {"participant": "rendered", "facilitator": "f"}
    assert recorder.announced == [(channel, 1)]  # announced once, when complete


def test_a_rolled_back_event_is_neither_rendered_nor_announced(recorder):
    channel = new_channel()
    rendered = []
    with pytest.raises(ZeroDivisionError), transaction.atomic():
        services.publish(channel, "step", {}, lambda: rendered.append(1) or {})
        1 / 0  # noqa: B018 - the change fails after the event was published
    assert rendered == [] and recorder.announced == []
    assert not Event.objects.filter(channel=channel).exists()
    assert services.last_seq(channel) == 0  # no number used up
    assert services.publish(channel, "next", {}).seq == 1


def test_a_failing_render_sends_the_fallback(recorder, caplog):
    channel = new_channel()

    def render():
        raise RuntimeError("template broke")

    services.publish(channel, "update", {"participant": '{"regions":["gk-notes"]}'}, render)
    event = Event.objects.get(channel=channel, seq=1)
    assert not event.pending and event.payloads == {"participant": '{"regions":["gk-notes"]}'}
    assert recorder.announced == [(channel, 1)]
    assert "Rendering live event" in caplog.text


def test_render_payloads_are_checked(recorder):
    channel = new_channel()
    services.publish(channel, "e", {"participant": "fallback"}, lambda: {"Bad audience": "x"})
    assert Event.objects.get(channel=channel, seq=1).payloads == {"participant": "fallback"}


def test_readers_stop_before_a_pending_event(recorder):
    channel = new_channel()
    services.publish(channel, "a", {"participant": "1"})
    with transaction.atomic():  # a render that has not finished: the row as it is meanwhile
        seq = services._next_seq(channel)
        Event.objects.create(channel=channel, seq=seq, type="b", payloads={}, pending=True)
    services.publish(channel, "c", {"participant": "3"})
    assert services.last_seq(channel) == 3
    assert services.ready_seq(channel) == 1
    assert [row[0] for row in events_after(channel, 0, None, None)] == [1]
    assert events_after(channel, 1, None, None) == []  # event 3 waits for event 2
    Event.objects.filter(channel=channel, seq=2).update(pending=False)
    assert services.ready_seq(channel) == 3
    assert [row[0] for row in events_after(channel, 1, None, None)] == [2, 3]


def test_release_stale_lets_only_old_pending_events_go(recorder):
    channel = new_channel()
    with transaction.atomic():
        for _ in range(2):
            seq = services._next_seq(channel)
            Event.objects.create(channel=channel, seq=seq, type="b", payloads={}, pending=True)
    Event.objects.filter(channel=channel, seq=1).update(
        created_at=timezone.now() - datetime.timedelta(seconds=30)
    )
    assert services.release_stale(channel, 0, 10) == 1
    assert services.ready_seq(channel) == 1
    assert services.release_stale(channel, 0, 10) == 0


def publish_in_thread(channel, event_type, payloads, render=None):
    try:
        return services.publish(channel, event_type, payloads, render).seq
    finally:
        connections.close_all()


def test_two_writers_keep_their_order_on_the_stream(live_settings):
    """Writer A commits event 1 and renders it slowly; writer B commits event 2 meanwhile and
    is announced first. The stream gets nothing until 1 is complete, then 1 and 2 in order;
    a stream that joins meanwhile starts before the pending event and gets both too."""

    async def test():
        channel = new_channel()
        early = Client(url(channel))
        await early.until(lambda: early.parser.last_id == 0)
        rendering, finish = threading.Event(), threading.Event()

        def slow_render():
            rendering.set()
            finish.wait(10)
            return {"participant": "one, rendered"}

        first = asyncio.create_task(
            asyncio.to_thread(publish_in_thread, channel, "a", {"participant": "x"}, slow_render)
        )
        await asyncio.to_thread(rendering.wait, 10)
        assert await publish(channel, "b", {"participant": "two"}) == 2
        late = Client(url(channel), {"Last-Event-ID": "0"})
        await late.until(lambda: late.parser.retry == 3000)
        await asyncio.sleep(0.2)
        assert early.events == [] and late.events == []  # 2 is held back behind 1
        finish.set()
        assert await first == 1
        for client in (early, late):
            events = await client.events_count(2)
            assert [(e.id, e.data) for e in events] == [(1, "one, rendered"), (2, "two")]
            await client.close()

    run(test)


def test_the_heartbeat_releases_an_event_whose_render_never_finished(live_settings):
    live_settings.GK_LIVE_HEARTBEAT = 0.2

    async def test():
        channel = new_channel()
        client = Client(url(channel))
        await client.until(lambda: client.parser.last_id == 0)

        def died_while_rendering():  # committed, and its process stopped before rendering
            with transaction.atomic():
                seq = services._next_seq(channel)
                Event.objects.create(
                    channel=channel, seq=seq, type="a", payloads={"participant": "f"}, pending=True
                )
            Event.objects.filter(channel=channel).update(
                created_at=timezone.now() - datetime.timedelta(seconds=120)
            )
            connections.close_all()

        await asyncio.to_thread(died_while_rendering)
        await publish(channel, "b", {"participant": "two"})
        events = await client.events_count(2, timeout=5)
        assert [(e.id, e.data) for e in events] == [(1, "f"), (2, "two")]
        await client.close()

    run(test)


def test_streams_that_open_while_an_event_is_pending(live_settings):
    """The first stream of a channel opens while event 1 is being rendered and event 2 is
    complete: the hub starts before event 1. A page rendered after both commits (it read
    last_seq 2) gets neither; a stream without an id gets both once 1 is complete."""

    async def test():
        channel = new_channel()
        rendering, finish = threading.Event(), threading.Event()

        def slow_render():
            rendering.set()
            finish.wait(10)
            return {"participant": "one"}

        first = asyncio.create_task(
            asyncio.to_thread(publish_in_thread, channel, "a", {"participant": "x"}, slow_render)
        )
        await asyncio.to_thread(rendering.wait, 10)
        await publish(channel, "b", {"participant": "two"})
        fresh = Client(url(channel))
        page = Client(url(channel, last_event_id=2))
        await fresh.until(lambda: fresh.parser.last_id == 0)
        await page.until(lambda: page.parser.retry == 3000)
        finish.set()
        await first
        events = await fresh.events_count(2)
        assert [(e.id, e.data) for e in events] == [(1, "one"), (2, "two")]
        await publish(channel, "c", {"participant": "three"})
        events = await page.events_count(1)
        assert [(e.id, e.data) for e in events] == [(3, "three")]
        for client in (fresh, page):
            await client.close()

    run(test)


def test_a_completion_announced_while_the_hub_reads_is_not_lost(live_settings, monkeypatch):
    """The hub reads after event 2's notice and finds nothing (1 is pending); event 1 is
    completed and announced while that read runs. The hub reads again at once instead of
    waiting for the heartbeat (60 s here)."""
    from gesprekskaarten.live import hub as hub_module

    reads = []

    def read_then_complete(channel, after, upto, limit):
        rows = events_after(channel, after, upto, limit)
        if not reads:
            reads.append(rows)
            Event.objects.filter(channel=channel, seq=1).update(
                pending=False, payloads={"participant": "one"}
            )
            services._announce(channel, 1)
        return rows

    monkeypatch.setattr(hub_module, "events_after", read_then_complete)

    async def test():
        channel = new_channel()
        client = Client(url(channel))
        await client.until(lambda: client.parser.last_id == 0)

        def pending_then_complete():
            with transaction.atomic():
                seq = services._next_seq(channel)
                Event.objects.create(channel=channel, seq=seq, type="a", payloads={}, pending=True)
            connections.close_all()

        await asyncio.to_thread(pending_then_complete)
        await publish(channel, "b", {"participant": "two"})
        events = await client.events_count(2, timeout=5)
        assert [(e.id, e.data) for e in events] == [(1, "one"), (2, "two")]
        assert reads == [[]]
        await client.close()

    run(test)

"""The live path end to end: real uvicorn processes, real HTTP streams, real Redis.

Marked e2e: these run once, on SQLite files (the PostgreSQL run covers the database-level
tests in the other modules).
"""

import socket
import time

import httpx
import pytest
from django.core import signing

from gesprekskaarten.live.services import stream_token, stream_url

from .conftest import LIMITS, LiveServer, LiveStream, new_channel

pytestmark = pytest.mark.e2e

BOTH = {"participant": "p{n}", "facilitator": "f{n}"}
FACILITATOR_ONLY = {"facilitator": "secret{n}"}


def ids(events):
    return [event.id for event in events]


def test_events_arrive_in_order_with_the_payload_of_each_audience(server: LiveServer, streams):
    channel = new_channel()
    participant = server.stream(channel, "participant")
    facilitator = server.stream(channel, "facilitator")
    streams += [participant, facilitator]
    assert participant.status == 200
    assert participant.headers["content-type"] == "text/event-stream; charset=utf-8"
    assert participant.headers["cache-control"] == "no-store"
    assert participant.headers["x-accel-buffering"] == "no"

    sent = []
    for round_ in range(4):
        sent += server.publish(channel, "both", BOTH)
        sent += server.publish(channel, "secret", FACILITATOR_ONLY)
        sent += server.publish(channel, "multi", {"participant": f"line 1\nline 2\r\n{round_}"})
    assert sent == list(range(1, 13))

    events = facilitator.wait_for_events(8)
    assert ids(events) == [1, 2, 4, 5, 7, 8, 10, 11]
    assert [event.data for event in events[:2]] == ["f1", "secret1"]
    events = participant.wait_for_events(8)
    assert ids(events) == [1, 3, 4, 6, 7, 9, 10, 12]
    assert (events[1].type, events[1].data) == ("multi", "line 1\nline 2\n0")
    assert not any("secret" in event.data for event in events)
    assert "secret" not in participant.body.decode()
    assert participant.parser.retry == 3000

    # One subscription per channel in the process, forgotten when the last stream leaves.
    assert server.stats()["channels"][channel]["subscribers"] == 2
    participant.close()
    facilitator.close()
    assert wait_until(lambda: channel not in server.stats()["channels"])


@pytest.mark.parametrize("how", ["header", "query"])
def test_reconnect_with_last_event_id_gets_exactly_the_missed_events(server, streams, how):
    channel = new_channel()
    first = server.stream(channel, "participant")
    streams.append(first)
    server.publish(channel, "both", BOTH, count=3)
    assert ids(first.wait_for_events(3)) == [1, 2, 3]
    first.close()

    server.publish(channel, "both", BOTH, count=4)  # 4..7, missed
    server.publish(channel, "secret", FACILITATOR_ONLY)  # 8, not for participants
    if how == "header":
        again = server.stream(channel, "participant", last_event_id=first.parser.last_id)
    else:  # as a page renders it: the state's seq in the URL
        again = server.stream(channel, "participant", query_id=3)
    streams.append(again)
    events = again.wait_for_events(4)
    assert [(e.id, e.data) for e in events] == [(4, "p1"), (5, "p2"), (6, "p3"), (7, "p4")]
    again.wait_for_id(8)  # the skipped facilitator event still moves the client's id
    server.publish(channel, "both", BOTH)
    assert ids(again.wait_for_events(5)) == [4, 5, 6, 7, 9]


def test_too_far_behind_gets_one_refresh(server, streams):
    channel = new_channel()
    server.publish(channel, "both", BOTH, count=LIMITS["GK_LIVE_REPLAY_LIMIT"] + 5)
    stream = server.stream(channel, "participant", last_event_id=2)
    streams.append(stream)
    server.publish(channel, "both", BOTH)
    events = stream.wait_for_events(2)
    assert [(e.type, e.data) for e in events] == [("refresh", ""), ("both", "p1")]
    assert ids(events) == [25, 26]


def test_forged_tokens_and_other_methods_are_refused(server):
    channel = new_channel()
    good = stream_token(channel, "participant")
    forged = [
        "",
        "garbage",
        good[:-2] + ("AA" if not good.endswith("AA") else "BB"),  # tampered signature
        signing.dumps([channel, "facilitator"], salt="another.salt"),
        signing.dumps([channel, "facilitator"], salt="gk.live", key="not-the-secret-key"),
    ]
    for token in forged:
        response = httpx.get(server.base_url + "/live/stream/", params={"t": token}, timeout=5)
        assert response.status_code == 403, token
        assert response.headers["content-type"].startswith("text/plain")
    response = httpx.get(server.base_url + "/live/stream/", timeout=5)
    assert response.status_code == 403
    response = httpx.post(server.base_url + "/live/stream/", params={"t": good}, timeout=5)
    assert response.status_code == 405
    assert response.headers["allow"] == "GET"


@pytest.mark.parametrize(
    "value", ["abc", "-1", "1e9", "3.0", "9" * 40, "١٢", "0x10", "5; DROP TABLE"]
)
def test_garbage_last_event_id_is_ignored(memory_server, streams, value):
    channel = new_channel()
    memory_server.publish(channel, "both", BOTH, count=3)
    url = memory_server.base_url + stream_url(channel, "participant")
    stream = LiveStream(url, {"Last-Event-ID": value.encode()})
    streams.append(stream)
    assert stream.status == 200
    stream.wait_for_id(3)  # treated as "no id": starts at the newest event, replays nothing
    memory_server.publish(channel, "both", BOTH)
    assert [(e.id, e.data) for e in stream.wait_for_events(1)] == [(4, "p1")]


def test_an_id_from_the_future_gets_a_refresh(server, streams):
    channel = new_channel()
    server.publish(channel, "both", BOTH, count=2)
    stream = server.stream(channel, "participant", last_event_id=10**17)
    streams.append(stream)
    server.publish(channel, "both", BOTH)
    events = stream.wait_for_events(2)
    assert [(e.id, e.type) for e in events] == [(2, "refresh"), (3, "both")]


def test_memory_broker_catches_up_on_other_processes_at_the_heartbeat(memory_server, streams):
    """The in-process broker cannot hear a publish from another process; the heartbeat poll
    (0.5 s here) finds it in the database."""
    channel = new_channel()
    stream = memory_server.stream(channel, "facilitator")
    streams.append(stream)
    seqs = memory_server.publish_from_cli(channel, "both", BOTH, count=3)
    assert seqs == [1, 2, 3]
    assert [(e.id, e.data) for e in stream.wait_for_events(3, timeout=5)] == [
        (1, "f1"),
        (2, "f2"),
        (3, "f3"),
    ]
    assert stream.wait_for_comment("hb")


def test_a_client_that_does_not_read_is_dropped(server, streams):
    """A client that stops reading fills its queue (GK_LIVE_QUEUE_SIZE=8 here) and is dropped,
    so the server's memory does not grow with what is published after it stopped reading."""
    channel = new_channel()
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect(("127.0.0.1", server.port))
    path = stream_url(channel, "participant")
    sock.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
    assert wait_until(lambda: subscribers(server, channel) == 1)
    big = {"participant": "x" * 300_000 + "{n}"}
    for number in range(1, 51):  # one event at a time until the client is dropped
        server.publish(channel, "big", big)
        if number % 3 == 0 and subscribers(server, channel) == 0:
            break
    else:
        raise AssertionError("the client that does not read was never dropped")
    at_drop = server.rss_kb()
    small = {"participant": "x" * 100_000 + "{n}"}
    for _ in range(4):  # 20 MB more
        server.publish(channel, "big", small, count=50)
    grown = server.rss_kb() - at_drop

    sock.settimeout(5)
    received, ended = 0, False
    try:
        while chunk := sock.recv(1 << 16):
            received += len(chunk)
        ended = True
    except ConnectionResetError:
        ended = True
    finally:
        sock.close()
    assert ended, "the connection of the dropped client stayed open"
    assert received < number * 300_000
    assert grown < 12_000, f"server memory grew by {grown} KB while 20 MB were published"


def subscribers(server, channel) -> int:
    return server.stats()["channels"].get(channel, {}).get("subscribers", 0)


def wait_until(predicate, timeout=5) -> bool:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def test_redis_carries_events_between_processes(redis_servers, streams):
    a, b = redis_servers
    channel = new_channel()
    on_a = a.stream(channel, "facilitator")
    on_b = b.stream(channel, "participant")
    streams += [on_a, on_b]
    started = time.monotonic()
    b.publish(channel, "both", BOTH)  # in process B, as a view would
    assert [(e.id, e.data) for e in on_a.wait_for_events(1, timeout=3)] == [(1, "f1")]
    assert time.monotonic() - started < 3  # the heartbeat is 30 s: this came through Redis
    a.publish(channel, "both", BOTH, count=2)
    assert [(e.id, e.data) for e in on_b.wait_for_events(3, timeout=3)] == [
        (1, "p1"),
        (2, "p1"),
        (3, "p2"),
    ]
    assert ids(on_a.wait_for_events(3, timeout=3)) == [1, 2, 3]


def test_streams_recover_from_a_redis_restart_without_losing_anything(
    redis_servers, redis_server, streams
):
    a, b = redis_servers
    channel = new_channel()
    on_a = a.stream(channel, "facilitator")
    on_b = b.stream(channel, "facilitator")
    streams += [on_a, on_b]
    b.publish(channel, "both", BOTH, count=3)
    on_a.wait_for_events(3, timeout=5)

    redis_server.stop()
    try:
        # Writes go on while Redis is away (B logs a warning and skips the announcement).
        assert b.publish(channel, "both", BOTH, count=4) == [4, 5, 6, 7]
        assert ids(on_b.wait_for_events(7, timeout=5)) == list(range(1, 8))  # B's own clients
        time.sleep(0.3)
        b.publish(channel, "both", BOTH, count=2)  # 8, 9
    finally:
        redis_server.start()
    # A's subscriber reconnects by itself and looks up what it missed (heartbeat is 30 s).
    events = on_a.wait_for_events(9, timeout=10)
    assert ids(events) == list(range(1, 10))
    b.publish(channel, "both", BOTH, count=3)  # through Redis again
    assert ids(on_a.wait_for_events(12, timeout=5)) == list(range(1, 13))
    assert ids(on_b.wait_for_events(12, timeout=5)) == list(range(1, 13))
    assert on_a.parser.last_id == 12 and not on_a.ended
    assert "Redis broker unreachable" in b.log()


def test_stopping_the_server_ends_open_streams(stopping_server, streams):
    stream = stopping_server.stream(new_channel(), "participant")
    streams.append(stream)
    assert stream.status == 200
    took = stopping_server.stop()
    assert stream.wait_for_end(5)
    assert took < 5, f"the server took {took:.1f} s to stop with an open stream"
    assert "Traceback" not in stopping_server.log()

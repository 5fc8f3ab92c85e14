"""publish(), last_seq() and stream tokens, on the test database (SQLite and PostgreSQL)."""

import logging
import time

import pytest
from django.core import signing
from django.db import transaction

from gesprekskaarten.live import broker, services
from gesprekskaarten.live.models import Channel, Event

from .concurrency import hammer
from .conftest import free_port, new_channel


@pytest.mark.django_db(transaction=True)
def test_publish_numbers_events_per_channel_from_one(recorder):
    one, two = new_channel(), new_channel()
    assert services.last_seq(one) == 0
    seqs = [services.publish(one, "a", {"participant": "x"}).seq for _ in range(3)]
    assert seqs == [1, 2, 3]
    assert services.publish(two, "a", {}).seq == 1
    assert services.last_seq(one) == 3 and services.last_seq(two) == 1
    event = Event.objects.get(channel=one, seq=2)
    assert (event.type, event.payloads) == ("a", {"participant": "x"})
    assert recorder.announced == [(one, 1), (one, 2), (one, 3), (two, 1)]


@pytest.mark.django_db(transaction=True)
def test_publish_is_gapless_under_concurrent_writers():
    channels, threads, per_thread = [new_channel(), new_channel()], 8, 25
    outcome = hammer(channels, threads, per_thread)
    assert outcome["errors"] == []
    total = 0
    for channel in channels:
        count = len(outcome["seqs"][channel])
        total += count
        assert sorted(outcome["seqs"][channel]) == list(range(1, count + 1))
        assert outcome["stored"][channel] == list(range(1, count + 1))
        assert outcome["last"][channel] == count
    assert total == threads * per_thread


@pytest.mark.django_db(transaction=True)
def test_the_announcement_waits_for_the_commit(recorder):
    channel = new_channel()
    with transaction.atomic():
        services.publish(channel, "a", {"participant": "x"})
        assert recorder.announced == []
    assert recorder.announced == [(channel, 1)]


@pytest.mark.django_db(transaction=True)
def test_nothing_is_announced_or_numbered_when_the_transaction_rolls_back(recorder):
    channel = new_channel()
    with pytest.raises(RuntimeError), transaction.atomic():
        services.publish(channel, "a", {"participant": "x"})
        raise RuntimeError("the change failed")
    assert recorder.announced == []
    assert services.last_seq(channel) == 0
    assert not Event.objects.filter(channel=channel).exists()

    with transaction.atomic():
        services.publish(channel, "a", {"participant": "kept"})
        try:
            with transaction.atomic():  # a savepoint that is rolled back
                services.publish(channel, "a", {"participant": "undone"})
                raise RuntimeError
        except RuntimeError:
            pass
        services.publish(channel, "b", {"participant": "kept too"})
    assert recorder.announced == [(channel, 1), (channel, 2)]
    events = Event.objects.filter(channel=channel).order_by("seq")
    assert [(e.seq, e.payloads["participant"]) for e in events] == [(1, "kept"), (2, "kept too")]


@pytest.mark.django_db(transaction=True)
def test_a_failing_broker_does_not_break_the_write(monkeypatch, caplog):
    class Broken:
        def announce(self, channel, seq):
            raise ConnectionError("broker down")

    monkeypatch.setattr(broker, "get_broker", Broken)
    channel = new_channel()
    with caplog.at_level(logging.WARNING, "gesprekskaarten.live"):
        services.publish(channel, "a", {"participant": "x"})
    assert services.last_seq(channel) == 1
    assert "Could not announce live event" in caplog.text


@pytest.mark.django_db(transaction=True)
def test_an_unreachable_redis_does_not_break_or_slow_writes(settings, caplog):
    settings.GK_BROKER_URL = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there
    channel = new_channel()
    started = time.monotonic()
    with caplog.at_level(logging.WARNING, "gesprekskaarten.live"):
        for _ in range(5):
            services.publish(channel, "a", {"participant": "x"})
    assert time.monotonic() - started < 2
    assert services.last_seq(channel) == 5
    assert caplog.text.count("Redis broker unreachable") == 1  # not once per write


@pytest.mark.parametrize(
    ("channel", "event_type", "payloads", "error"),
    [
        ("", "a", {}, ValueError),
        ("x" * 101, "a", {}, ValueError),
        ("with space", "a", {}, ValueError),
        ("ok", "", {}, ValueError),
        ("ok", "two\nlines", {}, ValueError),
        ("ok", "a", {"Participant": "x"}, ValueError),
        ("ok", "a", {"participant": 3}, TypeError),
        ("ok", "a", {"participant": None}, TypeError),
    ],
)
def test_publish_refuses_what_cannot_be_streamed(channel, event_type, payloads, error):
    with pytest.raises(error):
        services.publish(channel, event_type, payloads)


def test_stream_url_carries_a_signed_token_for_channel_and_audience():
    url = services.stream_url("gesprek:42", "participant")
    assert url.startswith("/live/stream/?t=")
    token = services.stream_token("gesprek:42", "participant")
    assert services.read_token(token) == ("gesprek:42", "participant")
    assert services.stream_url("gesprek:42", "facilitator", last_event_id=17).endswith(
        "&last_event_id=17"
    )


def test_forged_or_foreign_tokens_are_refused():
    token = services.stream_token("gesprek:42", "participant")
    assert services.read_token(token[:-1] + ("A" if token[-1] != "A" else "B")) is None
    assert services.read_token("") is None
    assert services.read_token("a:b:c") is None
    assert services.read_token(signing.dumps(["gesprek:42", "participant"], salt="other")) is None
    assert services.read_token(signing.dumps("gesprek:42", salt="gk.live")) is None
    assert services.read_token(signing.dumps(["a b", "participant"], salt="gk.live")) is None
    with pytest.raises(ValueError):
        services.stream_token("gesprek:42", "Not An Audience")


def test_tokens_can_expire(settings, monkeypatch):
    token = services.stream_token("gesprek:42", "participant")
    settings.GK_LIVE_TOKEN_MAX_AGE = 60
    assert services.read_token(token) == ("gesprek:42", "participant")
    later = time.time() + 120
    monkeypatch.setattr(signing.time, "time", lambda: later)
    assert services.read_token(token) is None


@pytest.mark.django_db
def test_the_counter_row_is_the_last_seq():
    channel = new_channel()
    with transaction.atomic():
        services.publish(channel, "a", {})
        services.publish(channel, "a", {})
    assert Channel.objects.get(name=channel).last_seq == 2 == services.last_seq(channel)

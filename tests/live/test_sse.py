"""The SSE wire format: what we encode is what a browser's EventSource reads back."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gesprekskaarten.live import sse

from .conftest import SSEParser


def read(data: bytes) -> SSEParser:
    parser = SSEParser()
    parser.feed(data.decode())
    return parser


def test_an_event_has_id_type_and_data():
    assert sse.encode_event(7, "step", "<p>Hi</p>") == b"id: 7\nevent: step\ndata: <p>Hi</p>\n\n"


@pytest.mark.parametrize(
    ("data", "lines"),
    [
        ("a\nb", [b"data: a", b"data: b"]),
        ("a\r\nb", [b"data: a", b"data: b"]),
        ("a\rb", [b"data: a", b"data: b"]),
        ("a\n\nb\n", [b"data: a", b"data: ", b"data: b", b"data: "]),
        ("", [b"data: "]),
        (" leading space", [b"data:  leading space"]),
    ],
)
def test_multi_line_data_is_split_on_every_sse_line_end(data, lines):
    encoded = sse.encode_event(1, "x", data)
    assert encoded.split(b"\n")[2:-2] == lines
    assert encoded.endswith(b"\n\n") and encoded.count(b"\n\n") == 1


def test_unicode_line_separators_stay_inside_a_line():
    data = "één\u2028twee\x85drie\x0cvier"  # not SSE line ends, unlike for str.splitlines()
    assert read(sse.encode_event(1, "x", data)).events[0].data == data


@given(st.text())
def test_the_browser_reads_back_the_data(data):
    (event,) = read(sse.encode_event(42, "note", data)).events
    assert (event.id, event.type) == (42, "note")
    assert event.data == data.replace("\r\n", "\n").replace("\r", "\n")


def test_refresh_heartbeat_and_id_only_blocks():
    parser = read(sse.encode_refresh(9))
    assert [(e.id, e.type, e.data) for e in parser.events] == [(9, "refresh", "")]
    parser = read(sse.encode_id(12) + sse.encode_heartbeat(13) + sse.HEARTBEAT)
    assert parser.events == [] and parser.last_id == 13 and parser.comments == ["hb", "hb"]
    parser = read(sse.encode_retry(3000))
    assert parser.retry == 3000 and parser.events == []


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, None),
        ("0", 0),
        ("17", 17),
        (b"17", 17),
        (" 17 ", 17),
        ("999999999999999999", 999999999999999999),
        ("9999999999999999999", None),  # beyond a 63-bit integer: ignored
        ("9" * 10_000, None),
        ("", None),
        ("-1", None),
        ("+1", None),
        ("1e3", None),
        ("1.0", None),
        ("0x1f", None),
        ("١٢", None),  # digits, but not ASCII ones
        (b"\xff\xfe", None),
        ("12abc", None),
    ],
)
def test_last_event_id_is_a_plain_number_or_nothing(value, expected):
    assert sse.parse_event_id(value) == expected

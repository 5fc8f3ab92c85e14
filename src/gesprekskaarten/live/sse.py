"""Server-Sent Events wire format: encoding events and reading Last-Event-ID.

Every function returns bytes ready to write, so an event is encoded once per audience and the
same bytes object goes to every subscriber.
"""

import re

HEARTBEAT = b": hb\n\n"
# SSE ends a line at CRLF, LF or CR (and only those: str.splitlines() splits on more).
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
# Last-Event-ID is accepted only as a plain decimal number that fits PositiveBigIntegerField.
_EVENT_ID = re.compile(r"[0-9]{1,18}")


def encode_event(seq: int, event_type: str, data: str) -> bytes:
    """`id: N`, `event: TYPE` and one `data:` line per line of data, then a blank line.

    The browser joins the data lines with LF, so the data arrives unchanged apart from CR and
    CRLF line ends becoming LF.
    """
    lines = "".join(f"data: {line}\n" for line in _LINE_BREAK.split(data))
    return f"id: {seq}\nevent: {event_type}\n{lines}\n".encode()


def encode_id(seq: int) -> bytes:
    """Only moves the client's last event id (no event is dispatched: the data is empty)."""
    return b"id: %d\n\n" % seq


def encode_refresh(seq: int) -> bytes:
    """Tells the client to reload its state; its last event id becomes `seq`."""
    return b"id: %d\nevent: refresh\ndata: \n\n" % seq


def encode_heartbeat(seq: int | None) -> bytes:
    """A heartbeat comment, with the id of the newest event the client has been given."""
    return HEARTBEAT if seq is None else b"id: %d\n: hb\n\n" % seq


def encode_retry(milliseconds: int) -> bytes:
    return b"retry: %d\n: live\n\n" % milliseconds


def parse_event_id(value: str | bytes | None) -> int | None:
    """The event id a client sent, or None when it is missing or not a sane number."""
    if value is None:
        return None
    if isinstance(value, bytes):
        value = value.decode("latin-1")
    value = value.strip()
    if not _EVENT_ID.fullmatch(value):
        return None
    return int(value)

"""What other apps use: publish an event on a channel, and give a browser the URL of its stream.

A channel is a name such as "gesprek:42"; an audience is a kind of reader of that channel,
such as "participant" or "facilitator". Each event carries one pre-rendered SSE data string per
audience; a stream token binds one browser to one channel and one audience.
"""

import datetime
import logging
import re
from functools import partial
from urllib.parse import urlencode

from django.core import signing
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, transaction
from django.urls import get_script_prefix
from django.utils import timezone

from . import conf
from .models import Channel, Event

logger = logging.getLogger(__name__)

TOKEN_SALT = "gk.live"  # noqa: S105 - a signing salt, not a secret
STREAM_PATH = "live/stream/"

_CHANNEL = re.compile(r"[A-Za-z0-9_.:/@+-]{1,100}")
_AUDIENCE = re.compile(r"[a-z][a-z0-9_-]{0,39}")
_TYPE = re.compile(r"[A-Za-z0-9_.:-]{1,64}")

# Valid on SQLite (3.35+) and PostgreSQL; the table is models.Channel.
_NEXT_SEQ_SQL = (
    'INSERT INTO "live_channel" ("name", "last_seq") VALUES (%s, 1) '
    'ON CONFLICT ("name") DO UPDATE SET "last_seq" = "live_channel"."last_seq" + 1 '
    'RETURNING "last_seq"'
)
_READY_SEQ_SQL = (
    'SELECT COALESCE((SELECT MIN("seq") - 1 FROM "live_event" '
    'WHERE "channel" = %s AND "pending"), '
    '(SELECT "last_seq" FROM "live_channel" WHERE "name" = %s), 0)'
)


def publish(channel: str, type: str, payloads: dict[str, str], render=None) -> Event:
    """Append an event to `channel` and announce it once the transaction commits.

    Call it inside the transaction that makes the change the event describes, so the change and
    its event are stored together or not at all. `payloads` maps an audience ("participant",
    "facilitator", ...) to the SSE data string (HTML fragment or JSON text) for that audience;
    an audience missing from `payloads` does not receive the event.

    The seq is the channel's previous seq + 1, also with concurrent writers: the channel's
    counter row stays locked until the transaction ends. Nothing is announced on rollback.

    `render`: a function without arguments, called after the commit, that returns payloads
    for some audiences (rendered from the committed state, without holding the writer's
    locks). Until it has returned, the event is *pending*: readers deliver nothing from it on,
    so the channel's order holds. Its payloads replace those of `payloads` for the same
    audiences, which are the fallback when rendering fails (or the process stops first: the
    hub then releases the event with the fallback, `release_stale`).
    """
    _check_channel(channel)
    if not isinstance(type, str) or not _TYPE.fullmatch(type):
        raise ValueError(f"Invalid live event type {type!r}.")
    _check_payloads(payloads)
    with transaction.atomic(savepoint=False):
        seq = _next_seq(channel)
        event = Event.objects.create(
            channel=channel, seq=seq, type=type, payloads=payloads, pending=render is not None
        )
        if render is None:
            transaction.on_commit(partial(_announce, channel, seq), robust=True)
        else:
            transaction.on_commit(partial(_complete, channel, seq, payloads, render), robust=True)
    return event


def _check_payloads(payloads) -> None:
    if not isinstance(payloads, dict):
        raise TypeError("payloads must be a dict {audience: data}.")
    for audience, data in payloads.items():
        _check_audience(audience)
        if not isinstance(data, str):
            raise TypeError(f"The payload for audience {audience!r} must be a string.")


def _complete(channel: str, seq: int, payloads: dict[str, str], render) -> None:
    """After the commit: render the event's payloads, store them, announce the event."""
    try:
        rendered = render()
        _check_payloads(rendered)
    except Exception:
        # The event goes out with its fallback payloads (the screens fetch their page).
        logger.warning("Rendering live event %s #%d failed", channel, seq, exc_info=True)
        rendered = {}
    try:
        with transaction.atomic():
            Event.objects.filter(channel=channel, seq=seq, pending=True).update(
                payloads={**payloads, **rendered}, pending=False
            )
    except Exception:
        logger.warning("Could not complete live event %s #%d", channel, seq, exc_info=True)
        return  # released with its fallback by the hub (release_stale)
    _announce(channel, seq)


def ready_seq(channel: str) -> int:
    """The seq up to which every event of `channel` can be delivered: the newest, or the one
    before the oldest event still being rendered after its commit."""
    with connection.cursor() as cursor:
        cursor.execute(_READY_SEQ_SQL, [channel, channel])
        return cursor.fetchone()[0]


def release_stale(channel: str, after: int, older_than: float) -> int:
    """Let events of `channel` after `after` that have been pending for `older_than` seconds go
    out with their fallback payloads (the process that was rendering them stopped). Returns
    how many were released."""
    cutoff = timezone.now() - datetime.timedelta(seconds=older_than)
    with transaction.atomic():
        return Event.objects.filter(
            channel=channel, seq__gt=after, pending=True, created_at__lt=cutoff
        ).update(pending=False)


def lock_channel(channel: str) -> None:
    """Take the channel's counter row until the transaction ends, as `publish` does, so that
    what the caller reads next is read after every earlier event's transaction committed.
    Only PostgreSQL needs it: SQLite lets one writer at a time in."""
    if connection.vendor == "postgresql":
        list(Channel.objects.select_for_update().filter(name=channel).values_list("pk"))


def last_seq(channel: str) -> int:
    """The seq of the newest event on `channel` (0 when it has none).

    Plain SQL: every live page request reads it (building the ORM query cost more than
    running it)."""
    with connection.cursor() as cursor:
        cursor.execute('SELECT "last_seq" FROM "live_channel" WHERE "name" = %s', [channel])
        row = cursor.fetchone()
    return row[0] if row else 0


def stream_token(channel: str, audience: str) -> str:
    """A signed token that lets its holder read `channel` as `audience`."""
    _check_channel(channel)
    _check_audience(audience)
    return signing.dumps([channel, audience], salt=TOKEN_SALT)


def stream_url(channel: str, audience: str, last_event_id: int | None = None) -> str:
    """The path of the SSE stream of `channel` for `audience`: "/live/stream/?t=<token>".

    Pass `last_event_id` (the `last_seq` read in the same transaction as the state the page
    shows) to have the stream start right after that state, so nothing falls in between.
    """
    query = {"t": stream_token(channel, audience)}
    if last_event_id is not None:
        query["last_event_id"] = str(int(last_event_id))
    return f"{get_script_prefix()}{STREAM_PATH}?{urlencode(query)}"


def read_token(token: str) -> tuple[str, str] | None:
    """The (channel, audience) a token grants, or None when it is forged, expired or garbled."""
    max_age = conf.get("GK_LIVE_TOKEN_MAX_AGE") or None
    try:
        channel, audience = signing.loads(token, salt=TOKEN_SALT, max_age=max_age)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    if not (isinstance(channel, str) and isinstance(audience, str)):
        return None
    if not (_CHANNEL.fullmatch(channel) and _AUDIENCE.fullmatch(audience)):
        return None
    return channel, audience


# --- internals ----------------------------------------------------------------------------


def _check_channel(channel: str) -> None:
    if not isinstance(channel, str) or not _CHANNEL.fullmatch(channel):
        raise ValueError(f"Invalid live channel name {channel!r}.")


def _check_audience(audience: str) -> None:
    if not isinstance(audience, str) or not _AUDIENCE.fullmatch(audience):
        raise ValueError(f"Invalid live audience name {audience!r}.")


def _next_seq(channel: str) -> int:
    """Increment the channel's counter in one statement and return the new value.

    INSERT ... ON CONFLICT DO UPDATE ... RETURNING works on SQLite (3.35+) and PostgreSQL. On
    PostgreSQL it locks the counter row until the transaction ends; on SQLite the whole
    database is locked for writing (BEGIN IMMEDIATE). Either way the next writer on this
    channel waits, and its seq follows ours.
    """
    if connection.vendor not in ("sqlite", "postgresql"):
        raise ImproperlyConfigured("The live event log supports SQLite and PostgreSQL only.")
    with connection.cursor() as cursor:
        cursor.execute(_NEXT_SEQ_SQL, [channel])
        return cursor.fetchone()[0]


def _announce(channel: str, seq: int) -> None:
    """Tell the broker (after commit). A broker outage must never break a write."""
    from .broker import get_broker

    try:
        get_broker().announce(channel, seq)
    except Exception:
        logger.warning("Could not announce live event %s #%d", channel, seq, exc_info=True)

"""Live settings. Each is read from Django settings, else from the environment, else a default."""

import os

from django.conf import settings

DEFAULTS = {
    # Seconds between heartbeat comments; also how often missed announcements are polled for.
    "GK_LIVE_HEARTBEAT": 20.0,
    # A client missing more events than this gets one `refresh` event instead of a replay.
    "GK_LIVE_REPLAY_LIMIT": 500,
    # Pending writes per client before a client that does not read is dropped.
    "GK_LIVE_QUEUE_SIZE": 256,
    # Reconnection delay the browser is told to use, in milliseconds.
    "GK_LIVE_RETRY_MS": 3000,
    # Threads per process for the stream handler's database reads.
    "GK_LIVE_DB_THREADS": 4,
    # Maximum age of a stream token in seconds; 0: tokens do not expire.
    "GK_LIVE_TOKEN_MAX_AGE": 0,
}


def get(name: str):
    """The value of a live setting, converted to the type of its default."""
    default = DEFAULTS[name]
    value = getattr(settings, name, None)
    if value is None:
        value = os.environ.get(name)
    if value is None or value == "":
        return default
    return type(default)(value)


def broker_url() -> str:
    return getattr(settings, "GK_BROKER_URL", None) or os.environ.get("GK_BROKER_URL", "memory://")

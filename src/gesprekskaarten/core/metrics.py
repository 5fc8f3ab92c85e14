"""The process's Prometheus metrics (prometheus-client), served at /metrics by core/ops.py.

Each app process has its own numbers (one systemd unit per process, each on its own port):
scrape every process. Counters are incremented per event batch or per request, never per byte
or per subscriber write, and no label names a gesprek or a participant, so the cost per
delivery stays negligible and the number of series stays fixed. See docs/operations.md.
"""

from prometheus_client import Counter, Gauge, Histogram

OPEN_STREAMS = Gauge("gk_live_open_streams", "Live streams open in this process")
CHANNELS = Gauge("gk_live_channels", "Live channels this process follows (gesprekken with streams)")
EVENTS = Counter("gk_live_events_total", "Live events the hub loaded and handed to its streams")
DELIVERIES = Counter(
    "gk_live_deliveries_total", "Writes queued for streams (one per stream per batch of events)"
)
DROPPED_SLOW = Counter(
    "gk_live_dropped_slow_clients_total", "Streams dropped because the client did not keep up"
)
REPLAYS = Counter("gk_live_replays_total", "Reconnected streams given the events they missed")
REFRESHES = Counter(
    "gk_live_full_refreshes_total", "Reconnected streams told to reload (too far behind)"
)
ANSWERS = Counter(
    "gk_answers_total",
    "Answers posted to the answer endpoint, by result "
    "(accepted: stored; refused: 4xx; failed: 5xx, not stored)",
    ["result"],
)
REQUEST_SECONDS = Histogram(
    "gk_http_request_duration_seconds",
    "Time to answer a request, by route (Django's URL name, or the lean handler's own label); "
    "for live streams the time until the stream started",
    ["route", "method"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
)

for _result in ("accepted", "refused", "failed"):
    ANSWERS.labels(_result)


def count_answer(status: int) -> None:
    if status == 200:
        ANSWERS.labels("accepted").inc()
    elif status < 500:
        ANSWERS.labels("refused").inc()
    else:
        ANSWERS.labels("failed").inc()

"""Health and metrics: a small raw ASGI handler that `asgi.py` routes to ahead of Django.

- GET /health/live: 200 while the process runs and its event loop answers (liveness).
- GET /health/ready: 200 when the database and the live-update broker answer within
  READY_TIMEOUT seconds, else 503 (readiness). Also 503 once the process is stopping.
- GET /metrics: the process's metrics in the Prometheus text format (core/metrics.py).

They answer whatever the Host header says (a local `curl http://127.0.0.1:8001/health/ready`
works when ALLOWED_HOSTS holds the public name only), and only to clients in
GK_MONITORING_NETWORKS (default: this machine); anyone else gets 404, as for any unknown
address. Behind nginx the client is the address nginx passes on, so a request from the
internet through nginx is refused too. The bodies say "ok" or which check failed, never why
(no host names or error messages).
"""

import asyncio
import contextlib
import ipaddress
import json
import logging
import os
from concurrent.futures import Future, ThreadPoolExecutor
from functools import cache

from . import logs

logger = logging.getLogger(__name__)

LIVE_PATHS = ("/health/live", "/health/live/")
READY_PATHS = ("/health/ready", "/health/ready/")
METRICS_PATHS = ("/metrics", "/metrics/")
PATHS = frozenset(LIVE_PATHS + READY_PATHS + METRICS_PATHS)
READY_TIMEOUT = 2.0  # seconds for both checks together
DEFAULT_NETWORKS = "127.0.0.0/8,::1/128"


def with_ops_endpoints(application):
    """Route the health and metrics paths to `endpoint`; everything else to `application`."""

    async def router(scope, receive, send):
        if scope["type"] == "http" and _path(scope) in PATHS:
            await endpoint(scope, receive, send)
        else:
            await application(scope, receive, send)

    return router


def _path(scope) -> str:
    path = scope["path"]
    root = scope.get("root_path", "")
    if root and path.startswith(root):
        path = path[len(root) :]
    return path


async def endpoint(scope, receive, send) -> None:
    path = _path(scope)
    route = "health" if path in LIVE_PATHS + READY_PATHS else "metrics"
    logs.set_route(scope, route)
    if not client_allowed(scope):
        await _send(send, 404, b"Not Found\n")
        return
    if scope["method"] not in ("GET", "HEAD"):
        await _send(send, 405, b"Method Not Allowed\n", extra=[(b"allow", b"GET, HEAD")])
        return
    head = scope["method"] == "HEAD"  # the same headers, no body
    if path in LIVE_PATHS:
        await _send(send, 200, b'{"status": "ok"}\n', b"application/json", head=head)
    elif path in READY_PATHS:
        status, body = await readiness()
        await _send(send, status, body, b"application/json", head=head)
    else:
        from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, generate_latest

        latest = generate_latest(REGISTRY)
        await _send(send, 200, latest, CONTENT_TYPE_LATEST.encode(), head=head)


# -- who may ask --------------------------------------------------------------------------------


@cache
def allowed_networks(value: str) -> tuple:
    networks = []
    for item in value.split(","):
        item = item.strip()
        if item:
            networks.append(ipaddress.ip_network(item, strict=False))
    return tuple(networks)


def monitoring_networks() -> str:
    from django.conf import settings

    return getattr(settings, "GK_MONITORING_NETWORKS", None) or os.environ.get(
        "GK_MONITORING_NETWORKS", DEFAULT_NETWORKS
    )


def client_allowed(scope) -> bool:
    client = scope.get("client")
    if not client:  # a Unix socket: this machine
        return True
    try:
        address = ipaddress.ip_address(client[0])
    except ValueError:
        return False
    if address.version == 6 and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return any(address in network for network in allowed_networks(monitoring_networks()))


# -- readiness ----------------------------------------------------------------------------------

# One thread of its own: a check that hangs (a database that does not answer) never holds up
# requests, and while it hangs the next checks wait for it rather than pile up.
_executor = ThreadPoolExecutor(1, thread_name_prefix="gk-health")
_running: Future | None = None
_last_failures: tuple = ()


async def readiness() -> tuple[int, bytes]:
    global _running, _last_failures
    from gesprekskaarten.live.hub import current_hub

    hub = current_hub()
    if hub is not None and hub.closing:
        return 503, b'{"status": "stopping"}\n'
    if _running is None or _running.done():
        _running = _executor.submit(run_checks)
    try:
        checks = await asyncio.wait_for(asyncio.wrap_future(_running), READY_TIMEOUT)
    except TimeoutError:
        checks = {"database": "no answer", "broker": "unknown"}
    except Exception:
        logger.exception("Readiness check failed")
        checks = {"database": "unknown", "broker": "unknown"}
    failures = tuple(sorted(name for name, result in checks.items() if result != "ok"))
    if failures != _last_failures:  # log changes, not every probe
        if failures:
            logger.warning("Not ready: %s", ", ".join(f"{n} {checks[n]}" for n in failures))
        else:
            logger.info("Ready again: database and broker answer")
        _last_failures = failures
    ready = not failures
    body = {"status": "ok" if ready else "unavailable", "checks": checks}
    return (200 if ready else 503), (json.dumps(body) + "\n").encode()


def run_checks() -> dict[str, str]:
    return {"database": check_database(), "broker": check_broker()}


def check_database() -> str:
    from django.db import close_old_connections, connection

    close_old_connections()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        return "ok"
    except Exception as error:
        logger.debug("Database check failed: %s", type(error).__name__)
        with contextlib.suppress(Exception):  # the connection is broken either way
            connection.close()
        return "unreachable"
    finally:
        close_old_connections()


def close_connections() -> None:
    """Close the check thread's database connection (a stopping server, tests)."""

    def close():
        from django.db import connection

        connection.close()

    _executor.submit(close).result()


_redis_clients: dict = {}


def check_broker() -> str:
    from gesprekskaarten.live.broker import RedisBroker, get_broker

    try:
        broker = get_broker()
    except Exception:
        return "misconfigured"
    if not isinstance(broker, RedisBroker):
        return "ok"  # in-process: there when the process is
    import redis

    client = _redis_clients.get(broker.url)
    if client is None:
        client = _redis_clients[broker.url] = redis.Redis.from_url(
            broker.url, socket_timeout=1.0, socket_connect_timeout=1.0
        )
    try:
        client.ping()
    except (redis.RedisError, OSError):
        client.connection_pool.disconnect()
        return "unreachable"
    return "ok"


PLAIN = b"text/plain; charset=utf-8"


async def _send(send, status: int, body: bytes, content_type=PLAIN, extra=(), head=False):
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", content_type),
                (b"cache-control", b"no-store"),
                (b"content-length", str(len(body)).encode()),
                *extra,
            ],
        }
    )
    await send({"type": "http.response.body", "body": b"" if head else body})

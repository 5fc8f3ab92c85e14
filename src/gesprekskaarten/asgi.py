"""ASGI entry point; it owns the process's start-up and shutdown.

Requests, from the outside in:

- `with_request_log` (core/logs.py): a request id, one access line and the latency metric for
  every request, whoever answers it;
- `errors.wrap_asgi` (core/errors.py): only with SENTRY_DSN set, reports the unhandled
  exceptions of the handlers below (Django's views are reported by sentry-sdk's Django
  integration; `errors.trace_asgi`, around the answer endpoint and Django, makes the
  transactions of performance tracing when SENTRY_TRACES_SAMPLE_RATE is above 0);
- `with_ops_endpoints` (core/ops.py): /health/live, /health/ready and /metrics, for local
  monitoring, whatever the Host header;
- `with_live_streams` (live/stream.py): the live streams (/live/stream/, see docs/live.md);
- `with_answer_endpoint` (meetings/answering.py): POST /g/<code>/antwoord/;
- everything else goes to Django (core/handler.py).

Lifespan: at start-up the server's SIGINT/SIGTERM handlers are chained so that a stopping
server ends the open streams at once (live/stream.py). At shutdown (uvicorn has stopped
accepting connections and has waited for the requests in flight, so every answer that was
sent in was either committed and acknowledged or refused) the hub stops following its
channels, the answer threads and Django's threads finish what they hold and close their
database connections.
"""

import asyncio
import logging
import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gesprekskaarten.settings.dev")

from gesprekskaarten.core import errors, handler  # noqa: E402

errors.start()  # SENTRY_DSN: report unhandled exceptions (docs/operations.md, "Error reporting")

django_application = handler.application()

from gesprekskaarten.core import ops  # noqa: E402
from gesprekskaarten.core.logs import with_request_log  # noqa: E402
from gesprekskaarten.live.hub import close_hub  # noqa: E402
from gesprekskaarten.live.stream import install_shutdown_hook, with_live_streams  # noqa: E402
from gesprekskaarten.meetings import answering  # noqa: E402

logger = logging.getLogger("gesprekskaarten.asgi")


def requests_application():
    """The handlers of HTTP requests, from the outside in (see above). Built once at import;
    a test that switches error reporting on builds it again."""
    return with_request_log(
        errors.wrap_asgi(
            ops.with_ops_endpoints(
                with_live_streams(
                    errors.trace_asgi(answering.with_answer_endpoint(django_application))
                )
            )
        )
    )


_requests = requests_application()


async def application(scope, receive, send):
    if scope["type"] == "lifespan":
        await lifespan(scope, receive, send)
    else:
        await _requests(scope, receive, send)


async def lifespan(scope, receive, send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            install_shutdown_hook(asyncio.get_running_loop())
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await shutdown()
            await send({"type": "lifespan.shutdown.complete"})
            return


async def shutdown() -> None:
    """Close what the process holds, in order: streams and the hub first, then the threads
    that write (they finish the batch they hold before they stop)."""
    loop = asyncio.get_running_loop()
    try:
        await close_hub()
    except Exception:
        logger.exception("Closing the live hub failed")
    await answering.drain()
    await loop.run_in_executor(None, answering.close_connections)
    await loop.run_in_executor(None, django_application.close)
    await loop.run_in_executor(None, ops.close_connections)
    logger.info("Stopped cleanly")

"""Django's ASGI handler, with its views run on a few kept threads.

Django's own ASGIHandler runs each request's synchronous work in a thread made for that request
(asgiref's ThreadSensitiveContext), and Django's database connections belong to a thread: so
every request paid for a new thread and a new database connection, 6-10 ms on top of the view
(measured with bench/live_herd.py). Here the views run on `threads` threads that live as long as
the process and keep their connections, treated as at the start and end of a Django request:
on SQLite the thread keeps its connection (CONN_MAX_AGE), on PostgreSQL it goes back to the
pool, and a connection that failed is replaced. The answer endpoint does the same
(meetings/answering.py).
"""

import asyncio
import contextvars
from concurrent.futures import ThreadPoolExecutor

from django.core.handlers.asgi import ASGIHandler
from django.db import close_old_connections

from . import logs


class KeptThreadsHandler(ASGIHandler):
    def __init__(self, threads: int):
        super().__init__()
        self.load_middleware(is_async=False)  # the whole chain runs in one hop to a kept thread
        self.threads = threads
        self.executor: ThreadPoolExecutor | None = None

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            raise ValueError(f"Django can only handle ASGI/HTTP connections, not {scope['type']}.")
        # No ThreadSensitiveContext: the little synchronous work outside the view (the request
        # signals, closing the response) goes to asgiref's one kept thread, not to a new one.
        await self.handle(scope, receive, send)

    async def get_response_async(self, request):
        loop = asyncio.get_running_loop()
        if self.executor is None:
            self.executor = ThreadPoolExecutor(self.threads, thread_name_prefix="gk-django")
        # In the request's context: log lines written by the view carry its request id.
        context = contextvars.copy_context()
        return await loop.run_in_executor(self.executor, context.run, self._respond, request)

    def _respond(self, request):
        close_old_connections()
        try:
            return self.get_response(request)
        finally:
            close_old_connections()
            logs.set_route(request.scope, _route(request))

    def close(self) -> None:
        """Let the threads finish their requests and stop (a new request starts new ones)."""
        executor, self.executor = self.executor, None
        if executor is not None:
            executor.shutdown(wait=True)


def _route(request) -> str:
    """The route label of the metrics and the access log: the URL's name, a fixed word for
    static files, else "unresolved" (a 404 or a redirect made before the URL was resolved)."""
    from django.conf import settings

    match = getattr(request, "resolver_match", None)
    if match is not None:
        return match.view_name or match.route or "unnamed"
    if settings.STATIC_URL and request.path.startswith(settings.STATIC_URL):
        return "static"
    return "unresolved"


def application() -> KeptThreadsHandler:
    import django
    from django.conf import settings

    django.setup(set_prefix=False)
    return KeptThreadsHandler(settings.GK_DJANGO_THREADS)

"""Django's views run on a few kept threads that keep their database connections
(core/handler.py), instead of a new thread and connection for every request."""

import asyncio
import threading

import pytest
from django.db import connection

from gesprekskaarten.core.handler import KeptThreadsHandler
from tests.asgi import request

pytestmark = pytest.mark.django_db(transaction=True)


def get(app, path: str) -> tuple[int, bytes]:
    status, _headers, body = asyncio.run(request(app, "GET", path, {"host": "127.0.0.1"}))
    return status, body


def test_views_run_on_kept_threads_that_keep_their_database_connection():
    app = KeptThreadsHandler(threads=1)
    seen = []
    respond = app.get_response

    def spy(request):
        response = respond(request)
        seen.append((threading.current_thread().name, id(connection.connection)))
        return response

    app.get_response = spy
    try:
        for _ in range(3):
            status, body = get(app, "/kaarten/")
            assert status == 200 and b"Gesprekskaarten" in body
    finally:
        app.close()
    threads = {thread for thread, _connection in seen}
    assert len(seen) == 3 and len(threads) == 1, seen  # one kept thread
    assert seen[0][0].startswith("gk-django") and seen[0][0] != threading.current_thread().name
    if connection.vendor == "sqlite":  # it keeps its connection (PostgreSQL's pool lends one)
        assert len({kept for _thread, kept in seen}) == 1, seen


def test_a_failing_view_gets_the_error_page_and_the_thread_goes_on():
    app = KeptThreadsHandler(threads=1)
    try:
        assert get(app, "/kaarten/no-such-deck/")[0] == 404
        assert get(app, "/kaarten/")[0] == 200
    finally:
        app.close()

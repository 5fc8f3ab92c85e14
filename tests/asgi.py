"""One HTTP request through an ASGI application, in the test's own event loop: the scope a
server would build, the body once, then a wait for the disconnect that never comes."""

import asyncio


async def request(
    app,
    method: str,
    path: str,
    headers: dict | None = None,
    body: bytes = b"",
    *,
    query: bytes = b"",
    scheme: str = "http",
    client: tuple | None = ("127.0.0.1", 50000),
    server: tuple = ("127.0.0.1", 8000),
    timeout: float = 20,
) -> tuple[int, dict, bytes]:
    """(status, headers with lower-case names, body). A header whose value is None is left
    out."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": scheme,
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": query,
        "headers": [(k.encode(), v.encode()) for k, v in (headers or {}).items() if v is not None],
        "client": client,
        "server": server,
    }
    response = {"status": None, "headers": {}, "body": b""}
    received = False

    async def receive():
        nonlocal received
        if received:
            await asyncio.sleep(60)
            return {"type": "http.disconnect"}
        received = True
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message):
        if message["type"] == "http.response.start":
            response["status"] = message["status"]
            for name, value in message.get("headers", []):
                response["headers"][name.decode().lower()] = value.decode()
        elif message["type"] == "http.response.body":
            response["body"] += message.get("body", b"")

    await asyncio.wait_for(app(scope, receive, send), timeout)
    return response["status"], response["headers"], response["body"]

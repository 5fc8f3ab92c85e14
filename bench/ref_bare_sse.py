"""Reference (a), the practical limit: a bare ASGI Server-Sent Events broadcast, no Django.

GET any path: an event stream. POST any path: the request body is broadcast to every stream as
one SSE event (encoded once, the same bytes queued for every client). Run with uvicorn:
    python -m uvicorn --app-dir bench ref_bare_sse:app --lifespan off
"""

import asyncio

HEADERS = [(b"content-type", b"text/event-stream"), (b"cache-control", b"no-store")]
clients = set()
sequence = 0


class Client:
    __slots__ = ("items", "waiter")

    def __init__(self):
        self.items, self.waiter = [], None

    def push(self, data=None):
        if data is not None:
            self.items.append(data)
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_result(None)


async def app(scope, receive, send):
    global sequence
    body, more = b"", True
    while more:  # the request body (empty for a GET)
        message = await receive()
        body, more = body + message.get("body", b""), message.get("more_body", False)
    if scope["method"] == "POST":
        sequence += 1
        data = b"id: %d\nevent: bench\ndata: %s\n\n" % (sequence, body)
        for client in clients:
            client.push(data)
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})
        return
    client, loop = Client(), asyncio.get_running_loop()
    gone = asyncio.ensure_future(receive())  # the next message can only be http.disconnect
    gone.add_done_callback(lambda _: client.push())
    clients.add(client)
    try:
        await send({"type": "http.response.start", "status": 200, "headers": HEADERS})
        await send({"type": "http.response.body", "body": b"retry: 3000\n\n", "more_body": True})
        while not gone.done():
            if client.items:
                items, client.items = client.items, []
                data = items[0] if len(items) == 1 else b"".join(items)
                await send({"type": "http.response.body", "body": data, "more_body": True})
            else:
                client.waiter = loop.create_future()
                await client.waiter
    finally:
        clients.discard(client)
        gone.cancel()

"""Reference (b), the conventional Django Channels design: one WebSocket consumer per client,
joined to a group; a broadcast is one `group_send` on the InMemoryChannelLayer.

WebSocket /ws/: a consumer in the group "bench". HTTP POST (any path): the body is sent to the
group, each consumer writes it to its socket as a text frame. Run with uvicorn:
    DJANGO_SETTINGS_MODULE=ref_channels_settings \
        python -m uvicorn --app-dir bench ref_channels:application --lifespan off
"""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ref_channels_settings")

import django  # noqa: E402

django.setup()

from channels.generic.websocket import AsyncWebsocketConsumer  # noqa: E402
from channels.layers import get_channel_layer  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.urls import path  # noqa: E402

GROUP = "bench"


class BroadcastConsumer(AsyncWebsocketConsumer):
    async def connect(self):
        await self.channel_layer.group_add(GROUP, self.channel_name)
        await self.accept()

    async def disconnect(self, code):
        await self.channel_layer.group_discard(GROUP, self.channel_name)

    async def bench_event(self, event):
        await self.send(text_data=event["text"])


async def publish(scope, receive, send):
    """The trigger, kept as lean as reference (a)'s: a raw ASGI POST that calls group_send."""
    body, more = b"", True
    while more:
        message = await receive()
        body, more = body + message.get("body", b""), message.get("more_body", False)
    await get_channel_layer().group_send(GROUP, {"type": "bench.event", "text": body.decode()})
    await send({"type": "http.response.start", "status": 204, "headers": []})
    await send({"type": "http.response.body", "body": b""})


application = ProtocolTypeRouter(
    {
        "http": publish,
        "websocket": URLRouter([path("ws/", BroadcastConsumer.as_asgi())]),
    }
)

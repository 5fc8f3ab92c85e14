"""Test-only endpoints of the live test servers: publish inside the server process (as a view
does), and report the hub's state. Never part of the product."""

import json

from django.db import transaction
from django.http import JsonResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from gesprekskaarten.live import services
from gesprekskaarten.live.hub import current_hub


@csrf_exempt
def publish(request):
    """POST {"channel", "type", "payloads", "count"}: publish like a view in this process."""
    body = json.loads(request.body)
    seqs = []
    for number in range(1, body.get("count", 1) + 1):
        payloads = {
            audience: data.replace("{n}", str(number))
            for audience, data in body["payloads"].items()
        }
        with transaction.atomic():
            seqs.append(services.publish(body["channel"], body["type"], payloads).seq)
    return JsonResponse({"seqs": seqs})


def stats(request):
    """The channels this process follows, with their subscriber count and delivered seq."""
    hub = current_hub()
    channels = {}
    if hub is not None:
        for name, state in list(hub.channels.items()):
            subscribers = sum(len(items) for items in list(state.audiences.values()))
            channels[name] = {"subscribers": subscribers, "delivered": state.delivered}
    return JsonResponse({"channels": channels, "fetches": hub.fetches if hub else 0})


urlpatterns = [
    path("live-test/publish/", publish),
    path("live-test/stats/", stats),
]

"""Fixed-window rate limits on the cache, for places where guessing or flooding is possible."""

import functools
import hashlib
import time

from django.conf import settings
from django.core.cache import cache
from django.shortcuts import render


def client_address(request) -> str:
    # Behind a proxy, uvicorn's --proxy-headers already puts the client in REMOTE_ADDR.
    return request.META.get("REMOTE_ADDR", "unknown")


def _cache_key(scope: str, key: str, window: int) -> str:
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]
    return f"rl:{scope}:{digest}:{int(time.time() // window)}"


def hit(scope: str, key: str, window: int = 60) -> int:
    """Count one hit for (scope, key) in the current window; returns the count so far."""
    cache_key = _cache_key(scope, key, window)
    if cache.add(cache_key, 1, timeout=window + 1):
        return 1
    try:
        return cache.incr(cache_key)
    except ValueError:  # expired between add and incr
        cache.add(cache_key, 1, timeout=window + 1)
        return 1


def hits(scope: str, key: str, window: int = 60) -> int:
    return cache.get(_cache_key(scope, key, window), 0)


def too_many(request):
    response = render(request, "core/too_many_requests.html", status=429)
    response["Retry-After"] = "60"
    return response


def limit_posts(scope: str, limit_setting: str, key=client_address, window: int = 60):
    """Refuse POSTs beyond the configured number per window with a friendly 429 page."""

    def decorator(view):
        @functools.wraps(view)
        def wrapped(request, *args, **kwargs):
            limit = getattr(settings, limit_setting)
            if request.method == "POST" and hit(scope, key(request), window) > limit:
                return too_many(request)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator

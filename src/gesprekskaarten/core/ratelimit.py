"""Rate limits: every limit of the product, in one place, with one API.

A limit counts hits per key (an address, an account, a participant) in fixed windows:

    if WRONG_CODES.hit(address) > WRONG_CODES.allowed: ...     # count, then compare
    if LOGIN_FAILURES.reached(username): ...                     # compare without counting

Counters live in a store that junk cannot empty: with `GK_CACHE_URL` (Redis, several
processes) in Redis, which evicts nothing as Debian installs it (docs/operations.md); otherwise
in this process's memory (`MemoryCounters`), where a counter lives until its window ends and is
never pushed out by other keys. Callers count only what they have checked cheaply first (a real
participant, a code that is not a gesprek's), so made-up values do not create counters.
What each limit protects, with the numbers: docs/security.md.
"""

import functools
import hashlib
import ipaddress
import threading
import time
from dataclasses import dataclass

from django.conf import settings
from django.shortcuts import render


@dataclass(frozen=True)
class Limit:
    scope: str
    setting: str  # the name of the setting that holds how many hits a window allows
    window: int = 60  # seconds

    @property
    def allowed(self) -> int:
        return getattr(settings, self.setting)

    def hit(self, key) -> int:
        """Count one hit for `key` in the current window; returns the count so far."""
        # A counter is kept until its window ends (the next window has keys of its own).
        return store().incr(self._key(key), self.seconds_left(), self._key("overflow"))

    def count(self, key) -> int:
        return store().get(self._key(key), self._key("overflow"))

    def reached(self, key) -> bool:
        """True when `key` used up this window: the next hit would be over the limit."""
        return self.count(key) >= self.allowed

    def seconds_left(self) -> int:
        return self.window - int(time.time()) % self.window

    def _key(self, key) -> str:
        digest = hashlib.sha256(str(key).encode("utf-8")).hexdigest()[:32]
        return f"rl:{self.scope}:{digest}:{int(time.time() // self.window)}"


# Every limit the product has. The numbers are settings (GK_RATE_*, README and operations.md).
WRONG_CODES = Limit("wrong-code", "GK_RATE_WRONG_CODES_PER_MINUTE")  # per address
WRONG_CODES_TOTAL = Limit("wrong-code-total", "GK_RATE_WRONG_CODES_TOTAL_PER_MINUTE")  # all
CODES_WHILE_LIMITED = Limit("code-limited", "GK_RATE_CODES_WHILE_LIMITED_PER_MINUTE")
LOGINS = Limit("login", "GK_RATE_LOGIN_PER_MINUTE")  # per address
LOGIN_FAILURES = Limit("login-account", "GK_RATE_LOGIN_FAILURES_PER_ACCOUNT", 15 * 60)
# Wrong second-factor codes per account (its id), from any address (accounts/views.py).
SECOND_FACTOR_FAILURES = Limit(
    "second-factor", "GK_RATE_SECOND_FACTOR_FAILURES_PER_ACCOUNT", LOGIN_FAILURES.window
)
ANSWERS = Limit("answer", "GK_RATE_ANSWER_PER_MINUTE")  # per participant
NOTES = Limit("note", "GK_RATE_ANSWER_PER_MINUTE")  # per participant
VOTES = Limit("vote", "GK_RATE_ANSWER_PER_MINUTE")  # per participant
INVITATION_LINKS = Limit("invitation", "GK_RATE_INVITATION_PER_MINUTE")  # per address
# Password reset mails asked for, per hour: per e-mail address and per client address.
PASSWORD_RESETS = Limit("reset-email", "GK_RATE_PASSWORD_RESETS_PER_EMAIL", 3600)
PASSWORD_RESETS_FROM = Limit("reset-address", "GK_RATE_PASSWORD_RESETS_PER_ADDRESS", 3600)


def client_address(request) -> str:
    """The address a per-address limit counts. Behind nginx, uvicorn puts the client's address
    in REMOTE_ADDR (docs/operations.md). An IPv6 address counts as its /64 network: one
    connection usually has a whole /64 to pick addresses from."""
    address = request.META.get("REMOTE_ADDR", "") or "unknown"
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address
    if parsed.version == 4:
        return str(parsed)
    if parsed.ipv4_mapped is not None:
        return str(parsed.ipv4_mapped)
    return str(ipaddress.ip_network(f"{parsed}/64", strict=False))


def account_key(username) -> str:
    return str(username or "").strip().casefold()[:150]


# -- pages -----------------------------------------------------------------------------------


def too_many(request, retry_after: int = 60):
    response = render(request, "core/too_many_requests.html", status=429)
    response["Retry-After"] = str(retry_after)
    return response


def login_paused(request):
    minutes = -(-LOGIN_FAILURES.seconds_left() // 60)
    response = render(request, "core/login_paused.html", {"minutes": minutes}, status=429)
    response["Retry-After"] = str(LOGIN_FAILURES.seconds_left())
    return response


# -- decorators ------------------------------------------------------------------------------


def limit_posts(limit: Limit, key):
    """Refuse POSTs beyond `limit` for `key(request)` with a friendly 429 page. `key` returns
    None when there is nothing real to count (the view itself refuses the request then)."""

    def decorator(view):
        @functools.wraps(view)
        def wrapped(request, *args, **kwargs):
            if request.method == "POST":
                counted = key(request)
                if counted is not None and limit.hit(counted) > limit.allowed:
                    return too_many(request)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def login_limited(view):
    """A login view (/inloggen/, /beheer/login/) behind the login limits: attempts per address,
    and wrong passwords per account from any address (counted by `count_login_failure`). An
    account that reached its limit takes no logins at all until the window ends, not even
    with the right password, and the page says so."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        if request.method == "POST":
            if LOGINS.hit(client_address(request)) > LOGINS.allowed:
                return too_many(request)
            if LOGIN_FAILURES.reached(account_key(request.POST.get("username"))):
                return login_paused(request)
        return view(request, *args, **kwargs)

    return wrapped


def count_login_failure(sender, credentials=None, request=None, **kwargs):
    """Receiver of Django's `user_login_failed`: a wrong password counts for the account,
    whichever door it came through. Unknown user names count as well, so the limit does not
    tell which accounts exist."""
    LOGIN_FAILURES.hit(account_key((credentials or {}).get("username")))


# -- the stores ------------------------------------------------------------------------------


class MemoryCounters:
    """Counters in this process's memory. A counter is dropped only when its window has ended,
    never to make room: junk cannot push a blocked address's counter out. At most `max_keys`
    counters are kept; when that many are live, new keys of a scope share one overflow counter,
    so they are limited together rather than not at all."""

    sweep_every = 1.0  # seconds: when full, look for ended windows at most this often

    def __init__(self, max_keys: int):
        self.max_keys = max_keys
        self._lock = threading.Lock()
        self._counters: dict[str, list] = {}  # key: [count, monotonic end of its window]
        self._overflow: dict[str, list] = {}
        self._swept_at = 0.0

    def incr(self, key: str, ttl: int, overflow_key: str) -> int:
        now = time.monotonic()
        with self._lock:
            counter = self._live(self._counters, key, now)
            if counter is None:
                if len(self._counters) >= self.max_keys:
                    self._sweep(now)
                if len(self._counters) >= self.max_keys:
                    counter = self._live(self._overflow, overflow_key, now)
                    if counter is None:
                        self._overflow = {k: v for k, v in self._overflow.items() if v[1] > now}
                        counter = self._overflow[overflow_key] = [0, now + ttl]
                else:
                    counter = self._counters[key] = [0, now + ttl]
            counter[0] += 1
            return counter[0]

    def get(self, key: str, overflow_key: str) -> int:
        now = time.monotonic()
        with self._lock:
            counter = self._live(self._counters, key, now)
            if counter is None and len(self._counters) >= self.max_keys:
                counter = self._live(self._overflow, overflow_key, now)
            return counter[0] if counter else 0

    def clear(self) -> None:
        with self._lock:
            self._counters.clear()
            self._overflow.clear()

    @staticmethod
    def _live(counters: dict, key: str, now: float):
        counter = counters.get(key)
        if counter is not None and counter[1] <= now:
            del counters[key]
            return None
        return counter

    def _sweep(self, now: float) -> None:
        if now - self._swept_at < self.sweep_every:
            return
        self._swept_at = now
        self._counters = {k: v for k, v in self._counters.items() if v[1] > now}


class CacheCounters:
    """Counters in Django's default cache, when that is Redis (GK_CACHE_URL): shared by every
    process; Redis with its default `maxmemory-policy noeviction` drops nothing before its
    time. The overflow key is not needed: Redis has no limit of its own here."""

    def incr(self, key: str, ttl: int, overflow_key: str) -> int:
        from django.core.cache import cache

        if cache.add(key, 1, timeout=ttl + 1):
            return 1
        try:
            return cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.add(key, 1, timeout=ttl + 1)
            return 1

    def get(self, key: str, overflow_key: str) -> int:
        from django.core.cache import cache

        return cache.get(key, 0)

    def clear(self) -> None:
        from django.core.cache import cache

        cache.clear()


_memory: MemoryCounters | None = None


def store() -> "MemoryCounters | CacheCounters":
    global _memory
    if settings.CACHES["default"]["BACKEND"].endswith("RedisCache"):
        return CacheCounters()
    if _memory is None or _memory.max_keys != settings.GK_RATE_MAX_KEYS:
        _memory = MemoryCounters(settings.GK_RATE_MAX_KEYS)
    return _memory


def reset() -> None:
    """Forget every counter (tests)."""
    store().clear()

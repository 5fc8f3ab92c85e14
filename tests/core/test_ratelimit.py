"""Rate limits that an attacker cannot reset, dodge or turn against others (issue 13).

Each test first does what the attacker did, then checks that the door stays shut and that
people who did nothing wrong still get in."""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from gesprekskaarten.core import ratelimit
from gesprekskaarten.meetings import answering
from tests.factories import make_facilitator, make_gesprek
from tests.live.conftest import redis_server  # noqa: F401  (a fixture)

# whole_window (tests/conftest.py): a test's hits all fall in one window of the limits.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("whole_window")]

WRONG = "ACDEFGHJKM"  # well-formed, but no gesprek has it
PASSWORD = "a-Long-pass-123"  # tests/factories.py


def at(address: str) -> Client:
    """A browser at `address`."""
    return Client(REMOTE_ADDR=address)


def try_code(client, code=WRONG) -> int:
    return client.post(reverse("meetings:join_start"), {"code": code}).status_code


def log_in(client, username, password, path="/inloggen/"):
    return client.post(path, {"username": username, "password": password})


# -- 1. counters cannot be pushed out --------------------------------------------------------


def test_flooding_with_made_up_participants_leaves_blocked_addresses_blocked(settings):
    settings.GK_RATE_WRONG_CODES_PER_MINUTE = 3
    guesser, login_guesser = at("203.0.113.7"), at("203.0.113.8")
    assert [try_code(guesser) for _ in range(4)] == [200, 200, 200, 429]
    for _ in range(settings.GK_RATE_LOGIN_PER_MINUTE):
        log_in(login_guesser, "nobody", "wrong")
    assert log_in(login_guesser, "nobody", "wrong").status_code == 429

    # 350 answers, notes and ballots with made-up participant cookies, each refused.
    gesprek = make_gesprek(step="marking")
    cookie = answering.cookie_name(gesprek.join_code)
    flood = Client()
    for number in range(350):
        flood.cookies[cookie] = f"made-up-{number}"
        path = ("answer", "note_add", "ballot")[number % 3]
        data = {"behaviour": "1", "choice": "missing", "text": "x"}
        response = flood.post(reverse(f"meetings:{path}", args=[gesprek.join_code]), data)
        assert response.status_code in (302, 403)

    assert try_code(guesser) == 429
    assert log_in(login_guesser, "nobody", "wrong").status_code == 429


def test_counters_in_redis_hold_and_are_shared(settings, redis_server):  # noqa: F811
    """With GK_CACHE_URL the counters are in Redis: the same flood leaves them in place, and
    another process (here: a second store object) sees the same counts."""
    url = redis_server.url.rsplit("/", 1)[0] + "/1"
    settings.CACHES = {
        "default": {"BACKEND": "gesprekskaarten.core.cache.ResilientRedisCache", "LOCATION": url}
    }
    settings.GK_RATE_WRONG_CODES_PER_MINUTE = 3
    assert isinstance(ratelimit.store(), ratelimit.CacheCounters)
    try:
        guesser = at("203.0.113.7")
        assert [try_code(guesser) for _ in range(4)] == [200, 200, 200, 429]
        gesprek = make_gesprek(step="marking")
        cookie = answering.cookie_name(gesprek.join_code)
        flood = Client()
        for number in range(350):
            flood.cookies[cookie] = f"made-up-{number}"
            answer = {"behaviour": "1", "choice": "missing"}
            flood.post(reverse("meetings:answer", args=[gesprek.join_code]), answer)
        assert try_code(guesser) == 429
        assert ratelimit.WRONG_CODES.count("203.0.113.7") == 5  # every wrong code counts
    finally:
        ratelimit.reset()


def test_made_up_participants_create_no_counters():
    gesprek = make_gesprek(step="marking")
    cookie = answering.cookie_name(gesprek.join_code)
    flood = Client()
    for number in range(20):
        flood.cookies[cookie] = f"made-up-{number}"
        answer = {"behaviour": "1", "choice": "missing"}
        flood.post(reverse("meetings:answer", args=[gesprek.join_code]), answer)
        flood.post(reverse("meetings:note_add", args=[gesprek.join_code]), {"text": "x"})
    assert ratelimit.store()._counters == {}


def test_a_full_store_drops_no_counter_and_limits_newcomers_together(settings):
    settings.GK_RATE_WRONG_CODES_PER_MINUTE = 3
    settings.GK_RATE_WRONG_CODES_TOTAL_PER_MINUTE = 10_000
    settings.GK_RATE_MAX_KEYS = 20
    guesser = at("203.0.113.7")
    assert [try_code(guesser) for _ in range(4)] == [200, 200, 200, 429]
    # Wrong codes from many addresses fill the store (two counters each: the address's own and
    # the total); later addresses share one counter, the guesser's stays.
    statuses = [try_code(at(f"198.51.100.{number}")) for number in range(1, 40)]
    assert try_code(guesser) == 429
    assert statuses.count(429) > 0  # the newcomers together were limited, not let through
    assert len(ratelimit.store()._counters) == 20


def test_memory_counters_forget_only_ended_windows(monkeypatch):
    clock = [1000.0]
    monkeypatch.setattr(ratelimit.time, "monotonic", lambda: clock[0])
    counters = ratelimit.MemoryCounters(max_keys=2)
    assert [counters.incr(key, 60, "overflow") for key in "aab"] == [1, 2, 1]
    # Full: nothing is pushed out; newcomers share the overflow counter.
    assert [counters.incr(key, 60, "overflow") for key in "cd"] == [1, 2]
    assert counters.get("a", "overflow") == 2
    assert counters.get("c", "overflow") == 2  # counted together with d
    clock[0] += 61  # the windows have ended: now, and only now, they make room
    assert counters.incr("c", 60, "overflow") == 1
    assert counters.get("a", "overflow") == 0


@pytest.mark.parametrize(
    ("address", "counted"),
    [
        ("2001:db8:1:2::1", "2001:db8:1:2::/64"),
        ("2001:db8:1:2:ffff::9", "2001:db8:1:2::/64"),
        ("::ffff:192.0.2.1", "192.0.2.1"),
        ("192.0.2.1", "192.0.2.1"),
        ("", "unknown"),
    ],
)
def test_ipv6_addresses_count_per_network(rf, address, counted):
    assert ratelimit.client_address(rf.get("/", REMOTE_ADDR=address)) == counted


# -- 3. wrong codes never lock out a right one ----------------------------------------------


def test_a_flood_of_wrong_codes_from_elsewhere_does_not_stop_a_valid_join(settings):
    settings.GK_RATE_WRONG_CODES_TOTAL_PER_MINUTE = 30
    for number in range(1, 4):  # 10 wrong codes from each of 3 addresses fill the global cap
        attacker = at(f"198.51.100.{number}")
        assert {try_code(attacker) for _ in range(10)} == {200}
    gesprek = make_gesprek()
    join_url = reverse("meetings:join", args=[gesprek.join_code])
    # A room of 40 behind one address that did nothing wrong: everyone gets in.
    for _person in range(40):
        person = at("192.0.2.44")
        assert try_code(person, gesprek.display_code) == 302
        assert person.get(join_url).status_code == 200
        assert person.post(join_url).status_code == 302
    assert gesprek.participants.count() == 40
    # While the cap is full, an address is limited from its first wrong code on...
    newcomer = at("192.0.2.45")
    assert [try_code(newcomer) for _ in range(2)] == [200, 429]
    # ...and still gets in with the right code.
    assert try_code(newcomer, gesprek.join_code) == 302


def test_a_room_behind_one_address_joins_after_ten_typos():
    office = "192.0.2.10"
    assert [try_code(at(office)) for _ in range(11)] == [200] * 10 + [429]
    gesprek = make_gesprek()
    join_url = reverse("meetings:join", args=[gesprek.join_code])
    for _colleague in range(5):
        colleague = at(office)
        assert try_code(colleague, gesprek.join_code) == 302
        assert colleague.post(join_url).status_code == 302
    assert gesprek.participants.count() == 5


def test_an_address_over_the_limit_cannot_guess_on_unbounded(settings):
    settings.GK_RATE_CODES_WHILE_LIMITED_PER_MINUTE = 5
    guesser = at("203.0.113.9")
    statuses = [try_code(guesser) for _ in range(20)]
    assert statuses == [200] * 10 + [429] * 10
    # Over the limit the address had 5 look-ups; the rest were refused before any look-up,
    # so even the right code waits for the next minute now.
    gesprek = make_gesprek()
    assert try_code(guesser, gesprek.join_code) == 429


# -- 4 and 5. logins: the admin's door, and per account --------------------------------------


def test_guessing_passwords_at_the_admin_login_gets_429(settings):
    get_user_model().objects.create_superuser("beheerder", password=PASSWORD)
    guesser = at("203.0.113.20")
    statuses = [
        log_in(guesser, "beheerder", f"guess-{n}", "/beheer/login/").status_code
        for n in range(settings.GK_RATE_LOGIN_PER_MINUTE + 1)
    ]
    assert statuses[:-1] == [200] * settings.GK_RATE_LOGIN_PER_MINUTE
    assert statuses[-1] == 429


def test_guessing_one_account_from_many_addresses_is_refused(settings):
    user, _team = make_facilitator()
    for number in range(settings.GK_RATE_LOGIN_FAILURES_PER_ACCOUNT):
        door = "/beheer/login/" if number % 2 else "/inloggen/"  # both doors count
        response = log_in(at(f"198.51.100.{number + 1}"), user.username, f"guess-{number}", door)
        assert response.status_code == 200
    # Now even the right password from a fresh address is refused, and the owner is told why.
    owner = at("192.0.2.1")
    response = log_in(owner, user.username, PASSWORD)
    assert response.status_code == 429
    assert "_auth_user_id" not in owner.session
    html = response.content.decode()
    assert '<html lang="nl"' in html
    assert "Inloggen op dit account staat even stil" in html
    assert int(response["Retry-After"]) <= 15 * 60
    # Another account is not affected.
    other, _team = make_facilitator()
    assert log_in(owner, other.username, PASSWORD).status_code == 302


def test_the_account_limit_message_in_english(settings):
    settings.GK_RATE_LOGIN_FAILURES_PER_ACCOUNT = 1
    user, _team = make_facilitator()
    log_in(at("198.51.100.1"), user.username, "wrong")
    owner = at("192.0.2.1")
    owner.cookies["gk_language"] = "en"
    response = log_in(owner, user.username.upper(), PASSWORD)  # the same account, any case
    assert response.status_code == 429
    assert "Logging in to this account is paused" in response.content.decode()


def test_unknown_user_names_are_limited_the_same_way(settings):
    settings.GK_RATE_LOGIN_FAILURES_PER_ACCOUNT = 2
    for number in range(2):
        assert log_in(at(f"198.51.100.{number}"), "nobody", "wrong").status_code == 200
    assert log_in(at("198.51.100.9"), "nobody", "wrong").status_code == 429

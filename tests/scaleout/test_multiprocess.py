"""A gesprek on two app processes behind nginx, on PostgreSQL and Redis, through a crash of one
process (kill -9) and a Redis restart. Exact numbers, not "no error":

- participants whose streams run through different processes all receive every event, exactly
  once and in order (compared with the event log in the database);
- after kill -9 of one process, its streams reconnect through nginx to the survivor with
  Last-Event-ID and catch up; every answer that was acknowledged ({"saved": true}) is in the
  database with its last acknowledged value; the results the facilitator sees are exact;
- while Redis is down, joining and answering still work without a single error; the live
  updates arrive later, and once Redis is back every process subscribes again by itself.
"""

import hashlib
import json
import re
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import httpx
import psycopg
import pytest

from .conftest import Person, Stream, upstream_of, wait_for

pytestmark = pytest.mark.e2e

FIRST = 8  # participants from the start
LATER = 2  # participants who join while Redis is down
CHOICES = ["recognised", "missing", "unsure"]
FAST = 2.0  # seconds: an event announced through Redis arrives well within this (heartbeat 10)
# Events written while Redis is down reach streams on the other process at its next heartbeat
# poll, or right after its Redis subscriber is back (resync), whichever comes first.
CATCH_UP = 15
SUBSCRIBED = "Redis broker subscriber connected"


class Participant(Person):
    def __init__(self, base_url: str, number: int):
        super().__init__(base_url)
        self.number = number
        self.acknowledged: dict[int, tuple[str, bool]] = {}
        self.retries = 0

    def join(self, code: str) -> str:
        self.get(f"/doe-mee/{code}/")
        response = self.post(f"/doe-mee/{code}/", {})
        assert response.status_code == 200 and response.url.path == f"/g/{code}/", response.url
        self.token = self.http.cookies[f"gk_p_{code}"]
        return response.text

    def answer(self, code: str, behaviour: int, choice: str, discuss: bool, retry: bool):
        """Post one answer until it is acknowledged. A 502 or a broken connection (the process
        died) is not an acknowledgement: try again, as the page's script lets the person do."""
        data = {"behaviour": str(behaviour), "choice": choice}
        if discuss:
            data["discuss"] = "on"
        for _attempt in range(100):
            try:
                response = self.post(f"/g/{code}/antwoord/", data)
            except httpx.TransportError as error:
                failure = repr(error)
            else:
                if response.status_code == 200 and response.json() == {"saved": True}:
                    self.acknowledged[behaviour] = (choice, discuss)
                    return
                failure = f"{response.status_code}: {response.text[:300]}"
                assert response.status_code in (502, 503, 504), failure
            assert retry, f"participant {self.number}: an answer failed: {failure}"
            self.retries += 1
            time.sleep(0.1)
        raise AssertionError(f"participant {self.number}: no answer acknowledged: {failure}")


def first_choice(person: int, index: int) -> tuple[str, bool]:
    return CHOICES[(person * 7 + index * 3) % 3], (person + index) % 4 == 0


class Gesprek:
    """What the test reads straight from PostgreSQL."""

    def __init__(self, dsn: str, code: str):
        self.connection = psycopg.connect(dsn, autocommit=True)
        self.id = self.value("SELECT id FROM meetings_gesprek WHERE join_code = %s", code)
        self.channel = f"gesprek:{self.id}"

    def value(self, query: str, *params):
        return self.connection.execute(query, params).fetchone()[0]

    def last_seq(self) -> int:
        return self.value("SELECT last_seq FROM live_channel WHERE name = %s", self.channel)

    def events(self, audience: str, after: int) -> list[tuple[int, str, str]]:
        rows = self.connection.execute(
            "SELECT seq, type, payloads FROM live_event WHERE channel = %s AND seq > %s "
            "ORDER BY seq",
            (self.channel, after),
        ).fetchall()
        return [(seq, kind, payloads[audience]) for seq, kind, payloads in rows]

    def answers_of(self, token: str) -> dict[int, tuple[str, bool]]:
        rows = self.connection.execute(
            "SELECT a.behaviour_id, a.choice, a.discuss FROM meetings_answer a "
            "JOIN meetings_participant p ON p.id = a.participant_id WHERE p.token_hash = %s",
            (hashlib.sha256(token.encode()).hexdigest(),),
        ).fetchall()
        return {behaviour: (choice, discuss) for behaviour, choice, discuss in rows}

    def answer_count(self) -> int:
        return self.value(
            "SELECT count(*) FROM meetings_answer a JOIN meetings_participant p "
            "ON p.id = a.participant_id WHERE p.gesprek_id = %s",
            self.id,
        )


def start_id(stream: Stream) -> int:
    return int(re.search(r"last_event_id=(\d+)", stream.url).group(1))


def assert_exact(stream: Stream, gesprek: Gesprek, audience: str):
    """The stream received exactly the events after its start, once each, in order."""
    received = [(event.id, event.type, event.data) for event in stream.parser.events]
    assert received == gesprek.events(audience, start_id(stream)), stream.name


def test_two_processes_behind_nginx_survive_kill_and_redis_restart(cluster):
    began = time.monotonic()
    a, b = cluster.apps
    streams: dict[str, Stream] = {}
    people: list[Participant] = []
    audiences: dict[str, str] = {}
    facilitator = Person(cluster.url)
    gesprek = None
    try:
        # -- the facilitator logs in and starts a gesprek: one card, behaviours for everyone -
        facilitator.get("/inloggen/")
        response = facilitator.post(
            "/inloggen/", {"username": cluster.username, "password": cluster.password}
        )
        assert response.status_code == 200 and response.url.path == "/begeleiden/"
        form = facilitator.get("/begeleiden/nieuw/")
        response = facilitator.post(
            "/begeleiden/nieuw/",
            {
                "team": re.search(r'name="team"[^>]*>\s*<option value="(\d+)"', form).group(1),
                "title": "Schaaltest",
                "principles": re.search(r'name="principles" value="(\d+)"', form).group(1),
                "audience": "everyone",
                "threshold": "3",
            },
        )
        control = response.url.path
        assert response.status_code == 200 and re.fullmatch(r"/begeleiden/[0-9a-f-]{36}/", control)
        control_page = response.text
        code = re.search(r"/doe-mee/([A-Z0-9]{10})/", control_page).group(1)
        gesprek = Gesprek(cluster.postgres.dsn(), code)
        streams["facilitator"] = facilitator.open_stream(control_page, "facilitator")
        audiences["facilitator"] = "facilitator"

        def change_step(step: str) -> str:
            """The facilitator's button; returns the process that handled it."""
            response = facilitator.post(control + "stap/", {"step": step})
            assert response.status_code == 200 and response.history, response.status_code
            return upstream_of(response.history[0])

        def all_streams_reach(seq: int, timeout: float):
            for stream in streams.values():
                stream.wait_for_id(seq, timeout)

        # -- FIRST participants join; nginx spreads their streams over both processes ---------
        for number in range(FIRST):
            person = Participant(cluster.url, number)
            people.append(person)
            name = f"participant-{number}"
            streams[name] = person.open_stream(person.join(code), name)
            audiences[name] = "participant-nl"  # the language of the page
        spread = Counter(stream.upstream for stream in streams.values())
        assert set(spread) == {a.address, b.address}, spread
        assert min(spread.values()) >= 3, spread
        assert gesprek.last_seq() == FIRST  # one progress event per join

        # -- marking starts: every stream, on either process, gets it at once ---------------
        posted = time.monotonic()
        change_step("marking")
        assert gesprek.last_seq() == FIRST + 1
        all_streams_reach(FIRST + 1, FAST)
        for name, stream in streams.items():
            event = stream.parser.events[-1]
            assert (event.id, event.type) == (FIRST + 1, "step"), name
            if audiences[name] == "facilitator":
                assert '"step":"marking"' in event.data
            else:  # the new screen itself, rendered once for every phone
                assert "Markeer het gedrag" in json.loads(event.data)["main"]
            assert stream.arrived[-1] - posted < FAST, name

        # The behaviours to mark: from the card pages, as the browser finds them.
        overview = people[0].get(f"/g/{code}/")
        cards = re.findall(rf'href="(/g/{code}/kaart/[^"/]+/)"', overview)
        assert cards
        behaviours: list[tuple[int, str]] = []
        for card in cards:
            page = people[0].get(card)
            behaviours += [
                (int(behaviour), text.strip())
                for behaviour, text in re.findall(
                    r'data-behaviour="(\d+)"[^>]*>\s*<legend class="gk-mark__text">(.*?)</legend>',
                    page,
                    re.S,
                )
            ]
        ids = [behaviour for behaviour, _ in behaviours]
        assert len(ids) >= 4 and len(set(ids)) == len(ids)
        assert len({text for _, text in behaviours}) == len(behaviours)

        # -- everyone marks at once; halfway, kill -9 the process with streams on it --------
        victim, survivor = a, b
        on_victim = [name for name, stream in streams.items() if stream.upstream == victim.address]
        total = FIRST * len(ids)
        acknowledged = 0
        lock = threading.Lock()

        def mark_everything(person: Participant):
            nonlocal acknowledged
            for index, behaviour in enumerate(ids):
                person.answer(code, behaviour, *first_choice(person.number, index), retry=True)
                with lock:
                    acknowledged += 1

        with ThreadPoolExecutor(FIRST) as pool:
            running = [pool.submit(mark_everything, person) for person in people]
            wait_for(lambda: acknowledged >= total // 2 or any(f.done() for f in running), 30,
                     "half of the answers")  # fmt: skip
            victim.kill()
            acknowledged_at_kill = acknowledged
            for future in running:
                future.result()
        assert 0 < acknowledged_at_kill < total
        assert acknowledged == total

        # The victim's streams came back through nginx, on the survivor, with Last-Event-ID.
        for name in on_victim:
            stream = streams[name]
            stream.wait(lambda s=stream: s.connections[-1]["upstream"] == survivor.address, 10)
            assert len(stream.connections) >= 2, name
            assert stream.connections[-1]["sent"] is not None, name
        # One progress event per participant who finished: FIRST joins, 1 step, FIRST done.
        assert gesprek.last_seq() == 2 * FIRST + 1
        all_streams_reach(2 * FIRST + 1, 15)
        for name, stream in streams.items():
            assert_exact(stream, gesprek, audiences[name])
        done = streams["facilitator"].parser.events[-1]
        assert done.type == "progress" and f'"done":{FIRST},"total":{FIRST}' in done.data

        # -- systemd would start the victim again ---------------------------------------------
        before_restart = victim.log().count(SUBSCRIBED)
        victim.start()
        victim.wait_ready()
        # A stream straight on each process (past nginx), to see events cross between them.
        control_page = facilitator.get(control)
        for app in cluster.apps:
            name = f"direct-{app.name}"
            path = facilitator.stream_path(control_page)
            streams[name] = Stream(f"http://{app.address}{path}", name)
            audiences[name] = "facilitator"
        wait_for(lambda: victim.log().count(SUBSCRIBED) > before_restart, 10, "a subscriber")
        subscribed = {app.name: app.log().count(SUBSCRIBED) for app in cluster.apps}

        # -- Redis goes away in the middle of the gesprek ------------------------------------
        cluster.redis.stop()
        outage = time.monotonic()
        for number in range(FIRST, FIRST + LATER):
            person = Participant(cluster.url, number)
            people.append(person)
            name = f"participant-{number}"
            streams[name] = person.open_stream(person.join(code), name)
            audiences[name] = "participant-nl"  # the language of the page
            for index, behaviour in enumerate(ids):
                person.answer(code, behaviour, *first_choice(number, index), retry=False)
        for person in people[:FIRST]:  # some change their minds; no error, no retry
            for index in (0, len(ids) - 1):
                choice, discuss = person.acknowledged[ids[index]]
                new = CHOICES[(CHOICES.index(choice) + 1) % 3]
                person.answer(code, ids[index], new, not discuss, retry=False)
        during_outage = 2 * FIRST + 1 + 2 * LATER  # a join and a "done" per new participant
        assert gesprek.last_seq() == during_outage

        # -- Redis comes back: every process subscribes again by itself, streams catch up ------
        cluster.redis.start()
        for app in cluster.apps:
            wait_for(
                lambda app=app: app.log().count(SUBSCRIBED) > subscribed[app.name],
                15,
                f"app {app.name} to subscribe to Redis again",
            )
        all_streams_reach(during_outage, CATCH_UP)
        recovered = time.monotonic() - outage

        # Redis carries events between the processes again: the direct stream on the process
        # that did not handle the step gets it at once, not at the next heartbeat poll.
        posted = time.monotonic()
        handled_by = change_step("results")
        final_seq = during_outage + 1
        assert gesprek.last_seq() == final_seq
        all_streams_reach(final_seq, FAST)
        other = next(app for app in cluster.apps if app.address != handled_by)
        assert streams[f"direct-{other.name}"].arrived[-1] - posted < FAST
        for name, stream in streams.items():
            assert_exact(stream, gesprek, audiences[name])
            assert stream.parser.events[-1].type == "step", name

        # -- no acknowledged answer was lost: the database and the results are exact ----------
        assert gesprek.answer_count() == len(people) * len(ids)
        for person in people:
            assert gesprek.answers_of(person.token) == person.acknowledged, person.number
        expected = {
            behaviour: Counter({"recognised": 0, "missing": 0, "unsure": 0, "discuss": 0})
            for behaviour in ids
        }
        for person in people:
            for behaviour, (choice, discuss) in person.acknowledged.items():
                expected[behaviour][choice] += 1
                expected[behaviour]["discuss"] += int(discuss)
        results = facilitator.get(control)
        shown = {}
        text_to_id = {text: behaviour for behaviour, text in behaviours}
        for text, block in re.findall(
            r'<li class="gk-result">\s*<p class="gk-result__text">(.*?)'
            r'(?: <span class="gk-tag">[^<]*</span>)?</p>(.*?)</li>',
            results,
            re.S,
        ):
            numbers = [int(n) for n in re.findall(r"<dd>(\d+)</dd>", block)]
            shown[text_to_id[text.strip()]] = dict(
                zip(["recognised", "missing", "unsure", "discuss"], numbers, strict=True)
            )
        assert shown == {behaviour: dict(counts) for behaviour, counts in expected.items()}
        assert sum(c["recognised"] + c["missing"] + c["unsure"] for c in shown.values()) == len(
            people
        ) * len(ids)

        print(
            f"\n{len(people)} participants, {len(ids)} behaviours, {final_seq} events; "
            f"kill -9 after {acknowledged_at_kill}/{total} answers, "
            f"{sum(p.retries for p in people)} answers retried, "
            f"{len(on_victim)} streams moved to the survivor; Redis outage and recovery "
            f"{recovered:.1f} s; set-up {cluster.setup} s, test {time.monotonic() - began:.1f} s"
        )
    finally:
        for stream in streams.values():
            stream.close()
        for person in [facilitator, *people]:
            person.close()
        if gesprek is not None:
            gesprek.connection.close()

"""Live events of a gesprek. Payloads are small and language-neutral (numbers, step names):
each page carries its own texts, so one payload per audience serves every language."""

import json

from gesprekskaarten.live import services as live

from . import services

PARTICIPANT = "participant"
FACILITATOR = "facilitator"


def _publish(gesprek, event_type: str, participant: dict | None, facilitator: dict | None):
    payloads = {}
    if participant is not None:
        payloads[PARTICIPANT] = json.dumps(participant, separators=(",", ":"))
    if facilitator is not None:
        payloads[FACILITATOR] = json.dumps(facilitator, separators=(",", ":"))
    live.publish(gesprek.channel, event_type, payloads)


def step_changed(gesprek):
    data = {"step": gesprek.step}
    _publish(gesprek, "step", data, data)


def progress_changed(gesprek):
    done, total = _counted_progress(gesprek)
    data = {"done": done, "total": total}
    _publish(gesprek, "progress", data, data)


def participants_changed(gesprek):
    done, total = _counted_progress(gesprek)
    data = {"done": done, "total": total}
    _publish(gesprek, "progress", data, {**data, "participants": total})


def _counted_progress(gesprek) -> tuple[int, int]:
    """Progress, counted once every earlier event of the gesprek has committed.

    On PostgreSQL answers of one gesprek commit side by side: two people who finish at the same
    moment would each count the other as not done yet, and the newest event would show one too
    few. So we first take the channel's counter row (which `live.publish` locks anyway): the
    count then runs after the writer before us committed, and the numbers only grow in seq
    order. SQLite lets one writer at a time in, so there is nothing to wait for.
    """
    live.lock_channel(gesprek.channel)
    return services.progress(gesprek)


def regions_changed(gesprek, *regions: str):
    """Parts of the page changed (notes, timer): screens fetch them again themselves, so the
    event carries no content and each participant sees their own view (e.g. own notes)."""
    data = {"regions": list(regions)}
    _publish(gesprek, "update", data, data)

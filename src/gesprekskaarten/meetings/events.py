"""Live events of a gesprek: one module lists every event type and what each audience gets.

| type | participant-nl, participant-en | facilitator |
| --- | --- | --- |
| `step` (step or question) | `{"url", "title", "main"}`: the page's new <main> | `{"step"}` |
| `update` (parts of a page) | `{"url", "regions": {id: html}}` | `{"regions": [id, ...]}` |
| `progress` | `{"done", "total"}` | `{"done", "total"[, "participants"]}` |
| `page` (presenter paged) | nothing | `{"page"}` |

A leader's mirror sharing its comparison, or no longer sharing it, publishes `step` too
(meetings/mirror.py, set_shared): every screen shows the gesprek as it is now.

Participant content is rendered once per language for everyone (meetings/screens.py), after
the writer's commit from the committed state (`_publish_rendered`), and the same bytes go to
every phone; live.js swaps it in and fills in the person's own parts. The
facilitator's screens (one or two per gesprek) fetch their page on `step` and `update`.
The region ids are the `*_REGION` names below; `refresh` comes from the stream itself.
"""

import json
from functools import partial

from gesprekskaarten.live import services as live

from . import services

FACILITATOR = "facilitator"

# The regions of the gesprek's pages that `update` events replace (element ids).
NOTES_REGION = "gk-notes"
TIMER_REGION = "gk-timer"
THEMES_REGION = "gk-themes"
VOTE_REGION = "gk-vote"  # the vote, with the ballot on participants' pages
VOTERS_REGION = "gk-voters"  # inside the vote: how many voted (changes while it is open)
AGREEMENTS_REGION = "gk-agreements"  # the agreements and the follow-up date
REGIONS = (
    NOTES_REGION,
    TIMER_REGION,
    THEMES_REGION,
    VOTE_REGION,
    VOTERS_REGION,
    AGREEMENTS_REGION,
)


def _json(data: dict) -> str:
    return json.dumps(data, separators=(",", ":"))


def _publish(gesprek, event_type: str, participants: dict[str, str], facilitator: dict):
    live.publish(gesprek.channel, event_type, {**participants, FACILITATOR: _json(facilitator)})


def _publish_rendered(gesprek, event_type: str, facilitator: dict, render):
    """Publish now (the event's number, in the writer's transaction) and render the
    participants' content after the commit, from the committed state: the writer's locks (on
    SQLite the one write lock of the database) are not held while two pages render. Until then
    the participants' payload is the facilitator's (`{"step"}` or `{"regions": [...]}`), on
    which live.js fetches the page: the fallback should the rendering fail."""
    from . import screens

    data = _json(facilitator)
    live.publish(
        gesprek.channel,
        event_type,
        {**dict.fromkeys(screens.audiences(), data), FACILITATOR: data},
        render=render,
    )


def _same_for_participants(data: dict) -> dict[str, str]:
    from . import screens

    payload = _json(data)
    return dict.fromkeys(screens.audiences(), payload)


def _fresh(gesprek):
    """The gesprek as the transaction sees it now: callers may hold an older copy."""
    return services.live_gesprekken().get(pk=gesprek.pk)


def step_changed(gesprek):
    from . import screens

    gesprek = _fresh(gesprek)
    render = partial(screens.after_commit, gesprek.pk, gesprek.channel, screens.step_payloads)
    _publish_rendered(gesprek, "step", {"step": gesprek.step}, render)


def progress_changed(gesprek):
    done, total = _counted_progress(gesprek)
    data = {"done": done, "total": total}
    _publish(gesprek, "progress", _same_for_participants(data), data)


def participants_changed(gesprek):
    done, total = _counted_progress(gesprek)
    data = {"done": done, "total": total}
    _publish(gesprek, "progress", _same_for_participants(data), {**data, "participants": total})


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
    """Parts of the page changed (notes, timer, ...): participants get their new HTML, the
    facilitator's screens the ids to fetch again."""
    from . import screens

    unknown = set(regions) - set(REGIONS)
    if unknown:
        raise ValueError(f"Unknown page regions: {sorted(unknown)}")
    gesprek = _fresh(gesprek)
    render = partial(
        screens.after_commit, gesprek.pk, gesprek.channel, screens.region_payloads, regions
    )
    _publish_rendered(gesprek, "update", {"regions": list(regions)}, render)


def presenter_paged(gesprek):
    """The facilitator paged the presenter screen from the control page: only the facilitator's
    screens get it (`{"page"}`); the presenter shows that page, nothing else changes."""
    live.publish(gesprek.channel, "page", {FACILITATOR: _json({"page": gesprek.presenter_page})})

"""A gesprek's events get their participant content after the writer's commit
(meetings/events.py `_publish_rendered`, screens.after_commit), on a database that commits."""

import json
import threading

import pytest
from django.db import connections, transaction

from gesprekskaarten.live.models import Event
from gesprekskaarten.live.services import last_seq
from gesprekskaarten.meetings import discussion, events, screens, services
from gesprekskaarten.meetings.models import Step
from tests.factories import make_gesprek

pytestmark = pytest.mark.django_db(transaction=True)


def newest(gesprek):
    return Event.objects.filter(channel=gesprek.channel).order_by("seq").last()


def test_a_step_is_rendered_after_the_commit():
    gesprek = make_gesprek(cards=1)
    renders = []
    original = screens.step_payloads

    def counted(g):
        renders.append(transaction.get_connection().in_atomic_block)
        return original(g)

    screens.step_payloads = counted
    try:
        with transaction.atomic():
            services.set_step(gesprek, Step.MARKING)
            event = newest(gesprek)
            # Inside the writer's transaction: the number is taken, the content is not there.
            assert event.pending and renders == []
            assert json.loads(event.payloads["participant-en"]) == {"step": Step.MARKING}
    finally:
        screens.step_payloads = original
    assert renders == [False]  # once, outside any transaction
    event = newest(gesprek)
    assert not event.pending
    for language in ("nl", "en"):
        data = json.loads(event.payloads[f"participant-{language}"])
        assert data["url"] == screens.page_url(gesprek) and "<main" in data["main"]
    assert json.loads(event.payloads["facilitator"]) == {"step": Step.MARKING}


def test_a_step_change_that_rolls_back_publishes_and_renders_nothing(monkeypatch):
    gesprek = make_gesprek(cards=1)
    before = last_seq(gesprek.channel)
    renders = []
    monkeypatch.setattr(screens, "step_payloads", lambda g: renders.append(g) or {})
    with pytest.raises(RuntimeError), transaction.atomic():
        services.set_step(gesprek, Step.MARKING)
        raise RuntimeError("the rest of the change failed")
    assert renders == []
    assert last_seq(gesprek.channel) == before == 0 and newest(gesprek) is None
    gesprek.refresh_from_db()
    assert gesprek.step != Step.MARKING


def test_the_writers_uncommitted_state_never_reaches_the_shared_cache():
    gesprek = make_gesprek(cards=1, audience="everyone", threshold=2)
    services.set_step(gesprek, Step.MARKING)
    services.join(gesprek)
    screens._shared.clear()
    with transaction.atomic():
        services.set_step(gesprek, Step.RESULTS)
        gesprek.refresh_from_db()
        screens.results_context(gesprek)  # the writer computes (its state is not committed)
        assert screens._shared == {}
    # After the commit: the event's render filled it, under the committed state's number.
    seq = last_seq(gesprek.channel)
    assert [key[:2] for key in screens._shared] == [(gesprek.pk, seq)]


def test_a_change_committed_during_the_render_is_rendered_again_and_not_cached(monkeypatch):
    """Another writer commits while an event's content is being read: that read, half old and
    half new, is thrown away (and not kept in the cache under the older number); the content
    is rendered again from the newer state."""
    gesprek = make_gesprek(cards=1, audience="everyone")
    participant, _token = services.join(gesprek)
    gesprek.step = Step.DISCUSSION
    gesprek.save(update_fields=["step"])
    screens._shared.clear()
    original = screens.discussion_context
    calls, writer = [], []

    def with_a_writer_in_between(g, **kwargs):
        if threading.current_thread() is threading.main_thread():
            calls.append(last_seq(g.channel))
        if not writer:  # once: a note by someone else commits in the middle of the read
            writer.append(True)

            def write():
                try:
                    discussion.add_note(participant, "Written during the render")
                finally:
                    connections.close_all()

            thread = threading.Thread(target=write)
            thread.start()
            thread.join()
        return original(g, **kwargs)

    monkeypatch.setattr(screens, "discussion_context", with_a_writer_in_between)
    with transaction.atomic():
        events.step_changed(gesprek)
    step = Event.objects.filter(channel=gesprek.channel, type="step").last()
    # The first read saw the step's state; the note committed during it: read again.
    assert calls == [step.seq, step.seq + 1]
    main = json.loads(step.payloads["participant-en"])["main"]
    assert not step.pending and "Written during the render" in main
    assert all(key[1] > step.seq for key in screens._shared)  # nothing kept as the older state

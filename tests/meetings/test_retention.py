"""Retention: the raw data of an ended gesprek goes after GK_RETENTION_DAYS; what the team keeps
(the report in every format, the team history, the next gesprek's trend) stays the same.

Runs on SQLite and on PostgreSQL (scripts/with-postgres.sh)."""

import dataclasses
import datetime
import json
import threading

import pytest
from django.db import connection, transaction
from django.utils import translation

from gesprekskaarten.cli import main
from gesprekskaarten.live import services as live
from gesprekskaarten.live.models import Channel, Event
from gesprekskaarten.meetings import retention, services, trend
from gesprekskaarten.meetings.models import (
    Answer,
    Gesprek,
    GesprekArchive,
    Note,
    Participant,
    PlacedDots,
    Theme,
    VoteOption,
)
from gesprekskaarten.meetings.results import results_for
from gesprekskaarten.reports.gesprek_report import render_report
from gesprekskaarten.reports.history import build_history, render_history_pdf
from tests.reports import pdfcheck
from tests.reports.builders import closed_gesprek
from tests.reports.test_history import shift

pytestmark = pytest.mark.django_db

FORMATS = ["html", "md", "csv", "json"]


@pytest.fixture(autouse=True)
def thirty_days(settings):
    settings.GK_RETENTION_DAYS = 30


@pytest.fixture
def team_gesprekken():
    """B ended 50 days ago with 2 people (k = 3: nothing shown, a hidden vote); A ended 40 days
    ago with 4 people (everything shown); C, the next one on the same cards, ended just now."""
    b = closed_gesprek(people=2, cards=2, threshold=3)
    shift(b.gesprek, 50)
    team, user = b.gesprek.team, b.gesprek.created_by
    a = closed_gesprek(people=4, cards=2, threshold=3, team=team, user=user)
    shift(a.gesprek, 40)
    c = closed_gesprek(people=3, cards=2, threshold=3, team=team, user=user, agreements=1)
    return a, b, c


def reports(gesprek) -> dict:
    gesprek = Gesprek.objects.get(pk=gesprek.pk)
    made = {}
    for language in ("en", "nl"):
        for extension in FORMATS:
            made[language, extension] = render_report(gesprek, extension, language)
        made[language, "pdf"] = pdfcheck.all_text(render_report(gesprek, "pdf", language))
    return made


def history(team) -> tuple:
    built = build_history(team, "en")
    fields = dataclasses.asdict(built)
    fields.pop("made_at")
    with translation.override("en"):
        return fields, pdfcheck.all_text(render_history_pdf(built))


def trend_of(gesprek) -> tuple:
    gesprek = Gesprek.objects.get(pk=gesprek.pk)
    cards = results_for(gesprek)
    previous = trend.annotate(gesprek, cards)
    return previous.pk, [
        (card.principle.slug, card.trend, [(r.behaviour.key, r.trend) for r in card.behaviours])
        for card in cards
    ]


def raw_counts(gesprek, participant_ids) -> dict:
    """Raw rows of the gesprek, counted with plain SQL (not through the ORM's filters)."""
    ids = list(participant_ids) or [-1]
    marks = ", ".join(["%s"] * len(ids))
    queries = {
        "participants": ("SELECT COUNT(*) FROM meetings_participant WHERE gesprek_id = %s", [0]),
        "answers": (f"SELECT COUNT(*) FROM meetings_answer WHERE participant_id IN ({marks})", ids),
        "notes": ("SELECT COUNT(*) FROM meetings_note WHERE gesprek_id = %s", [0]),
        "note_authors": (
            f"SELECT COUNT(*) FROM meetings_note WHERE author_id IN ({marks})",
            ids,
        ),
        "dots": (
            f"SELECT COUNT(*) FROM meetings_placeddots WHERE participant_id IN ({marks})",
            ids,
        ),
        "events": ("SELECT COUNT(*) FROM live_event WHERE channel = %s", [1]),
        "channel": ("SELECT COUNT(*) FROM live_channel WHERE name = %s", [1]),
    }
    counts = {}
    with connection.cursor() as cursor:
        for name, (sql, params) in queries.items():
            if params == [0]:
                params = [gesprek.pk]
            elif params == [1]:
                params = [gesprek.channel]
            cursor.execute(sql, params)
            counts[name] = cursor.fetchone()[0]
    return counts


def test_reports_history_and_the_next_trend_are_the_same_after_retention(team_gesprekken):
    a, b, c = team_gesprekken
    participants = {
        g.gesprek.pk: list(
            Participant.objects.filter(gesprek=g.gesprek).values_list("pk", flat=True)
        )
        for g in (a, b, c)
    }
    before = {g.gesprek.pk: reports(g.gesprek) for g in (a, b)}
    history_before = history(a.gesprek.team)
    trend_before = trend_of(c.gesprek)
    assert trend_before[0] == a.gesprek.pk
    assert any(card_trend.shown for _, card_trend, _ in trend_before[1])  # real numbers
    assert raw_counts(a.gesprek, participants[a.gesprek.pk])["events"] > 0

    outcomes = retention.run()

    assert {o.gesprek_id for o in outcomes} == {a.gesprek.pk, b.gesprek.pk}
    for built in (a, b):
        gesprek = Gesprek.objects.get(pk=built.gesprek.pk)
        assert gesprek.raw_deleted_at is not None
        assert reports(gesprek) == before[gesprek.pk]
        assert not Participant.objects.filter(gesprek=gesprek).exists()
        assert not Answer.objects.filter(participant__pk__in=participants[gesprek.pk]).exists()
        assert not Note.objects.filter(gesprek=gesprek).exists()
        assert not PlacedDots.objects.filter(option__vote__gesprek=gesprek).exists()
        assert not Event.objects.filter(channel=gesprek.channel).exists()
        assert Channel.objects.filter(name=gesprek.channel).exists()  # the counter row stays
        assert raw_counts(gesprek, participants[gesprek.pk]) == {
            "participants": 0,
            "answers": 0,
            "notes": 0,
            "note_authors": 0,
            "dots": 0,
            "events": 0,
            "channel": 1,
        }
        # What the team keeps: rode draden, vote options, agreements.
        assert Theme.objects.filter(gesprek=gesprek).exists()
        assert VoteOption.objects.filter(vote__gesprek=gesprek).exists()
        assert gesprek.agreements.count() == len(built.agreements)
        kept = json.dumps(_archive(gesprek), ensure_ascii=False)
        assert built.hidden_note not in kept
        assert not any(token_hash in kept for token_hash in built.token_hashes)
    assert history(a.gesprek.team) == history_before
    assert trend_of(c.gesprek) == trend_before
    # C ended just now: untouched.
    assert Gesprek.objects.get(pk=c.gesprek.pk).raw_deleted_at is None
    assert raw_counts(c.gesprek, participants[c.gesprek.pk])["answers"] > 0
    assert Participant.objects.filter(gesprek=c.gesprek).count() == 3

    # Hidden results of B were not shown, so the archive holds no number for them.
    archive_b = GesprekArchive.objects.get(gesprek=b.gesprek)
    assert archive_b.behaviours == {} and archive_b.cards == {}
    assert all(vote["dots"] is None for vote in archive_b.votes.values())

    # A second run changes nothing.
    assert retention.run() == []
    assert reports(a.gesprek) == before[a.gesprek.pk]


def _archive(gesprek) -> dict:
    archive = GesprekArchive.objects.get(gesprek=gesprek)
    return {
        "participants": archive.participants,
        "behaviours": archive.behaviours,
        "cards": archive.cards,
        "notes": archive.notes,
        "theme_notes": archive.theme_notes,
        "votes": archive.votes,
    }


def test_a_live_gesprek_and_one_ended_too_recently_are_not_touched():
    live = closed_gesprek(people=4, cards=1, close=False)  # in the discussion, started long ago
    shift_created(live.gesprek, 400)
    recent = closed_gesprek(people=4, cards=1)
    shift(recent.gesprek, 29)
    counts = {
        g.gesprek.pk: raw_counts(
            g.gesprek, Participant.objects.filter(gesprek=g.gesprek).values_list("pk", flat=True)
        )
        for g in (live, recent)
    }
    assert retention.run() == []
    assert main(["retention", "run"]) == 0
    for built in (live, recent):
        gesprek = Gesprek.objects.get(pk=built.gesprek.pk)
        assert gesprek.raw_deleted_at is None
        assert not GesprekArchive.objects.filter(gesprek=gesprek).exists()
        ids = Participant.objects.filter(gesprek=gesprek).values_list("pk", flat=True)
        assert raw_counts(gesprek, ids) == counts[gesprek.pk]


def shift_created(gesprek, days):
    Gesprek.objects.filter(pk=gesprek.pk).update(
        created_at=gesprek.created_at - datetime.timedelta(days=days)
    )


def test_dry_run_says_what_would_go_and_changes_nothing(capsys):
    old = closed_gesprek(people=4, cards=1)
    shift(old.gesprek, 31)
    ids = list(Participant.objects.filter(gesprek=old.gesprek).values_list("pk", flat=True))
    before = raw_counts(old.gesprek, ids)

    assert main(["retention", "run", "--dry-run"]) == 0

    out = capsys.readouterr().out
    assert str(old.gesprek.public_id) in out
    assert "would go: 4 participants" in out
    assert f"{before['answers']} answers, {before['notes']} notes" in out
    assert f"{before['events']} live events" in out
    assert "nothing was changed" in out
    assert raw_counts(old.gesprek, ids) == before
    assert Gesprek.objects.get(pk=old.gesprek.pk).raw_deleted_at is None

    assert main(["retention", "run"]) == 0
    out = capsys.readouterr().out
    assert f"{old.gesprek.public_id}" in out and "deleted: 4 participants" in out
    assert raw_counts(old.gesprek, ids)["participants"] == 0
    assert main(["retention", "run"]) == 0  # idempotent
    assert "Nothing to delete" in capsys.readouterr().out


def test_events_published_after_retention_are_pruned_by_the_next_run():
    old = closed_gesprek(people=4, cards=1)
    shift(old.gesprek, 31)
    retention.run()
    services.set_step(old.gesprek, "closed")  # a double click publishes nothing new
    live.publish(old.gesprek.channel, "refresh", {"facilitator": "{}"})
    [outcome] = retention.run()
    assert outcome.events == 1 and outcome.participants == 0
    assert not Event.objects.filter(channel=old.gesprek.channel).exists()
    assert Channel.objects.get(name=old.gesprek.channel).last_seq > 0


@pytest.mark.parametrize("days", [0, None])
def test_retention_off_deletes_nothing(settings, capsys, days):
    settings.GK_RETENTION_DAYS = days
    old = closed_gesprek(people=4, cards=1)
    shift(old.gesprek, 400)
    assert retention.run() == []
    assert main(["retention", "run"]) == 0
    assert "Retention is off" in capsys.readouterr().out
    assert Participant.objects.filter(gesprek=old.gesprek).count() == 4


def test_the_privacy_page_states_the_retention_period(client, settings):
    settings.GK_RETENTION_DAYS = 30
    html = client.get("/privacy/", HTTP_ACCEPT_LANGUAGE="nl").content.decode()
    assert "Hoe lang we het bewaren" in html
    assert "30 dagen na het einde van het gesprek" in html
    client.cookies["gk_language"] = "en"
    html = client.get("/privacy/").content.decode()
    assert "deleted 30 days after the gesprek ended" in html
    settings.GK_RETENTION_DAYS = 1
    assert "deleted 1 day after" in client.get("/privacy/").content.decode()
    settings.GK_RETENTION_DAYS = 0
    html = client.get("/privacy/").content.decode()
    assert "after the gesprek ended" not in html
    assert "decides how long answers and notes" in html


def test_the_admin_shows_when_the_raw_data_went_and_how_many_took_part(admin_client):
    from django.urls import reverse

    old = closed_gesprek(people=4, cards=1)
    shift(old.gesprek, 31)
    retention.run()
    page = admin_client.get(reverse("admin:meetings_gesprek_changelist"))
    assert page.status_code == 200
    assert '<td class="field-participant_count">4</td>' in page.content.decode()
    page = admin_client.get(reverse("admin:meetings_gesprek_change", args=[old.gesprek.pk]))
    assert page.status_code == 200
    assert "ruwe gegevens verwijderd op" in page.content.decode().lower()


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_the_run_waits_for_a_writer_holding_the_gesprek_row():
    """On PostgreSQL (SQLite has one writer at a time anyway): a run never works on a gesprek
    while another transaction holds its row; it goes on once that transaction ends."""
    old = closed_gesprek(people=4, cards=1)
    shift(old.gesprek, 31)
    locked, release, outcomes = threading.Event(), threading.Event(), []

    def writer():
        try:
            with transaction.atomic():
                Gesprek.objects.select_for_update().get(pk=old.gesprek.pk)
                locked.set()
                release.wait(10)
        finally:
            connection.close()

    def run():
        try:
            outcomes.extend(retention.run())
        finally:
            connection.close()

    holder = threading.Thread(target=writer)
    holder.start()
    assert locked.wait(10)
    runner = threading.Thread(target=run)
    runner.start()
    runner.join(1.5)
    assert runner.is_alive() and outcomes == []  # waiting for the lock
    assert Participant.objects.filter(gesprek=old.gesprek).count() == 4
    release.set()
    holder.join(10)
    runner.join(20)
    assert [o.participants for o in outcomes] == [4]
    assert not Participant.objects.filter(gesprek=old.gesprek).exists()


def test_an_organisation_can_choose_a_shorter_period_never_a_longer_one(settings):
    """Site: 30 days. Organisation A chose 7, B nothing: a gesprek of A that ended 10 days ago
    goes, B's stays. A's administrator cannot choose 60; with retention off for the site, an
    organisation's own period still applies."""
    from django.test import Client

    from gesprekskaarten.organisations.forms import SettingsForm

    in_a = closed_gesprek(people=4, cards=1)
    in_b = closed_gesprek(people=4, cards=1)
    for built in (in_a, in_b):
        shift(built.gesprek, 10)
    organisation = in_a.gesprek.team.organisation
    organisation.retention_days = 7
    organisation.save()
    assert retention.retention_days(organisation) == 7
    assert retention.retention_days(in_b.gesprek.team.organisation) == 30

    done = retention.run()
    assert [outcome.gesprek_id for outcome in done] == [in_a.gesprek.pk]
    assert Participant.objects.filter(gesprek=in_b.gesprek).count() == 4

    data = {"name": organisation.name, "retention_days": "60"}
    with translation.override("en"):
        form = SettingsForm(data, instance=organisation)
        assert not form.is_valid()
        assert "a shorter period, not a longer one" in form.errors["retention_days"][0]
        assert SettingsForm({**data, "retention_days": "14"}, instance=organisation).is_valid()
        assert SettingsForm({**data, "retention_days": ""}, instance=organisation).is_valid()
        assert not SettingsForm({**data, "retention_days": "0"}, instance=organisation).is_valid()

    settings.GK_RETENTION_DAYS = 0  # the site keeps everything; the organisation does not
    in_c = closed_gesprek(people=4, cards=1, team=in_a.gesprek.team, user=in_a.gesprek.created_by)
    shift(in_c.gesprek, 8)
    assert [o.gesprek_id for o in retention.run()] == [in_c.gesprek.pk]
    assert Participant.objects.filter(gesprek=in_b.gesprek).count() == 4
    assert Client().get("/privacy/").status_code == 200

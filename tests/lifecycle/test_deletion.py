"""Real deletion of a gesprek, a team and an organisation: every row of it goes (walked over
every table), everything else stays, nothing is written to or left in the file store, a crash
halfway changes nothing, a live gesprek is never deleted, and the audit log says who did it.

Runs on SQLite and on PostgreSQL (scripts/with-postgres.sh)."""

import datetime
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.admin.models import ADDITION, LogEntry
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db import DatabaseError, connection
from django.test import Client
from django.utils import timezone, translation

from gesprekskaarten.agreements import services as agreement_services
from gesprekskaarten.agreements.models import AgreementChange, Status
from gesprekskaarten.audit.models import Action, AuditEvent
from gesprekskaarten.cli import main
from gesprekskaarten.lifecycle import services
from gesprekskaarten.live.models import Channel, Event
from gesprekskaarten.meetings import retention
from gesprekskaarten.meetings import services as meetings
from gesprekskaarten.meetings.models import Gesprek, Participant
from gesprekskaarten.organisations.models import Invitation, Organisation, Role, SingleSignOn
from gesprekskaarten.organisations.services import add_member
from gesprekskaarten.teams.models import Team
from gesprekskaarten.teams.services import add_facilitator, create_team
from tests.factories import make_facilitator, make_gesprek
from tests.reports.builders import closed_gesprek

pytestmark = pytest.mark.django_db

# Rows that stay on purpose: people's accounts (they may be in other organisations) and the
# audit log of the organisation (it names, it does not link; an organisation's log goes with it).
KEPT_ON_PURPOSE = {"auth.User", "audit.AuditEvent"}


def all_rows() -> dict[str, set]:
    """Every primary key of every table, the many-to-many link tables included."""
    return {
        model._meta.label: set(model._base_manager.values_list("pk", flat=True))
        for model in apps.get_models(include_auto_created=True)
    }


def added(before: dict, after: dict) -> dict[str, set]:
    return {label: after[label] - before.get(label, set()) for label in after}


def removed(before: dict, after: dict) -> dict[str, set]:
    return {label: before[label] - after.get(label, set()) for label in before}


def nonempty(rows: dict) -> dict:
    return {label: pks for label, pks in rows.items() if pks}


def stored_files() -> set[Path]:
    """The file store: everything under GK_VAR_DIR (and MEDIA_ROOT, if one is set)."""
    roots = [Path(settings.VAR_DIR)]
    if getattr(settings, "MEDIA_ROOT", ""):
        roots.append(Path(settings.MEDIA_ROOT))
    return {path for root in roots if root.exists() for path in root.rglob("*") if path.is_file()}


def references(model_classes: tuple, ids: dict) -> list[str]:
    """Every row in any table whose foreign key points at one of `ids` ({model: {pk}})."""
    found = []
    for model in apps.get_models(include_auto_created=True):
        for field in model._meta.concrete_fields:
            target = field.related_model
            if field.is_relation and target in model_classes and ids.get(target):
                rows = model._base_manager.filter(**{f"{field.name}__in": ids[target]})
                if rows.exists():
                    found.append(f"{model._meta.label}.{field.name}")
    return found


def channel_rows(gesprek_ids) -> int:
    channels = [Gesprek(pk=pk).channel for pk in gesprek_ids]
    return (
        Event.objects.filter(channel__in=channels).count()
        + Channel.objects.filter(name__in=channels).count()
    )


def admin_log_line(obj):
    """What the Django admin writes when an object is changed there."""
    LogEntry.objects.create(
        user=get_user_model().objects.filter(is_superuser=True).first()
        or get_user_model().objects.create_superuser("root", password="a-Long-pass-123"),
        content_type=ContentType.objects.get_for_model(obj),
        object_id=str(obj.pk),
        object_repr=str(obj)[:200],
        action_flag=ADDITION,
    )


def full_team(team, user, *, gesprekken=2):
    """Ended gesprekken with everything a gesprek can have, one of them past retention (its raw
    rows replaced by an archive snapshot), an agreement changed in a later gesprek, and the
    admin's log about the team."""
    built = [
        closed_gesprek(people=4, team=team, user=user, agreements=2, close=number == 0)
        for number in range(gesprekken)
    ]
    first, last = built[0].gesprek, built[-1].gesprek
    # A change of the first gesprek's agreement, recorded during the last one.
    agreement_services.set_status(built[0].agreements[0], user, Status.DONE, "", during=last)
    meetings.set_step(last, "closed")
    retention.apply(first.pk, timezone.now() + datetime.timedelta(days=1))
    admin_log_line(team)
    admin_log_line(first)
    return built


@pytest.fixture
def world():
    """Organisation 1 with the team to delete and a team that stays (its facilitator and
    administrator accounts, an invitation to both teams, single sign-on); organisation 2 with a
    team, an ended and a live gesprek."""
    users = get_user_model().objects
    facilitator, keep = make_facilitator("facilitator", "Blijft")
    organisation = keep.organisation
    administrator = users.create_user("administrator", password="a-Long-pass-123")
    add_member(organisation, administrator, Role.ADMIN)
    other_facilitator, other_team = make_facilitator("other", "Ander team")
    closed_gesprek(people=3, team=other_team, user=other_facilitator, agreements=1)
    make_gesprek(team=other_team, user=other_facilitator, step="marking")
    closed_gesprek(people=3, team=keep, user=facilitator, agreements=1)
    SingleSignOn.objects.create(
        organisation=organisation,
        issuer="https://login.example.org",
        client_id="gk",
        client_secret="geheim",  # noqa: S106
        allowed_domains="example.org",
    )
    invitation = Invitation(
        organisation=organisation,
        email="nieuw@example.org",
        role=Role.FACILITATOR,
        invited_by=administrator,
        expires_at=timezone.now() + datetime.timedelta(days=7),
    )
    invitation.new_token()
    invitation.save()
    invitation.teams.set([keep])
    before_team = all_rows()
    files_before = stored_files()
    team = create_team("Weg", organisation=organisation, actor=administrator)
    add_facilitator(team, facilitator)
    invitation.teams.add(team)
    built = full_team(team, facilitator)
    return {
        "organisation": organisation,
        "team": team,
        "keep": keep,
        "other_team": other_team,
        "facilitator": facilitator,
        "administrator": administrator,
        "built": built,
        "invitation": invitation,
        "before_team": before_team,
        "files_before": files_before,
    }


def test_deleting_a_team_leaves_no_row_of_it_and_every_other_row(world):
    team = world["team"]
    gesprek_ids = {b.gesprek.pk for b in world["built"]}
    before = all_rows()
    made_for_team = nonempty(added(world["before_team"], before))
    # What was built really reached the tables a gesprek writes to.
    for label in (
        "meetings.Participant",
        "meetings.Answer",
        "meetings.Note",
        "meetings.Theme",
        "meetings.DotVote",
        "meetings.VoteOption",
        "meetings.PlacedDots",
        "meetings.GesprekArchive",
        "meetings.Gesprek_principles",
        "agreements.Agreement",
        "agreements.AgreementChange",
        "agreements.Agreement_principles",
        "live.Event",
        "live.Channel",
        "teams.Team_facilitators",
        "organisations.Invitation_teams",
        "admin.LogEntry",
    ):
        assert made_for_team.get(label), f"the test built no {label}"

    inventory = services.delete_team(team, world["administrator"])

    after = all_rows()
    gone = nonempty(removed(before, after))
    left_behind = {
        label: pks & after[label]
        for label, pks in made_for_team.items()
        if label not in KEPT_ON_PURPOSE and pks & after[label]
    }
    assert left_behind == {}
    # Only the team's rows went: the link of the invitation to the team that stays is kept.
    assert gone == {
        label: pks for label, pks in made_for_team.items() if label not in KEPT_ON_PURPOSE
    }
    assert world["invitation"].teams.get() == world["keep"]
    assert references((Team, Gesprek), {Team: {team.pk}, Gesprek: gesprek_ids}) == []
    assert channel_rows(gesprek_ids) == 0
    assert Participant.objects.filter(gesprek__in=gesprek_ids).count() == 0
    # New rows: the one audit record of the deletion.
    assert nonempty(added(before, after)) == {
        "audit.AuditEvent": {AuditEvent.objects.get(action=Action.TEAM_DELETED).pk}
    }
    assert inventory.gesprekken == 2 and inventory.agreements == 4
    assert stored_files() == world["files_before"]


def test_deleting_a_gesprek_leaves_no_row_of_it_and_the_teams_other_gesprekken(world):
    first, second = (b.gesprek for b in world["built"])
    before = all_rows()
    change = AgreementChange.objects.get(gesprek=second, agreement__gesprek=first)

    inventory = services.delete_gesprek(second, world["facilitator"])

    after = all_rows()
    assert references((Gesprek,), {Gesprek: {second.pk}}) == []
    assert channel_rows([second.pk]) == 0
    assert not Gesprek.objects.filter(pk=second.pk).exists()
    assert inventory.gesprekken == 1 and inventory.agreements == 2 and inventory.participants == 4
    # The first gesprek, its agreements and their history stay; the change made during the
    # deleted gesprek stays too, without the link.
    change.refresh_from_db()
    assert change.gesprek is None
    assert Gesprek.objects.filter(pk=first.pk).exists()
    assert first.agreements.count() == 2
    gone = nonempty(removed(before, after))
    assert set(gone["meetings.Gesprek"]) == {second.pk}
    assert Team.objects.filter(pk=world["team"].pk).exists()
    assert nonempty(added(before, after)) == {
        "audit.AuditEvent": {AuditEvent.objects.get(action=Action.GESPREK_DELETED).pk}
    }
    assert stored_files() == world["files_before"]


def test_deleting_an_organisation_leaves_no_row_of_it_and_the_other_organisation(world):
    organisation = world["organisation"]
    teams = set(Team.objects.filter(organisation=organisation).values_list("pk", flat=True))
    gesprekken = set(Gesprek.objects.filter(team__in=teams).values_list("pk", flat=True))
    other = world["other_team"].organisation
    before = all_rows()
    other_rows = {
        "teams": set(Team.objects.filter(organisation=other).values_list("pk", flat=True)),
        "gesprekken": set(Gesprek.objects.filter(team__organisation=other).values_list("pk")),
        "log": set(AuditEvent.objects.filter(organisation=other).values_list("pk")),
    }

    inventory = services.delete_organisation(organisation, world["administrator"])

    after = all_rows()
    assert not Organisation.objects.filter(pk=organisation.pk).exists()
    assert (
        references(
            (Organisation, Team, Gesprek),
            {Organisation: {organisation.pk}, Team: teams, Gesprek: gesprekken},
        )
        == []
    )
    assert channel_rows(gesprekken) == 0
    assert inventory.teams == 2 and inventory.gesprekken == 3 and inventory.single_sign_on == 1
    # Everything of the other organisation stays; accounts stay.
    assert other_rows == {
        "teams": set(Team.objects.filter(organisation=other).values_list("pk", flat=True)),
        "gesprekken": set(Gesprek.objects.filter(team__organisation=other).values_list("pk")),
        "log": set(AuditEvent.objects.filter(organisation=other).values_list("pk")),
    }
    assert removed(before, after)["auth.User"] == set()
    # Its own audit log went; one record says who deleted it, belonging to no organisation.
    assert not AuditEvent.objects.filter(organisation_id=organisation.pk).exists()
    record = AuditEvent.objects.get(action=Action.ORGANISATION_DELETED)
    assert record.organisation is None
    assert record.target == organisation.name
    assert record.actor == world["administrator"]
    assert record.details["teams"] == 2
    assert nonempty(added(before, after)) == {"audit.AuditEvent": {record.pk}}
    assert stored_files() == world["files_before"]


def test_a_crash_halfway_leaves_everything(world, monkeypatch):
    """The step that deletes the team's link rows fails after its gesprekken are gone."""
    before = all_rows()
    real = services._delete_agreements
    calls = []

    def failing(agreements):
        calls.append(1)
        real(agreements)
        if len(calls) == 2:  # the gesprekken's agreements went, then the team's: fail
            raise DatabaseError("the disk is full")

    monkeypatch.setattr(services, "_delete_agreements", failing)
    with pytest.raises(DatabaseError):
        services.delete_team(world["team"], world["administrator"])
    assert len(calls) >= 2
    assert all_rows() == before


def test_a_database_refusal_halfway_leaves_everything(world):
    """A trigger makes the database refuse the last statement (deleting the team row)."""
    before = all_rows()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "CREATE FUNCTION gk_refuse() RETURNS trigger AS $$ BEGIN "
                "RAISE EXCEPTION 'refused'; END; $$ LANGUAGE plpgsql"
            )
            cursor.execute(
                "CREATE TRIGGER gk_refuse BEFORE DELETE ON teams_team "
                "FOR EACH ROW EXECUTE FUNCTION gk_refuse()"
            )
        else:
            cursor.execute(
                "CREATE TRIGGER gk_refuse BEFORE DELETE ON teams_team "
                "BEGIN SELECT RAISE(ABORT, 'refused'); END"
            )
    with pytest.raises(DatabaseError, match="refused"):
        services.delete_organisation(world["organisation"], world["administrator"])
    assert all_rows() == before


def test_a_live_gesprek_is_not_deleted_nor_its_team(world):
    live = make_gesprek(team=world["team"], user=world["facilitator"], step="marking")
    participant, _token = meetings.join(live)
    before = all_rows()
    with (
        translation.override("en"),
        pytest.raises(services.NotEnded, match="has not ended yet. End the gesprek first"),
    ):
        services.delete_gesprek(live, world["facilitator"])
    with (
        translation.override("en"),
        pytest.raises(services.NotEnded, match=f"Not every gesprek has ended yet: {live}"),
    ):
        services.delete_team(world["team"], world["administrator"])
    with pytest.raises(services.NotEnded):
        services.delete_organisation(world["organisation"], world["administrator"])
    assert all_rows() == before
    assert not AuditEvent.objects.filter(
        action__in=[Action.GESPREK_DELETED, Action.TEAM_DELETED, Action.ORGANISATION_DELETED]
    ).exists()


def test_an_answer_after_the_deletion_is_refused_not_stored(world):
    built = world["built"][1]
    gesprek = built.gesprek
    behaviour = meetings.behaviours_of(gesprek).first()
    services.delete_gesprek(gesprek, world["facilitator"])
    write = meetings.AnswerWrite(gesprek.join_code, built.tokens[0], behaviour.pk, "missing", False)
    [problem] = meetings.save_answer_batch([write])
    assert isinstance(problem, meetings.NotAParticipant)
    assert not Participant.objects.filter(token_hash__in=built.token_hashes).exists()


# --- the pages ---------------------------------------------------------------------------------


def signed_in(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def test_gesprek_confirmation_names_what_goes_and_needs_the_tick(world):
    gesprek = world["built"][1].gesprek
    client = signed_in(world["facilitator"])
    url = f"/begeleiden/{gesprek.public_id}/verwijderen/"
    control = client.get(f"/begeleiden/{gesprek.public_id}/").content.decode()
    assert url in control  # the ended gesprek's page links to it
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert str(gesprek) in html and "Participants" in html
    # Not ticked: nothing goes, and the page says why.
    refused = client.post(url, {})
    assert refused.status_code == 200
    assert "Tick the box" in refused.content.decode()
    assert Gesprek.objects.filter(pk=gesprek.pk).exists()
    done = client.post(url, {"confirm": "on"})
    assert done.status_code == 200
    assert "is deleted" in done.content.decode()
    assert not Gesprek.objects.filter(pk=gesprek.pk).exists()
    assert client.post(url, {"confirm": "on"}).status_code == 404  # twice: already gone
    record = AuditEvent.objects.get(action=Action.GESPREK_DELETED)
    assert record.actor == world["facilitator"] and record.organisation == world["organisation"]
    assert record.target == str(gesprek)


def test_live_gesprek_page_says_end_it_first(world):
    live = make_gesprek(team=world["team"], user=world["facilitator"], step="marking")
    client = signed_in(world["facilitator"])
    url = f"/begeleiden/{live.public_id}/verwijderen/"
    page = client.get(url)
    assert page.status_code == 409
    assert "End the gesprek first" in page.content.decode()
    assert client.post(url, {"confirm": "on"}).status_code == 409
    assert Gesprek.objects.filter(pk=live.pk).exists()


def test_team_and_organisation_pages_for_their_administrator_only(world):
    team, organisation = world["team"], world["organisation"]
    admin = signed_in(world["administrator"])
    facilitator = signed_in(world["facilitator"])  # runs the team, administers nothing
    other_admin_user = get_user_model().objects.create_user("ander", password="a-Long-pass-1")
    add_member(world["other_team"].organisation, other_admin_user, Role.ADMIN)
    other_admin = signed_in(other_admin_user)
    for url in (
        f"/teams/{team.slug}/verwijderen/",
        f"/teams/{team.slug}/archief.zip",
        f"/organisatie/{organisation.slug}/verwijderen/",
        f"/organisatie/{organisation.slug}/archief.zip",
    ):
        assert facilitator.get(url).status_code == 404, url
        assert other_admin.get(url).status_code == 404, url
        assert other_admin.post(url, {"confirm": "on"}).status_code in (404, 405), url
    # The team history shows the links to an administrator who also runs the team only.
    history = f"/teams/{team.slug}/geschiedenis/"
    assert f"/teams/{team.slug}/verwijderen/" not in facilitator.get(history).content.decode()
    world["facilitator"].memberships.update(role=Role.ADMIN)  # now both
    both = facilitator.get(history).content.decode()
    assert f"/teams/{team.slug}/verwijderen/" in both
    assert f"/teams/{team.slug}/archief.zip" in both

    page = admin.get(f"/teams/{team.slug}/verwijderen/")
    assert page.status_code == 200 and "Weg" in page.content.decode()
    assert admin.post(f"/teams/{team.slug}/verwijderen/", {"confirm": "on"}).status_code == 200
    assert not Team.objects.filter(pk=team.pk).exists()
    record = AuditEvent.objects.get(action=Action.TEAM_DELETED)
    assert (record.actor, record.organisation, record.target) == (
        world["administrator"],
        organisation,
        "Weg",
    )

    page = admin.get(f"/organisatie/{organisation.slug}/verwijderen/")
    assert page.status_code == 200
    assert "Single sign-on settings" in page.content.decode()
    response = admin.post(f"/organisatie/{organisation.slug}/verwijderen/", {"confirm": "on"})
    assert response.status_code == 200
    assert not Organisation.objects.filter(pk=organisation.pk).exists()


# --- the command line --------------------------------------------------------------------------


def test_cli_deletes_a_team_only_with_yes_and_logs_the_system(world, capsys):
    team = world["team"]
    assert main(["team", "delete", team.slug]) == 1
    assert "Nothing was deleted" in capsys.readouterr().out
    assert Team.objects.filter(pk=team.pk).exists()
    assert main(["team", "delete", team.slug, "--yes"]) == 0
    assert "Deleted team 'Weg'" in capsys.readouterr().out
    assert not Team.objects.filter(pk=team.pk).exists()
    record = AuditEvent.objects.get(action=Action.TEAM_DELETED)
    assert record.actor is None and record.actor_label == "system"
    assert main(["team", "delete", team.slug, "--yes"]) == 1
    assert "There is no team 'weg'" in capsys.readouterr().err


def test_cli_refuses_an_organisation_with_a_live_gesprek(world, capsys):
    other = world["other_team"].organisation
    assert main(["org", "delete", other.slug, "--yes"]) == 1
    assert "has ended yet" in capsys.readouterr().err
    assert Organisation.objects.filter(pk=other.pk).exists()
    assert main(["org", "delete", world["organisation"].slug, "--yes"]) == 0
    record = AuditEvent.objects.get(action=Action.ORGANISATION_DELETED)
    assert record.actor_label == "system" and record.organisation is None


@pytest.mark.django_db(transaction=True)
def test_a_deletion_waits_for_a_writer_and_then_takes_its_rows_too():
    """Another process writes to the gesprek (say the retention job, which holds its row and
    adds an archive snapshot): the deletion waits for that transaction (PostgreSQL: the row
    lock; SQLite: one writer at a time), then deletes what it wrote as well. Nothing is left
    without its gesprek."""
    import threading

    from django.db import transaction

    built = closed_gesprek(people=3, cards=1, agreements=1)
    gesprek = built.gesprek
    locked, release, outcome = threading.Event(), threading.Event(), []

    def writer():
        try:
            with transaction.atomic():
                Gesprek.objects.select_for_update().get(pk=gesprek.pk)
                retention.snapshot(gesprek).save()
                Participant.objects.create(gesprek=gesprek, token_hash="f" * 64)
                locked.set()
                release.wait(10)
        finally:
            connection.close()

    def deleter():
        try:
            outcome.append(services.delete_gesprek(gesprek, None))
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            outcome.append(error)
        finally:
            connection.close()

    holder = threading.Thread(target=writer)
    holder.start()
    assert locked.wait(10)
    deleting = threading.Thread(target=deleter)
    deleting.start()
    deleting.join(1.5)
    assert deleting.is_alive() and outcome == []  # waiting for the writer
    release.set()
    holder.join(10)
    deleting.join(20)
    [inventory] = outcome
    assert isinstance(inventory, services.Inventory), inventory
    assert inventory.participants == 4  # the one written meanwhile was counted, and went
    assert not Gesprek.objects.filter(pk=gesprek.pk).exists()
    assert references((Gesprek,), {Gesprek: {gesprek.pk}}) == []
    assert not Participant.objects.filter(token_hash="f" * 64).exists()

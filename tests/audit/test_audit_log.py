"""The audit log: what gets written, who may read and export it, and that it never says
anything about participants."""

import csv
import io

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import translation

from gesprekskaarten.audit.models import Action, AuditEvent
from gesprekskaarten.audit.services import record
from gesprekskaarten.meetings import discussion, services
from gesprekskaarten.organisations.models import Role
from gesprekskaarten.organisations.services import (
    OrganisationError,
    add_member,
    change_role,
    remove_member,
)
from tests.factories import make_facilitator, make_gesprek, make_organisation

pytestmark = pytest.mark.django_db


def admin_of(organisation, username="beheerder"):
    user = get_user_model().objects.create_user(username, password="a-Long-pass-123")
    add_member(organisation, user, Role.ADMIN)
    client = Client()
    client.force_login(user)
    return user, client


def test_unknown_actions_are_refused():
    with pytest.raises(ValueError, match="Unknown audit action"):
        record(None, "looked_at_answers")


def test_roles_and_removals_are_logged_and_the_last_administrator_stays():
    facilitator, team = make_facilitator()
    organisation = team.organisation
    admin, _client = admin_of(organisation)
    membership = facilitator.memberships.get(organisation=organisation)
    change_role(admin, membership, Role.ANALYST)
    assert not team.facilitators.filter(pk=facilitator.pk).exists()  # analysts run nothing
    remove_member(admin, membership)
    own = admin.memberships.get(organisation=organisation)
    with translation.override("en"):
        with pytest.raises(OrganisationError, match="at least one administrator"):
            change_role(admin, own, Role.FACILITATOR)
        with pytest.raises(OrganisationError, match="at least one administrator"):
            remove_member(admin, own)
    actions = list(
        AuditEvent.objects.filter(organisation=organisation).values_list("action", "actor_label")
    )
    assert (Action.ROLE_CHANGED, "beheerder") in actions
    assert (Action.MEMBER_REMOVED, "beheerder") in actions
    assert admin.memberships.get(organisation=organisation).role == Role.ADMIN


def test_administrators_read_and_export_their_own_organisations_log_only():
    facilitator, team = make_facilitator()
    organisation = team.organisation
    _admin, client = admin_of(organisation)
    other = make_organisation("Ander")
    record(None, Action.TEAM_CREATED, organisation=other, target="Geheim team")

    page = client.get(f"/organisatie/{organisation.slug}/logboek/")
    assert page.status_code == 200
    assert team.name in page.content.decode()  # "created a team: Team N"
    assert "Geheim team" not in page.content.decode()
    assert client.get(f"/organisatie/{other.slug}/logboek/").status_code == 404
    assert client.get(f"/organisatie/{other.slug}/logboek.csv").status_code == 404

    export = client.get(f"/organisatie/{organisation.slug}/logboek.csv")
    assert export.status_code == 200
    rows = list(csv.DictReader(io.StringIO(export.content.decode("utf-8-sig"))))
    assert {row["action"] for row in rows} >= {Action.TEAM_CREATED}
    assert AuditEvent.objects.filter(
        organisation=organisation, action=Action.AUDIT_EXPORTED
    ).exists()


def test_a_formula_in_a_name_stays_text_in_the_export():
    _facilitator, team = make_facilitator()
    _admin, client = admin_of(team.organisation)
    record(None, Action.TEAM_CREATED, organisation=team.organisation, target="=HYPERLINK(1)")
    export = client.get(f"/organisatie/{team.organisation.slug}/logboek.csv")
    assert "'=HYPERLINK(1)" in export.content.decode("utf-8-sig")


def test_report_downloads_are_logged_without_anything_about_participants():
    gesprek = make_gesprek(step="results")
    participant, _token = services.join(gesprek)
    services.set_step(gesprek, "discussion")
    discussion.add_note(participant, "Mijn geheime notitie")
    gesprek = services.set_step(gesprek, "closed")
    client = Client()
    client.force_login(gesprek.created_by)
    assert client.get(f"/begeleiden/{gesprek.public_id}/verslag.json").status_code == 200
    event = AuditEvent.objects.get(action=Action.REPORT_DOWNLOADED)
    assert event.organisation == gesprek.team.organisation
    assert event.actor == gesprek.created_by
    assert event.details == {"format": "json", "team": gesprek.team.name}
    every_text = " ".join(
        f"{e.actor_label} {e.target} {e.details}" for e in AuditEvent.objects.all()
    )
    assert "geheime" not in every_text

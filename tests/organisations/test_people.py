"""The administrator's pages for people: the overview, roles, teams, removal, settings."""

import pytest
from django.urls import reverse

from gesprekskaarten.audit.models import Action, AuditEvent
from gesprekskaarten.organisations import people
from gesprekskaarten.organisations.models import Membership, Organisation, Role
from gesprekskaarten.organisations.services import OrganisationError, change_role, remove_member
from gesprekskaarten.teams.services import create_team
from tests.organisations.helpers import make_org, make_user, member

pytestmark = pytest.mark.django_db


@pytest.fixture
def org(client):
    organisation, admin, team = make_org()
    client.force_login(admin)
    return organisation, admin, team


def url(name, organisation, *args):
    return reverse(f"organisations:{name}", args=[organisation.slug, *args])


def membership_of(organisation, user):
    return Membership.objects.get(organisation=organisation, user=user)


def test_the_list_of_your_organisations_shows_your_role(client, org):
    organisation, admin, _team = org
    other, _other_admin, _ = make_org(name="Andere organisatie")
    member(other, role=Role.ANALYST, user=admin)
    page = client.get(reverse("organisations:index")).content.decode()
    assert organisation.name in page and "Andere organisatie" in page
    assert f'href="{url("overview", organisation)}"' in page
    assert f'href="{url("overview", other)}"' not in page  # an analyst there: no link to manage
    # Insight for both: as administrator and as analyst (docs/insight.md).
    for each in (organisation, other):
        assert f'href="{reverse("insight:organisation", args=[each.slug])}"' in page


def test_the_header_links_to_the_organisation_pages_for_administrators_only(client, org):
    organisation, _admin, _team = org
    link = f'href="{reverse("organisations:index")}"'
    assert link in client.get(reverse("meetings:dashboard")).content.decode()
    Organisation.objects.filter(pk=organisation.pk).update(facilitators_create_teams=False)
    client.force_login(member(organisation, role=Role.FACILITATOR))
    assert link not in client.get(reverse("meetings:dashboard")).content.decode()
    client.force_login(member(organisation, role=Role.ANALYST))
    assert link not in client.get(reverse("meetings:dashboard")).content.decode()


def test_the_overview_shows_people_invitations_and_teams(client, org, smtp_settings):
    organisation, admin, team = org
    facilitator = member(organisation, teams=[team], user=make_user("fac", email="fac@example.org"))
    archived = create_team("Oud team", organisation=organisation)
    people.archive_team(admin, archived)
    people.invite(admin, organisation, "invited@example.org", Role.ANALYST, [], lambda t: t)
    page = client.get(url("overview", organisation)).content.decode()
    assert admin.email in page and facilitator.email in page
    assert team.name in page and "Oud team" in page
    assert "invited@example.org" in page
    assert url("person", organisation, membership_of(organisation, facilitator).pk) in page
    assert url("restore_team", organisation, archived.slug) in page
    assert url("archive_team", organisation, team.slug) in page


def test_changing_a_role(client, org):
    organisation, admin, team = org
    person = member(organisation, teams=[team])
    membership = membership_of(organisation, person)
    assert client.get(url("person", organisation, membership.pk)).status_code == 200
    response = client.post(url("role", organisation, membership.pk), {"role": "admin"})
    assert response.status_code == 302
    assert membership_of(organisation, person).role == Role.ADMIN
    event = AuditEvent.objects.get(action=Action.ROLE_CHANGED)
    assert event.details == {"old": "facilitator", "new": "admin"} and event.actor == admin


def test_an_analyst_facilitates_no_team(client, org):
    organisation, _admin, team = org
    person = member(organisation, teams=[team])
    client.post(
        url("role", organisation, membership_of(organisation, person).pk), {"role": "analyst"}
    )
    assert not team.facilitators.filter(pk=person.pk).exists()


def test_a_bad_role_is_refused(client, org):
    organisation, _admin, team = org
    person = member(organisation, teams=[team])
    response = client.post(
        url("role", organisation, membership_of(organisation, person).pk), {"role": "owner"}
    )
    assert response.status_code == 200 and "gk-form-errors" in response.content.decode()
    assert membership_of(organisation, person).role == Role.FACILITATOR


def test_the_last_administrator_keeps_the_role_and_is_told_why(client, org):
    organisation, admin, _team = org
    membership = membership_of(organisation, admin)
    response = client.post(url("role", organisation, membership.pk), {"role": "facilitator"})
    assert "needs at least one administrator" in response.content.decode()
    assert membership_of(organisation, admin).role == Role.ADMIN
    assert not AuditEvent.objects.filter(action=Action.ROLE_CHANGED).exists()


def test_an_administrator_who_gives_up_the_role_goes_to_their_organisations(client, org):
    organisation, admin, _team = org
    member(organisation, role=Role.ADMIN)
    response = client.post(
        url("role", organisation, membership_of(organisation, admin).pk), {"role": "facilitator"}
    )
    assert response["Location"] == reverse("organisations:index")
    assert client.get(url("overview", organisation)).status_code == 404


def test_the_service_keeps_the_last_administrator():
    organisation, admin, _team = make_org()
    with pytest.raises(OrganisationError):
        change_role(admin, membership_of(organisation, admin), Role.ANALYST)
    with pytest.raises(OrganisationError):
        remove_member(admin, membership_of(organisation, admin))
    assert membership_of(organisation, admin).role == Role.ADMIN


def test_changing_teams(client, org):
    organisation, admin, team = org
    second = create_team("Tweede", organisation=organisation)
    person = member(organisation, teams=[team])
    membership = membership_of(organisation, person)
    response = client.post(url("teams", organisation, membership.pk), {"teams": [second.pk]})
    assert response.status_code == 302
    assert list(person.teams.all()) == [second]
    event = AuditEvent.objects.get(action=Action.TEAMS_CHANGED)
    assert event.details == {"added": ["Tweede"], "removed": [team.name]}


def test_teams_of_another_organisation_are_refused(client, org):
    organisation, _admin, team = org
    _other, _other_admin, other_team = make_org()
    person = member(organisation, teams=[team])
    response = client.post(
        url("teams", organisation, membership_of(organisation, person).pk),
        {"teams": [other_team.pk]},
    )
    assert response.status_code == 200 and "gk-form-errors" in response.content.decode()
    assert list(person.teams.all()) == [team]
    assert not AuditEvent.objects.filter(action=Action.TEAMS_CHANGED).exists()


def test_an_analyst_gets_no_teams(client, org):
    organisation, _admin, team = org
    analyst = member(organisation, role=Role.ANALYST)
    response = client.post(
        url("teams", organisation, membership_of(organisation, analyst).pk), {"teams": [team.pk]}
    )
    assert "Make this person a facilitator first" in response.content.decode()
    assert not analyst.teams.exists()


def test_removing_a_person_asks_first(client, org):
    organisation, admin, team = org
    person = member(organisation, teams=[team])
    membership = membership_of(organisation, person)
    remove = url("remove", organisation, membership.pk)
    page = client.get(remove)
    assert page.status_code == 200 and person.email in page.content.decode()
    assert Membership.objects.filter(pk=membership.pk).exists()
    assert client.post(remove).status_code == 302
    assert not Membership.objects.filter(pk=membership.pk).exists()
    assert not team.facilitators.filter(pk=person.pk).exists()
    assert person.__class__.objects.filter(pk=person.pk).exists()  # the account stays
    event = AuditEvent.objects.get(action=Action.MEMBER_REMOVED)
    assert event.target == person.email and event.actor == admin


def test_the_last_administrator_cannot_leave(client, org):
    organisation, admin, _team = org
    response = client.post(url("remove", organisation, membership_of(organisation, admin).pk))
    assert "needs at least one administrator" in response.content.decode()
    assert membership_of(organisation, admin)
    assert not AuditEvent.objects.filter(action=Action.MEMBER_REMOVED).exists()


def test_people_of_another_organisation_are_not_found(client, org):
    organisation, _admin, _team = org
    other, other_admin, _ = make_org()
    theirs = membership_of(other, other_admin)
    for name in ["person", "role", "teams", "remove"]:
        for where in (organisation, other):
            address = url(name, where, theirs.pk)
            assert client.get(address).status_code == 404, address
            assert client.post(address, {"role": "analyst"}).status_code == 404, address
    assert membership_of(other, other_admin).role == Role.ADMIN


@pytest.mark.parametrize("role", [Role.FACILITATOR, Role.ANALYST])
def test_only_administrators_manage_people(client, role):
    organisation, admin, _team = make_org()
    client.force_login(member(organisation, role=role))
    target = membership_of(organisation, admin)
    for address in [
        url("overview", organisation),
        url("settings", organisation),
        url("person", organisation, target.pk),
        url("remove", organisation, target.pk),
    ]:
        assert client.get(address).status_code == 404
    assert client.post(url("remove", organisation, target.pk)).status_code == 404
    assert membership_of(organisation, admin)


def test_changing_the_settings(client, org):
    organisation, _admin, _team = org
    address = url("settings", organisation)
    assert client.get(address).status_code == 200
    response = client.post(address, {"name": "  Nieuwe naam ", "admins_need_second_factor": "on"})
    assert response.status_code == 302
    organisation.refresh_from_db()
    assert organisation.name == "Nieuwe naam"
    assert organisation.admins_need_second_factor
    assert not organisation.facilitators_create_teams
    event = AuditEvent.objects.get(action=Action.SETTINGS_CHANGED)
    assert set(event.details) == {"name", "admins_need_second_factor", "facilitators_create_teams"}
    # Saving without a change writes nothing to the log.
    client.post(address, {"name": "Nieuwe naam", "admins_need_second_factor": "on"})
    assert AuditEvent.objects.filter(action=Action.SETTINGS_CHANGED).count() == 1


@pytest.mark.parametrize("name", ["", "   ", "x" * 121])
def test_bad_settings_are_refused(client, org, name):
    organisation, _admin, _team = org
    old = organisation.name
    response = client.post(
        url("settings", organisation), {"name": name, "facilitators_create_teams": "on"}
    )
    assert response.status_code == 200 and "gk-form-errors" in response.content.decode()
    organisation.refresh_from_db()
    assert organisation.name == old
    assert not AuditEvent.objects.filter(action=Action.SETTINGS_CHANGED).exists()

"""Creating, archiving and restoring teams from the organisation's pages; an archived team
starts no new gesprekken."""

import pytest
from django.urls import reverse

from gesprekskaarten.audit.models import Action, AuditEvent
from gesprekskaarten.decks.services import default_deck_version
from gesprekskaarten.meetings.models import Gesprek
from gesprekskaarten.organisations import people
from gesprekskaarten.organisations.models import Organisation, Role
from gesprekskaarten.organisations.policy import may_facilitate
from gesprekskaarten.teams.models import Team
from tests.organisations.helpers import make_org, member

pytestmark = pytest.mark.django_db


def url(name, organisation, *args):
    return reverse(f"organisations:{name}", args=[organisation.slug, *args])


def test_an_administrator_creates_a_team(client):
    organisation, admin, _team = make_org()
    client.force_login(admin)
    assert client.get(url("new_team", organisation)).status_code == 200
    response = client.post(url("new_team", organisation), {"name": "Team Noord"})
    assert response.status_code == 302
    team = Team.objects.get(name="Team Noord")
    assert team.organisation == organisation and team.slug == "team-noord"
    assert not team.facilitators.exists()  # the administrator chooses its facilitators later
    assert AuditEvent.objects.filter(action=Action.TEAM_CREATED, target="Team Noord").exists()


def test_a_facilitator_creates_a_team_and_facilitates_it(client):
    organisation, _admin, team = make_org()
    facilitator = member(organisation, teams=[team])
    client.force_login(facilitator)
    response = client.post(url("new_team", organisation), {"name": "Eigen team"})
    assert response["Location"] == reverse("meetings:dashboard")
    assert may_facilitate(facilitator, Team.objects.get(name="Eigen team"))


def test_facilitators_create_no_team_where_the_organisation_does_not_allow_it(client):
    organisation, _admin, team = make_org()
    Organisation.objects.filter(pk=organisation.pk).update(facilitators_create_teams=False)
    client.force_login(member(organisation, teams=[team]))
    assert client.get(url("new_team", organisation)).status_code == 404
    assert client.post(url("new_team", organisation), {"name": "Stiekem"}).status_code == 404
    assert not Team.objects.filter(name="Stiekem").exists()


def test_analysts_and_other_organisations_create_no_team(client):
    organisation, _admin, _team = make_org()
    _other, other_admin, _ = make_org()
    for person in [member(organisation, role=Role.ANALYST), other_admin]:
        client.force_login(person)
        assert client.post(url("new_team", organisation), {"name": "Stiekem"}).status_code == 404
    assert not Team.objects.filter(name="Stiekem").exists()


@pytest.mark.parametrize(
    "name, message",
    [("", "Give the team a name"), ("!!!", "letters or digits"), ("x" * 121, "120")],
)
def test_a_bad_team_name_is_refused(client, name, message):
    organisation, admin, _team = make_org()
    client.force_login(admin)
    count = Team.objects.count()
    response = client.post(
        url("new_team", organisation), {"name": name}, headers={"accept-language": "en"}
    )
    assert response.status_code == 200 and message in response.content.decode()
    assert Team.objects.count() == count


def test_a_team_name_is_unique_in_its_organisation(client):
    organisation, admin, team = make_org()
    client.force_login(admin)
    response = client.post(
        url("new_team", organisation),
        {"name": team.name.upper()},
        headers={"accept-language": "en"},
    )
    assert "already has a team called" in response.content.decode()
    assert organisation.teams.count() == 1


def test_the_same_name_in_another_organisation_gets_its_own_short_name(client):
    _one, _admin, taken = make_org()
    organisation, admin, _team = make_org()
    client.force_login(admin)
    client.post(url("new_team", organisation), {"name": taken.name})
    team = organisation.teams.get(name=taken.name)
    assert team.slug == f"{taken.slug}-2"


def test_archiving_asks_first_and_restoring_brings_it_back(client):
    organisation, admin, team = make_org()
    client.force_login(admin)
    address = url("archive_team", organisation, team.slug)
    assert team.name in client.get(address).content.decode()
    team.refresh_from_db()
    assert team.archived_at is None
    assert client.post(address).status_code == 302
    team.refresh_from_db()
    assert team.archived_at is not None
    assert AuditEvent.objects.filter(action=Action.TEAM_ARCHIVED, target=team.name).exists()
    assert client.post(url("restore_team", organisation, team.slug)).status_code == 302
    team.refresh_from_db()
    assert team.archived_at is None
    assert AuditEvent.objects.filter(action=Action.TEAM_RESTORED, target=team.name).exists()


def test_archiving_twice_changes_nothing():
    organisation, admin, team = make_org()
    people.archive_team(admin, team)
    with pytest.raises(people.OrganisationError):
        people.archive_team(admin, team)
    with pytest.raises(people.OrganisationError):
        people.restore_team(
            admin, Team.objects.create(organisation=organisation, name="x", slug="x")
        )
    assert AuditEvent.objects.filter(action=Action.TEAM_ARCHIVED).count() == 1


def test_another_organisations_team_is_not_found(client):
    organisation, admin, _team = make_org()
    other, _other_admin, theirs = make_org()
    client.force_login(admin)
    for name in ["archive_team", "restore_team"]:
        for where in (organisation, other):
            assert client.post(url(name, where, theirs.slug)).status_code == 404
    theirs.refresh_from_db()
    assert theirs.archived_at is None


def test_a_facilitator_cannot_archive(client):
    organisation, _admin, team = make_org()
    client.force_login(member(organisation, teams=[team]))
    assert client.post(url("archive_team", organisation, team.slug)).status_code == 404
    team.refresh_from_db()
    assert team.archived_at is None


def test_an_archived_team_starts_no_new_gesprek(client):
    organisation, admin, team = make_org()
    active = Team.objects.create(organisation=organisation, name="Actief", slug="actief")
    facilitator = member(organisation, teams=[team, active])
    people.archive_team(admin, team)
    client.force_login(facilitator)
    page = client.get(reverse("meetings:new")).content.decode()
    assert "Actief" in page and f'<option value="{team.pk}"' not in page
    principle = default_deck_version().principles.order_by("order").first()
    response = client.post(
        reverse("meetings:new"),
        {"team": team.pk, "principles": [principle.pk], "audience": "both", "threshold": 3},
    )
    assert response.status_code == 200
    assert not Gesprek.objects.exists()
    # With only archived teams, the page says there is no team.
    people.archive_team(admin, active)
    page = client.get(reverse("meetings:new")).content.decode()
    assert "No team" in page or "Geen team" in page
    assert reverse("organisations:new_team", args=[active.organisation.slug]) in page

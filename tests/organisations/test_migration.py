"""Upgrading a database from before organisations: its teams and accounts move into one
default organisation with nothing lost."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("teams", "0001_initial"), ("organisations", None), ("audit", None)]


def migrate(targets):
    """Migrate to `targets`; the models as they are there."""
    MigrationExecutor(connection).migrate(targets)
    executor = MigrationExecutor(connection)  # reads what is applied now
    return executor._create_project_state(with_applied_migrations=True).apps


@pytest.mark.django_db(transaction=True)
def test_existing_teams_and_accounts_move_into_a_default_organisation():
    old = migrate(BEFORE)
    try:
        users, teams = old.get_model("auth", "User"), old.get_model("teams", "Team")
        anna = users.objects.create(username="anna", password="x")
        bert = users.objects.create(username="bert", password="x")
        root = users.objects.create(username="root", password="x", is_superuser=True)
        users.objects.create(username="nobody", password="x")
        north = teams.objects.create(name="Noord", slug="noord")
        south = teams.objects.create(name="Zuid", slug="zuid")
        north.facilitators.add(anna, bert)
        south.facilitators.add(bert)

        new = migrate([("teams", "0004_organisation_required"), ("audit", "0001_initial")])
        organisation = new.get_model("organisations", "Organisation").objects.get()
        assert (organisation.slug, organisation.name) == ("standaard", "Standaardorganisatie")
        teams = new.get_model("teams", "Team").objects
        assert set(teams.values_list("slug", "organisation")) == {
            ("noord", organisation.pk),
            ("zuid", organisation.pk),
        }
        assert set(teams.get(slug="noord").facilitators.values_list("username", flat=True)) == {
            "anna",
            "bert",
        }
        roles = dict(
            new.get_model("organisations", "Membership").objects.values_list(
                "user__username", "role"
            )
        )
        assert roles == {"anna": "facilitator", "bert": "facilitator", "root": "admin"}
        assert root.pk and "nobody" not in roles  # not on a team: not made a member
    finally:
        migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_an_empty_database_gets_no_organisation():
    migrate(BEFORE)
    try:
        new = migrate([("teams", "0004_organisation_required")])
        assert not new.get_model("organisations", "Organisation").objects.exists()
    finally:
        migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())

"""No name at joining (issue 16): nothing asks for a name, nothing stores one, and the
migration deletes the names stored before."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client
from django.urls import reverse

from gesprekskaarten.meetings.models import Participant
from tests.factories import make_gesprek

pytestmark = pytest.mark.django_db

BEFORE = [("meetings", "0004_threshold_fixed_once_marking_started")]
AFTER = [("meetings", "0005_remove_display_names")]


def test_the_join_page_asks_no_name():
    gesprek = make_gesprek()
    page = Client().get(reverse("meetings:join", args=[gesprek.join_code])).content.decode()
    assert "display_name" not in page
    assert 'type="text"' not in page  # the button is the whole form


def test_a_posted_name_is_ignored_and_stored_nowhere():
    gesprek = make_gesprek()
    client = Client()
    response = client.post(
        reverse("meetings:join", args=[gesprek.join_code]), {"display_name": "Quirinus"}
    )
    assert response.status_code == 302
    assert Participant.objects.filter(gesprek=gesprek).count() == 1
    tables = connection.introspection.table_names()
    assert "meetings_displayname" not in tables
    with connection.cursor() as cursor:
        for table in tables:
            columns = [
                c.name for c in connection.introspection.get_table_description(cursor, table)
            ]
            assert "display_name" not in columns, table


@pytest.mark.django_db(transaction=True)
def test_the_migration_deletes_the_names_already_stored():
    gesprek = make_gesprek()  # made with today's models, before going back to 0004
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    try:
        old = executor.loader.project_state(BEFORE).apps
        Gesprek = old.get_model("meetings", "Gesprek")
        DisplayName = old.get_model("meetings", "DisplayName")
        DisplayName.objects.create(gesprek_id=gesprek.pk, name="Quirinus")
        assert DisplayName.objects.filter(gesprek_id=gesprek.pk).count() == 1
        assert Gesprek.objects.filter(pk=gesprek.pk).exists()

        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(AFTER)
        assert "meetings_displayname" not in connection.introspection.table_names()
        with connection.cursor() as cursor:
            for table in connection.introspection.table_names():
                cursor.execute(f'SELECT * FROM "{table}"')  # noqa: S608 - table names from Django
                assert "Quirinus" not in repr(cursor.fetchall()), table
    finally:  # back to the newest migrations, for the tests that follow
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())

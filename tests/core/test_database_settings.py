"""PostgreSQL connections bind parameters on the server and prepare the statements they run
often; GK_DB_PREPARED_STATEMENTS=false turns that off (for poolers that cannot keep them)."""

import json
import os
import subprocess
import sys

import pytest
from django.db import connection

from gesprekskaarten.meetings.models import Participant

PRINT_OPTIONS = (
    "import django; django.setup(); from django.conf import settings; import json; "
    "print(json.dumps(settings.DATABASES['default']['OPTIONS']))"
)


def production_options(**env) -> dict:
    environment = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("GK_", "DATABASE_URL"))},
        "DJANGO_SETTINGS_MODULE": "gesprekskaarten.settings.production",
        "SECRET_KEY": "settings-check-" + "x" * 40,
        "DATABASE_URL": "postgres://gk@127.0.0.1:5432/gk?sslmode=require",
        **env,
    }
    result = subprocess.run(
        [sys.executable, "-c", PRINT_OPTIONS],
        env=environment, capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    return json.loads(result.stdout)


def test_production_prepares_statements_unless_told_not_to():
    options = production_options()
    assert options["server_side_binding"] is True and options["prepare_threshold"] == 5
    assert options["sslmode"] == "require" and options["pool"]["max_size"] == 16

    options = production_options(GK_DB_PREPARED_STATEMENTS="false")
    assert "server_side_binding" not in options and "prepare_threshold" not in options
    assert options["sslmode"] == "require"


@pytest.mark.django_db
def test_a_query_run_often_is_prepared_on_postgresql():
    if connection.vendor == "sqlite":  # the SQLite pass: none of PostgreSQL's options apply
        assert "server_side_binding" not in connection.settings_dict["OPTIONS"]
        return
    for number in range(6):
        list(Participant.objects.filter(pk=number))
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        prepared = [row[0] for row in cursor.fetchall()]
    assert any('FROM "meetings_participant"' in statement for statement in prepared), prepared

"""The database refuses a new anonymity threshold once marking has started (issue 13), also
for an UPDATE that does not go through Gesprek.save(): a trigger on SQLite and PostgreSQL.

On SQLite, a later migration that rebuilds meetings_gesprek (most AlterField operations) drops
the trigger: such a migration must create it again. tests/meetings/test_threshold.py fails
when it is missing."""

from django.db import migrations

MESSAGE = "the anonymity threshold cannot change once marking has started"

SQLITE = f"""
CREATE TRIGGER gk_threshold_fixed BEFORE UPDATE OF threshold ON meetings_gesprek
FOR EACH ROW WHEN NEW.threshold <> OLD.threshold AND OLD.step NOT IN ('lobby', 'review')
BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;
"""

POSTGRESQL = [
    f"""
CREATE FUNCTION gk_threshold_fixed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'integrity_constraint_violation';
END $$;
""",
    """
CREATE TRIGGER gk_threshold_fixed BEFORE UPDATE OF threshold ON meetings_gesprek
FOR EACH ROW WHEN (NEW.threshold IS DISTINCT FROM OLD.threshold
                   AND OLD.step NOT IN ('lobby', 'review'))
EXECUTE FUNCTION gk_threshold_fixed();
""",
]


def add_trigger(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute(SQLITE)
    elif vendor == "postgresql":
        for statement in POSTGRESQL:
            schema_editor.execute(statement)


def drop_trigger(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute("DROP TRIGGER IF EXISTS gk_threshold_fixed")
    elif vendor == "postgresql":
        schema_editor.execute("DROP TRIGGER IF EXISTS gk_threshold_fixed ON meetings_gesprek")
        schema_editor.execute("DROP FUNCTION IF EXISTS gk_threshold_fixed()")


class Migration(migrations.Migration):
    dependencies = [("meetings", "0003_themes_votes_follow_up")]

    operations = [migrations.RunPython(add_trigger, drop_trigger)]

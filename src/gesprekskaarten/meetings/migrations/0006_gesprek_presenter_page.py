"""The page of the results the presenter screen shows (issue 16).

Adding a column rebuilds meetings_gesprek on SQLite, which drops the threshold trigger of
migration 0004: it is created again here."""

from django.db import migrations, models

from importlib import import_module


def recreate_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute("DROP TRIGGER IF EXISTS gk_threshold_fixed")
        trigger = import_module(
            "gesprekskaarten.meetings.migrations.0004_threshold_fixed_once_marking_started"
        )
        schema_editor.execute(trigger.SQLITE)


class Migration(migrations.Migration):
    dependencies = [("meetings", "0005_remove_display_names")]

    operations = [
        migrations.AddField(
            model_name="gesprek",
            name="presenter_page",
            field=models.PositiveSmallIntegerField(
                default=0,
                help_text="Which page of the results the presenter screen shows: 0 is the overview.",
                verbose_name="presenter page",
            ),
        ),
        migrations.RunPython(recreate_trigger, migrations.RunPython.noop),
    ]

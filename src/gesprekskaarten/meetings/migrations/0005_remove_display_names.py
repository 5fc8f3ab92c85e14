"""No name at joining (issue 16): delete the names already stored, then the table."""

from django.db import migrations


def delete_names(apps, schema_editor):
    apps.get_model("meetings", "DisplayName").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("meetings", "0004_threshold_fixed_once_marking_started"),
    ]

    operations = [
        # Irreversible on purpose: names that were deleted cannot come back.
        migrations.RunPython(delete_names, migrations.RunPython.noop),
        migrations.DeleteModel(name="DisplayName"),
    ]

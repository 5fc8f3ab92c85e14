"""A leader's mirror (issue 15): Gesprek.kind and Gesprek.leader, and MirrorSelfView.

Adding columns and a constraint rebuilds meetings_gesprek on SQLite, which drops the threshold
trigger of migration 0004: it is created again here, as in 0006."""

from importlib import import_module

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def recreate_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute("DROP TRIGGER IF EXISTS gk_threshold_fixed")
        trigger = import_module(
            "gesprekskaarten.meetings.migrations.0004_threshold_fixed_once_marking_started"
        )
        schema_editor.execute(trigger.SQLITE)


class Migration(migrations.Migration):

    dependencies = [
        ('decks', '0001_initial'),
        ('meetings', '0007_retention_archive'),
        ('teams', '0004_organisation_required'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='MirrorSelfView',
            fields=[
                ('gesprek', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name='self_view', serialize=False, to='meetings.gesprek')),
                ('choices', models.JSONField(default=dict)),
                ('shared_at', models.DateTimeField(blank=True, null=True, verbose_name='shared with the team at')),
            ],
            options={
                'verbose_name': "leader's self-view",
                'verbose_name_plural': "leaders' self-views",
            },
        ),
        migrations.AddField(
            model_name='gesprek',
            name='kind',
            field=models.CharField(choices=[('team', 'Team gesprek'), ('mirror', "Leader's mirror")], default='team', max_length=10, verbose_name='kind'),
        ),
        migrations.AddField(
            model_name='gesprek',
            name='leader',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='leader'),
        ),
        migrations.AddConstraint(
            model_name='gesprek',
            constraint=models.CheckConstraint(condition=models.Q(('kind', 'mirror'), ('leader__isnull', True), _connector='OR'), name='only_a_mirror_has_a_leader'),
        ),
        migrations.RunPython(recreate_trigger, migrations.RunPython.noop),
    ]

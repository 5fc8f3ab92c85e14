"""Existing teams and accounts move into one default organisation, with nothing lost: every
facilitator becomes its facilitator, every superuser its administrator."""

from django.db import migrations


def into_default_organisation(apps, schema_editor):
    Team = apps.get_model("teams", "Team")
    Organisation = apps.get_model("organisations", "Organisation")
    Membership = apps.get_model("organisations", "Membership")
    User = apps.get_model("auth", "User")
    teams = Team.objects.filter(organisation__isnull=True)
    if not teams.exists():
        return
    organisation, _ = Organisation.objects.get_or_create(
        slug="standaard", defaults={"name": "Standaardorganisatie"}
    )
    teams.update(organisation=organisation)
    for user in User.objects.filter(is_superuser=True):
        Membership.objects.get_or_create(
            organisation=organisation, user=user, defaults={"role": "admin"}
        )
    for user in User.objects.filter(teams__organisation=organisation).distinct():
        Membership.objects.get_or_create(
            organisation=organisation, user=user, defaults={"role": "facilitator"}
        )


class Migration(migrations.Migration):
    dependencies = [
        ("teams", "0002_team_organisation"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(into_default_organisation, migrations.RunPython.noop)]

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("organisations", "0001_initial"),
        ("teams", "0003_default_organisation"),
    ]

    operations = [
        migrations.AlterField(
            model_name="team",
            name="organisation",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="teams",
                to="organisations.organisation",
                verbose_name="organisation",
            ),
        ),
    ]

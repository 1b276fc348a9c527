"""Employee moved to the core (plexcopilot 0005): these foreign keys now name plexcopilot.Employee. State only:
the table they point at (`labor_employee`) and their database constraints are unchanged."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('plex', '0001_initial'),
        ('plexcopilot', '0005_employee'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.AlterField(
                    model_name='laborentry',
                    name='employee',
                    field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='plex_labor', to='plexcopilot.employee'),
                ),
            ],
        ),
    ]

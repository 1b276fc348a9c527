"""Employee moved to the core (plexcopilot 0005): these foreign keys now name plexcopilot.Employee. State only:
the table they point at (`labor_employee`) and their database constraints are unchanged."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('plexcopilot', '0005_employee'),
        ('quality', '0006_triage_approved_revision'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.AlterField(
                    model_name='defectreport',
                    name='reported_by',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='plexcopilot.employee'),
                ),
                migrations.AlterField(
                    model_name='ncr',
                    name='reported_by',
                    field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='plexcopilot.employee'),
                ),
            ],
        ),
    ]

"""Employee moved to the core (plexcopilot 0005): these foreign keys now name plexcopilot.Employee. State only:
the table they point at (`labor_employee`) and their database constraints are unchanged."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('labor_analytics', '0001_initial'),
        ('plexcopilot', '0005_employee'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.AlterField(
                    model_name='employeegrade',
                    name='employee',
                    field=models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='labor_grade', to='plexcopilot.employee'),
                ),
                migrations.AlterField(
                    model_name='timecardapproval',
                    name='employee',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='plexcopilot.employee'),
                ),
            ],
        ),
    ]

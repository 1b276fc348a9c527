"""The second half of moving Employee to the core (plexcopilot 0005): labor's foreign keys now name
plexcopilot.Employee and labor forgets the model. State only: the table `labor_employee`, the rows and the
PostgreSQL foreign-key constraints are left exactly as they were."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('copilot', '0006_employee_in_core'),
        ('instructions', '0007_employee_in_core'),
        ('labor', '0005_employee_role_material_handler'),
        ('labor_analytics', '0002_employee_in_core'),
        ('plex', '0002_employee_in_core'),
        ('plexcopilot', '0005_employee'),
        ('quality', '0007_employee_in_core'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.AlterField(
                    model_name='absence',
                    name='employee',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='absences', to='plexcopilot.employee'),
                ),
                migrations.AlterField(
                    model_name='crewassignment',
                    name='employee',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='plexcopilot.employee'),
                ),
                migrations.AlterField(
                    model_name='laborflag',
                    name='employee',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='labor_flags', to='plexcopilot.employee'),
                ),
                migrations.AlterField(
                    model_name='andoncall',
                    name='raised_by',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='plexcopilot.employee'),
                ),
                migrations.AlterField(
                    model_name='punch',
                    name='employee',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='punches', to='plexcopilot.employee'),
                ),
                migrations.AlterField(
                    model_name='employeecertification',
                    name='employee',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='certifications', to='plexcopilot.employee'),
                ),
                migrations.DeleteModel(
                    name='Employee',
                ),
            ],
        ),
    ]

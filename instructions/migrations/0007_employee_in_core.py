"""Employee moved to the core (plexcopilot 0005): these foreign keys now name plexcopilot.Employee. State only:
the table they point at (`labor_employee`) and their database constraints are unchanged."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('instructions', '0006_step_media'),
        ('plexcopilot', '0005_employee'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.AlterField(
                    model_name='adaptationlog',
                    name='employee',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='plexcopilot.employee'),
                ),
                migrations.AlterField(
                    model_name='certificationoverride',
                    name='operator',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='plexcopilot.employee'),
                ),
                migrations.AlterField(
                    model_name='certificationoverride',
                    name='supervisor',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='plexcopilot.employee'),
                ),
                migrations.AlterField(
                    model_name='criticalsignoff',
                    name='operator',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='plexcopilot.employee'),
                ),
                migrations.AlterField(
                    model_name='criticalsignoff',
                    name='signer',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='plexcopilot.employee'),
                ),
                migrations.AlterField(
                    model_name='execution',
                    name='operator',
                    field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='plexcopilot.employee'),
                ),
                migrations.AlterField(
                    model_name='execution',
                    name='started_by',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='plexcopilot.employee'),
                ),
                migrations.AlterField(
                    model_name='measurement',
                    name='entered_by',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='plexcopilot.employee'),
                ),
                migrations.AlterField(
                    model_name='productionreport',
                    name='reported_by',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='plexcopilot.employee'),
                ),
                migrations.AlterField(
                    model_name='runhandoff',
                    name='from_employee',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='plexcopilot.employee'),
                ),
                migrations.AlterField(
                    model_name='runhandoff',
                    name='to_employee',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='plexcopilot.employee'),
                ),
                migrations.AlterField(
                    model_name='stepcompletion',
                    name='completed_by',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='plexcopilot.employee'),
                ),
                migrations.AlterField(
                    model_name='unclearflag',
                    name='raised_by',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='plexcopilot.employee'),
                ),
                migrations.AlterField(
                    model_name='versionswitch',
                    name='acknowledged_by',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='plexcopilot.employee'),
                ),
            ],
        ),
    ]

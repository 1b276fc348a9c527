"""CertificationType moved to the core (plexcopilot 0006): Operation.required_certification names it there.
State only: the table it points at (`labor_certificationtype`) and the constraint are unchanged."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('instructions', '0007_employee_in_core'),
        ('plexcopilot', '0006_certification_type'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.AlterField(
                    model_name='operation',
                    name='required_certification',
                    field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, to='plexcopilot.certificationtype'),
                ),
            ],
        ),
    ]

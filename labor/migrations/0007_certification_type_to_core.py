"""The second half of moving CertificationType to the core (plexcopilot 0006): EmployeeCertification names it
there and labor forgets the model. State only: table, rows and constraints stay as they were."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('instructions', '0008_certification_type_in_core'),
        ('labor', '0006_employee_to_core'),
        ('plexcopilot', '0006_certification_type'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.AlterField(
                    model_name='employeecertification',
                    name='certification_type',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, to='plexcopilot.certificationtype'),
                ),
                migrations.DeleteModel(
                    name='CertificationType',
                ),
            ],
        ),
    ]

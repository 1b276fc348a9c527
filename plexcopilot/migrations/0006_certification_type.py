"""CertificationType (the catalog of certifications) moves from labor to the core without moving data.

State only, as Employee did in 0005: the model is declared here on its existing table `labor_certificationtype`;
no table, index or constraint is touched. The content type follows the model. instructions 0008 re-points
Operation.required_certification, labor 0007 re-points EmployeeCertification and forgets the model."""

from django.db import migrations, models



def _content_type_move(apps, schema_editor, *, old: str, new: str) -> None:
    ContentType = apps.get_model('contenttypes', 'ContentType')
    db = schema_editor.connection.alias
    if not ContentType.objects.using(db).filter(app_label=new, model='certificationtype').exists():
        ContentType.objects.using(db).filter(app_label=old, model='certificationtype').update(app_label=new)


def content_type_forward(apps, schema_editor) -> None:
    _content_type_move(apps, schema_editor, old='labor', new='plexcopilot')


def content_type_backward(apps, schema_editor) -> None:
    _content_type_move(apps, schema_editor, old='plexcopilot', new='labor')


class Migration(migrations.Migration):

    dependencies = [
        ('plexcopilot', '0005_employee'),
        ('labor', '0006_employee_to_core'),  # the table labor_certificationtype exists, as labor left it
        ('contenttypes', '0002_remove_content_type_name'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name='CertificationType',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('code', models.CharField(max_length=32, unique=True)),
                        ('name', models.CharField(max_length=120)),
                        ('validity_days', models.PositiveIntegerField(default=365)),
                        ('plex_id', models.CharField(blank=True, db_index=True, max_length=64)),
                    ],
                    options={
                        'db_table': 'labor_certificationtype',
                        'ordering': ['code'],
                    },
                ),
            ],
        ),
        migrations.RunPython(content_type_forward, content_type_backward),
    ]

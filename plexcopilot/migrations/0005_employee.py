"""Employee (identity: badge, PIN, language, role) moves from labor to the core without moving data.

State only: the model is declared here on its existing table `labor_employee`; no table, index or constraint
is created, dropped or rebuilt. The content type follows the model (labor.employee -> plexcopilot.employee), so
its permissions, group grants and admin log entries stay attached. labor 0006 removes the old declaration after
every app's foreign keys point here (their `*_employee_in_core` migrations)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def _content_type_move(apps, schema_editor, *, old: str, new: str) -> None:
    # A fresh database has no content types yet (they are made after migrate); an existing one has the old row.
    ContentType = apps.get_model('contenttypes', 'ContentType')
    db = schema_editor.connection.alias
    if not ContentType.objects.using(db).filter(app_label=new, model='employee').exists():
        ContentType.objects.using(db).filter(app_label=old, model='employee').update(app_label=new)


def content_type_forward(apps, schema_editor) -> None:
    _content_type_move(apps, schema_editor, old='labor', new='plexcopilot')


def content_type_backward(apps, schema_editor) -> None:
    _content_type_move(apps, schema_editor, old='plexcopilot', new='labor')


class Migration(migrations.Migration):

    dependencies = [
        ('plexcopilot', '0004_audit_guard_owner_only'),
        ('labor', '0005_employee_role_material_handler'),  # the table labor_employee exists, as labor left it
        ('contenttypes', '0002_remove_content_type_name'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name='Employee',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('badge_id', models.CharField(max_length=32, unique=True)),
                        ('pin_hash', models.CharField(max_length=128)),
                        ('first_name', models.CharField(max_length=80)),
                        ('last_name', models.CharField(max_length=80)),
                        ('language', models.CharField(choices=[('en', 'English'), ('es', 'Español'), ('pl', 'Polski'), ('vi', 'Tiếng Việt'), ('pt', 'Português')], default='en', max_length=10)),
                        ('role', models.CharField(choices=[('operator', 'Operator'), ('supervisor', 'Supervisor'), ('quality', 'Quality engineer'), ('planner', 'Production planner'), ('material_handler', 'Material handler'), ('admin', 'Plant admin')], db_index=True, default='operator', max_length=20)),
                        ('shift', models.CharField(blank=True, max_length=4)),
                        ('active', models.BooleanField(default=True)),
                        ('plex_employee_id', models.CharField(blank=True, db_index=True, max_length=64)),
                        ('user', models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, related_name='employee', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'labor_employee',
                        'ordering': ['last_name', 'first_name'],
                    },
                ),
            ],
        ),
        migrations.RunPython(content_type_forward, content_type_backward),
    ]

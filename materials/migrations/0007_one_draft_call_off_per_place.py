"""0006 first kept one open (draft or requested) buffer call-off per place; it now keeps one draft
(`one_draft_call_off_per_place`), so that requested call-offs the earlier race doubled never stop `migrate`. A
database that applied the first 0006 drops that constraint here and gets the new one; elsewhere this changes nothing."""

from django.db import migrations

OLD, NEW = "one_open_call_off_per_place", "one_draft_call_off_per_place"


def one_draft_per_place(apps, schema_editor):
    CallOff = apps.get_model("materials", "CallOff")
    table = CallOff._meta.db_table
    with schema_editor.connection.cursor() as cursor:
        existing = schema_editor.connection.introspection.get_constraints(cursor, table)
    if OLD in existing:  # a partial unique constraint is a unique index on PostgreSQL and SQLite
        schema_editor.execute(f"DROP INDEX {schema_editor.quote_name(OLD)}")
    if NEW not in existing:
        schema_editor.add_constraint(CallOff, next(c for c in CallOff._meta.constraints if c.name == NEW))


class Migration(migrations.Migration):
    dependencies = [
        ("materials", "0006_open_once_per_place"),
    ]

    operations = [
        migrations.RunPython(one_draft_per_place, migrations.RunPython.noop),
    ]

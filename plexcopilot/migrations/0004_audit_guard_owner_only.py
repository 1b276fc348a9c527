"""The audit guard's off-switch only for the table owner's role, a TRUNCATE trigger, and a first checkpoint.

Events written before this migration keep their plain SHA-256 hashes (still verified); later ones are HMAC'd with
the audit key (plexcopilot.audit_chain). The checkpoint written here anchors the existing chain outside the database.
"""

from django.db import migrations


def install(apps, schema_editor):
    from plexcopilot.audit_guard import install as install_guard

    install_guard(schema_editor)


def anchor(apps, schema_editor):
    AuditEvent = apps.get_model("plexcopilot", "AuditEvent")
    last = AuditEvent.objects.using(schema_editor.connection.alias).order_by("-id").first()
    if last is None:
        return
    from plexcopilot.audit_chain import checkpoint_write

    count = AuditEvent.objects.using(schema_editor.connection.alias).count()
    checkpoint_write(count=count, last_id=last.pk, head=last.hash, reason="keyed")


class Migration(migrations.Migration):
    dependencies = [("plexcopilot", "0003_worker_heartbeat")]

    operations = [
        migrations.RunPython(install, migrations.RunPython.noop),
        migrations.RunPython(anchor, migrations.RunPython.noop),
    ]

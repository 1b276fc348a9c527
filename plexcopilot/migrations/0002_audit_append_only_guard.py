"""Database triggers that refuse UPDATE and DELETE on the audit table (see plexcopilot.audit_guard)."""

from django.db import migrations


def install(apps, schema_editor):
    from plexcopilot.audit_guard import install as install_guard

    install_guard(schema_editor)


def uninstall(apps, schema_editor):
    from plexcopilot.audit_guard import uninstall as uninstall_guard

    uninstall_guard(schema_editor)


class Migration(migrations.Migration):
    dependencies = [("plexcopilot", "0001_initial")]

    operations = [migrations.RunPython(install, uninstall)]

from django.apps import AppConfig
from django.db.backends.signals import connection_created


class PlexcopilotConfig(AppConfig):
    name = "plexcopilot"
    verbose_name = "Plant people and audit trail"

    def ready(self) -> None:
        from plexcopilot.admin_audit import admin_audit_connect
        from plexcopilot.audit_guard import register_sqlite_function

        admin_audit_connect()

        connection_created.connect(register_sqlite_function, dispatch_uid="plexcopilot-audit-guard")

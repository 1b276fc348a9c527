from django.apps import AppConfig
from django.db.backends.signals import connection_created


class PlexcopilotConfig(AppConfig):
    name = "plexcopilot"
    verbose_name = "Plant people and audit trail"

    def ready(self) -> None:
        from plexcopilot.audit_guard import register_sqlite_function

        connection_created.connect(register_sqlite_function, dispatch_uid="plexcopilot-audit-guard")

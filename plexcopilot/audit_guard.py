"""The database-level guard that keeps the audit table append-only.

Triggers (created by migration plexcopilot 0002) refuse UPDATE and DELETE on the audit table:
on PostgreSQL a PL/pgSQL trigger, on SQLite triggers that call `plexcopilot_audit_guard()`, an SQL
function only this app registers on its connections, so any other client (the sqlite3 shell)
fails on it too. Only `manage.py flush` (which empties the whole database, e.g. between tests)
lifts the guard, for its own duration.
"""

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import connections

_lock = threading.Lock()
_suspended = 0

SQLITE_TRIGGERS = [
    """CREATE TRIGGER IF NOT EXISTS plexcopilot_audit_no_update BEFORE UPDATE ON plexcopilot_auditevent
       WHEN plexcopilot_audit_guard() BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END""",
    """CREATE TRIGGER IF NOT EXISTS plexcopilot_audit_no_delete BEFORE DELETE ON plexcopilot_auditevent
       WHEN plexcopilot_audit_guard() BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END""",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS plexcopilot_audit_no_update",
    "DROP TRIGGER IF EXISTS plexcopilot_audit_no_delete",
]
POSTGRES_TRIGGERS = [
    # The switch (`plexcopilot.audit_guard` = off) only works for a member of the role that owns the table: the
    # application's own role (README "Deployment": a separate owner role runs migrations) cannot use it.
    """CREATE OR REPLACE FUNCTION plexcopilot_audit_append_only() RETURNS trigger AS $$
       BEGIN
         IF current_setting('plexcopilot.audit_guard', true) = 'off' AND pg_has_role(current_user,
              (SELECT tableowner FROM pg_tables WHERE tablename = 'plexcopilot_auditevent' LIMIT 1), 'MEMBER') THEN
           IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
           RETURN NEW;
         END IF;
         RAISE EXCEPTION 'audit events are append-only (% refused)', TG_OP USING ERRCODE = 'restrict_violation';
       END $$ LANGUAGE plpgsql""",
    "DROP TRIGGER IF EXISTS plexcopilot_audit_append_only ON plexcopilot_auditevent",
    """CREATE TRIGGER plexcopilot_audit_append_only BEFORE UPDATE OR DELETE ON plexcopilot_auditevent
       FOR EACH ROW EXECUTE FUNCTION plexcopilot_audit_append_only()""",
    # Row triggers do not fire on TRUNCATE.
    "DROP TRIGGER IF EXISTS plexcopilot_audit_no_truncate ON plexcopilot_auditevent",
    """CREATE TRIGGER plexcopilot_audit_no_truncate BEFORE TRUNCATE ON plexcopilot_auditevent
       FOR EACH STATEMENT EXECUTE FUNCTION plexcopilot_audit_append_only()""",
]
POSTGRES_DROP = [
    "DROP TRIGGER IF EXISTS plexcopilot_audit_no_truncate ON plexcopilot_auditevent",
    "DROP TRIGGER IF EXISTS plexcopilot_audit_append_only ON plexcopilot_auditevent",
    "DROP FUNCTION IF EXISTS plexcopilot_audit_append_only()",
]


def _guard_active() -> int:
    return 0 if _suspended else 1


def register_sqlite_function(sender: Any, connection: Any, **kwargs: Any) -> None:
    """connection_created handler: give each SQLite connection the guard's SQL function."""
    if connection.vendor == "sqlite":
        connection.connection.create_function("plexcopilot_audit_guard", 0, _guard_active)


@contextmanager
def audit_guard_suspended(using: str = "default") -> Iterator[None]:
    """Let UPDATE/DELETE through for the block. Only for flushing a whole database (and tests of the guard)."""
    global _suspended
    connection = connections[using]
    with _lock:
        _suspended += 1
    try:
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT set_config('plexcopilot.audit_guard', 'off', false)")
        yield
    finally:
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT set_config('plexcopilot.audit_guard', 'on', false)")
        with _lock:
            _suspended -= 1


def install(schema_editor: Any) -> None:
    vendor = schema_editor.connection.vendor
    for sql in {"sqlite": SQLITE_TRIGGERS, "postgresql": POSTGRES_TRIGGERS}.get(vendor, []):
        schema_editor.execute(sql, params=None)


def uninstall(schema_editor: Any) -> None:
    vendor = schema_editor.connection.vendor
    for sql in {"sqlite": SQLITE_DROP, "postgresql": POSTGRES_DROP}.get(vendor, []):
        schema_editor.execute(sql, params=None)

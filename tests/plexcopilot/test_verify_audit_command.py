import os
import shutil
import sqlite3
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection

from plexcopilot.audit_guard import audit_guard_suspended
from plexcopilot.models import AuditEvent
from plexcopilot.services import audit_record


def events(n=4):
    return [audit_record(actor=None, action="test.event", object_type="thing", object_id=str(i),
                         summary=f"event {i}") for i in range(n)]  # fmt: skip


@pytest.mark.django_db
class TestVerifyAuditCommand:
    def test_it_reports_an_intact_chain(self, capsys):
        events()
        call_command("verify_audit")
        assert "Audit trail intact: 4 events" in capsys.readouterr().out

    def test_it_names_the_first_broken_entry(self):
        broken = events()[2]
        with audit_guard_suspended():
            AuditEvent.objects.filter(pk=broken.pk).update(actor_name="someone else")
        with pytest.raises(CommandError, match=f"event {broken.pk} was altered"):
            call_command("verify_audit")


def verify_copies(tmp_path, event_pk):
    """Copy the SQLite database twice; in one copy a tamperer drops the trigger and edits event `event_pk`.

    Returns the `manage.py verify_audit` results (intact copy, tampered copy).
    """
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA wal_checkpoint(FULL)")
    dirs = {}
    for name in ("intact", "tampered"):
        dirs[name] = tmp_path / name
        dirs[name].mkdir()
        shutil.copy(settings.DATABASES["default"]["NAME"], dirs[name] / "plexcopilot.sqlite3")
        (dirs[name] / "secret_key").write_text("test-only")
    db = sqlite3.connect(dirs["tampered"] / "plexcopilot.sqlite3")
    with pytest.raises(sqlite3.OperationalError, match="plexcopilot_audit_guard"):
        db.execute("UPDATE plexcopilot_auditevent SET summary = 'nothing happened' WHERE id = ?", [event_pk])
    db.execute("DROP TRIGGER plexcopilot_audit_no_update")
    db.execute("UPDATE plexcopilot_auditevent SET summary = 'nothing happened' WHERE id = ?", [event_pk])
    db.commit()
    db.close()

    def verify(data_dir):
        env = {
            k: v
            for k, v in os.environ.items()
            if k not in ("DATABASE_TEST_NAME", "DATABASE_URL", "REDIS_URL")
        }
        return subprocess.run([sys.executable, "manage.py", "verify_audit"], cwd=settings.BASE_DIR,
                              env={**env, "PLEXCOPILOT_DATA_DIR": str(data_dir), "AUDIT_HMAC_KEY": settings.AUDIT_HMAC_KEY},
                              capture_output=True, text=True)  # fmt: skip

    return verify(dirs["intact"]), verify(dirs["tampered"])


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(bool(os.environ.get("DATABASE_URL")), reason="copies the SQLite database file")
def test_it_fails_on_a_tampered_copy_of_the_database(tmp_path):
    """A tamperer with the file: drops the trigger in a copy, edits a row; verify_audit names the row."""
    target = events()[1]
    intact, tampered = verify_copies(tmp_path, target.pk)
    assert intact.returncode == 0, intact.stderr
    assert "intact: 4 events" in intact.stdout
    assert tampered.returncode == 1
    assert f"event {target.pk} was altered" in tampered.stderr

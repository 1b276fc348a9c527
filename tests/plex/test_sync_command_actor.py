"""`manage.py plex_sync --actor USERNAME`: who may sign the first sync's baseline instructions.

The rules of the command: `--actor` must name an existing user who is a plant admin, checked before anything is
fetched (no sync run, no data); with an admin the new baseline instructions are released under that admin's
system-import signature; without `--actor` the sync still runs and the baselines wait as drafts.
"""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from instructions.models import WorkInstruction
from plex.models import SyncRun
from plexcopilot.models import AuditEvent

pytestmark = pytest.mark.django_db


def plex_sync_command(*args: str) -> str:
    out = StringIO()
    call_command("plex_sync", *args, stdout=out)
    return out.getvalue()


def released() -> int:
    return WorkInstruction.objects.filter(current_version__isnull=False).count()


def test_an_unknown_username_is_refused_before_anything_is_fetched(plex_on, plex_admin):
    with pytest.raises(CommandError, match="--actor 'nobody' is not a plant admin's username"):
        plex_sync_command("--actor", "nobody")
    assert not SyncRun.objects.exists() and not WorkInstruction.objects.exists()
    assert plex_on.requests == []  # nothing asked of Plex


def test_a_user_who_is_not_an_admin_is_refused(plex_on, plant):
    supervisor = plant.supervisor.user.username
    with pytest.raises(CommandError, match=f"--actor '{supervisor}' is not a plant admin's username"):
        plex_sync_command("--actor", supervisor)
    assert not SyncRun.objects.exists()
    assert AuditEvent.objects.filter(action="instructions.system_import_signed").count() == 0


def test_the_username_must_match_exactly(plex_on, plex_admin):
    with pytest.raises(CommandError):
        plex_sync_command("--actor", "ADMIN-ADA")
    with pytest.raises(CommandError):
        plex_sync_command("--actor=")  # an empty name is no admin either
    assert not SyncRun.objects.exists()


def test_without_actor_the_first_sync_runs_and_its_baselines_wait_as_drafts(plex_on, plex_admin):
    out = plex_sync_command()
    assert "sync ok" in out
    assert WorkInstruction.objects.count() == 4 and released() == 0
    assert AuditEvent.objects.filter(action="instructions.baseline_awaiting_approval").count() == 4
    assert not AuditEvent.objects.filter(action="instructions.system_import_signed").exists()


def test_with_an_admin_the_first_sync_releases_each_baseline_under_their_signature(plex_on, plex_admin):
    out = plex_sync_command("--actor", "admin-ada")
    assert "sync ok" in out
    assert WorkInstruction.objects.count() == 4 and released() == 4
    for instruction in WorkInstruction.objects.all():
        version = instruction.current_version
        assert version.published_by == plex_admin
        signed = AuditEvent.objects.get(action="instructions.system_import_signed", object_id=str(version.pk))
        assert signed.actor == plex_admin and signed.data["method"] == "system_import"


def test_an_admin_running_a_later_sync_releases_the_drafts_an_earlier_background_sync_left(
    plex_on, plex_admin
):
    plex_sync_command()
    assert released() == 0
    plex_sync_command("--actor", "admin-ada")
    assert released() == 4


def test_actor_is_checked_even_when_only_scheduling(plex_on, plant):
    with pytest.raises(CommandError, match="not a plant admin"):
        plex_sync_command("--schedule", "--actor", plant.supervisor.user.username)

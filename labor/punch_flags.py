"""The supervisor's punch-flag queue: accept or dismiss a finding, or correct the punches behind it."""

import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from labor.errors import LaborError
from labor.models import FlagStatus, LaborFlag, Punch, PunchKind, PunchSource
from labor.punch_checks import punches_validate
from labor.punches import punch_record
from plexcopilot.services import audit_record


def flag_accept(*, flag: LaborFlag, user: Any, note: str = "") -> LaborFlag:
    """The finding is right and needs no punch change (e.g. the employee was told)."""
    return _flag_close(flag, user, FlagStatus.ACCEPTED, note, "accepted")


def flag_dismiss(*, flag: LaborFlag, user: Any, note: str) -> LaborFlag:
    if not note.strip():
        raise LaborError("Say why the flag is dismissed, so the next reader knows.")
    return _flag_close(flag, user, FlagStatus.DISMISSED, note, "dismissed")


def _flag_close(flag: LaborFlag, user: Any, status: str, note: str, verb: str,
                correction: Punch | None = None) -> LaborFlag:  # fmt: skip
    with transaction.atomic():
        locked = LaborFlag.objects.select_for_update().get(pk=flag.pk)
        if locked.status != FlagStatus.OPEN:
            raise LaborError(f"This flag was already {locked.get_status_display().lower()}.")
        locked.status, locked.resolved_by, locked.resolved_at = status, user, timezone.now()
        locked.resolution_note, locked.correction = note.strip()[:500], correction
        locked.save(update_fields=["status", "resolved_by", "resolved_at", "resolution_note", "correction"])
        audit_record(actor=user, action=f"labor_flag.{verb}", obj=locked,
                     summary=f"Labor flag {locked.rule} for {locked.employee} {verb}: {note.strip()[:200]}",
                     data={"correction": correction.pk if correction else None})  # fmt: skip
    return locked


def flag_correct(
    *, flag: LaborFlag, user: Any, mode: str, at: datetime.datetime | None, kind: str = "", note: str = ""
) -> Punch:
    """Correct the punches behind a flag with a NEW punch; the original is kept as it was.

    mode "replace": the flagged punch at a corrected time; "void": the flagged punch removed;
    "add": a missing punch of `kind` at `at` (e.g. a forgotten clock-out)."""
    original = flag.punch
    if mode in ("replace", "void") and original is None:
        raise LaborError("This flag has no punch to change; add the missing punch instead.")
    if mode in ("replace", "add") and at is None:
        raise LaborError("Enter the corrected date and time.")
    if at is not None and at > timezone.now() + datetime.timedelta(minutes=5):
        raise LaborError("A corrected punch cannot be in the future.")
    if mode == "add" and kind not in PunchKind.values:
        raise LaborError("Choose which punch is missing (clock in, clock out, job on or job off).")
    if mode not in ("replace", "void", "add"):
        raise LaborError("Choose how to correct the punch.")
    with transaction.atomic():
        if mode == "add":
            correction = punch_record(flag.employee, kind, at=at, source=PunchSource.CORRECTION, recorded_by=user,
                                work_center_id=original.work_center_id if original else None,
                                work_order=original.work_order if original else None,
                                note=note[:300] or f"added for flag {flag.pk}")  # fmt: skip
        else:
            assert original is not None
            correction = punch_record(flag.employee, original.kind, at=at or original.at, source=PunchSource.CORRECTION,
                                recorded_by=user, work_center_id=original.work_center_id,
                                work_order=original.work_order, station=original.station, replaces=original,
                                voids=mode == "void", note=note[:300] or f"correction for flag {flag.pk}")  # fmt: skip
        closed = _flag_close(flag, user, FlagStatus.CORRECTED, note or mode, "corrected", correction)
    day_start = datetime.datetime.combine(
        closed.day, datetime.time(0), tzinfo=timezone.get_current_timezone()
    )
    punches_validate(employee_ids=[flag.employee_id], start=day_start - datetime.timedelta(days=1))
    return correction

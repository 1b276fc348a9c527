"""The supervisor's punch-flag queue: accept or dismiss a finding, or correct the punches behind it."""

import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from labor.errors import LaborError, local_time
from labor.models import FlagStatus, LaborFlag, Punch, PunchKind, PunchSource
from labor.punch_checks import punches_validate
from labor.punches import punch_record
from labor.selectors import punches_effective, shift_list, shift_next, shift_window
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
        locked = LaborFlag.objects.select_for_update(no_key=True).get(pk=flag.pk)
        if locked.status != FlagStatus.OPEN:
            raise LaborError(f"This flag was already {locked.get_status_display().lower()}.")
        locked.status, locked.resolved_by, locked.resolved_at = status, user, timezone.now()
        locked.resolution_note, locked.correction = note.strip()[:500], correction
        locked.save(update_fields=["status", "resolved_by", "resolved_at", "resolution_note", "correction"])
        changed = correction.replaces if correction else None
        summary = f"Labor flag {locked.rule} for {locked.employee} {verb}: {note.strip()[:200]}"
        if correction is not None and changed is not None:
            summary += (f" ({'removed' if correction.voids else 'moved'} the {changed.get_kind_display().lower()}"
                        f" punch {changed.pk} of {local_time(changed.at)})")  # fmt: skip
        audit_record(actor=user, action=f"labor_flag.{verb}", obj=locked, summary=summary,
                     data={"correction": correction.pk if correction else None,
                           "replaces": changed.pk if changed else None,
                           "replaces_kind": changed.kind if changed else None})  # fmt: skip
    return locked


#: A corrected punch belongs to the flagged day's shift: from noon the day before (a night shift that started the
#: evening before the flagged day) to noon the day after, or later when the flagged day's last shift runs into a
#: double: until the end of the shift after it, plus an hour for a late clock-out (night shift C from 22:00, then
#: day shift A to 14:00: until 15:00).
CORRECTION_BEFORE = datetime.timedelta(hours=12)
CORRECTION_AFTER = datetime.timedelta(hours=36)
DOUBLE_SHIFT_OVERRUN = datetime.timedelta(hours=1)


def correction_window(flag: LaborFlag) -> tuple[datetime.datetime, datetime.datetime]:
    """The first and last time a correction of `flag` may be recorded at (a time in the future is refused too)."""
    midnight = datetime.datetime.combine(flag.day, datetime.time(0), tzinfo=timezone.get_current_timezone())
    last_shift = max(shift_list(), key=lambda shift: shift_window(shift, flag.day)[1])
    next_day, next_shift = shift_next(flag.day, last_shift)
    _start, double_end = shift_window(next_shift, next_day)
    return midnight - CORRECTION_BEFORE, max(midnight + CORRECTION_AFTER, double_end + DOUBLE_SHIFT_OVERRUN)


def _correction_window_check(flag: LaborFlag, at: datetime.datetime) -> None:
    """Refuse a corrected time in the future or away from the flagged day's shift, naming the times allowed."""
    first, last = correction_window(flag)
    now = timezone.now()
    future = at > now + datetime.timedelta(minutes=5)
    if not future and first <= at <= last:
        return
    until = "now" if last > now else f"{timezone.localtime(last):%a %Y-%m-%d %H:%M}"
    allowed = (f"for this flag ({flag.day:%a %Y-%m-%d}) it must be between "
               f"{timezone.localtime(first):%a %Y-%m-%d %H:%M} and {until}")  # fmt: skip
    if future:
        raise LaborError(f"A corrected punch cannot be in the future: {allowed}.")
    raise LaborError(
        f"{timezone.localtime(at):%a %Y-%m-%d %H:%M} is not on the flagged shift: {allowed} (from noon the day "
        "before to an hour after the end of a double shift worked on from the flagged day's last shift)."
    )


#: Flags about two punches: beside the flagged punch, the employee's next punch of this kind after it (the
#: clock-in that a clock-out was recorded before; the clock-out that a job was left on at).
FLAG_PAIRED_KIND = {"clock_out_before_in": PunchKind.CLOCK_IN, "job_open_at_clock_out": PunchKind.CLOCK_OUT}


def _flag_punch(flag: LaborFlag, kind: str, mode: str) -> Punch:
    """The punch of `flag` a move or removal changes: the flagged punch, or the flag's punch of the `kind` chosen."""
    flagged = flag.punch
    if flagged is None:
        raise LaborError("This flag has no punch to change; add the missing punch instead.")
    if not kind or kind == flagged.kind:
        return flagged
    paired = None
    if FLAG_PAIRED_KIND.get(flag.rule) == kind:
        paired = (punches_effective([flag.employee_id])
                  .filter(kind=kind, at__gte=flagged.at, at__lte=correction_window(flag)[1])
                  .exclude(pk=flagged.pk).order_by("at", "id").first())  # fmt: skip
    if paired is None:
        label = PunchKind(kind).label.lower() if kind in PunchKind.values else kind
        raise LaborError(
            f"This flag has no {label} punch to {'move' if mode == 'replace' else 'remove'}: its punch is the "
            f"{flagged.get_kind_display().lower()} of {local_time(flagged.at)}. Choose that kind, or add the "
            "missing punch instead."
        )
    return paired


#: The resolution note of a correction recorded without one (it used to read "add", "replace" or "void").
CORRECTED_NOTES = {"replace": "punch moved", "void": "punch removed", "add": "missing punch added"}


def flag_correct(
    *, flag: LaborFlag, user: Any, mode: str, at: datetime.datetime | None, kind: str = "", note: str = ""
) -> Punch:
    """Correct the punches behind a flag with a NEW punch; the original is kept as it was.

    mode "replace": the flag's punch of `kind` (the flagged punch when no kind is given) at a corrected time;
    "void": that punch removed; "add": a missing punch of `kind` at `at` (e.g. a forgotten clock-out)."""
    original = _flag_punch(flag, kind, mode) if mode in ("replace", "void") else flag.punch
    if mode in ("replace", "add") and at is None:
        raise LaborError("Enter the corrected date and time.")
    if at is not None and mode in ("replace", "add"):
        _correction_window_check(flag, at)
    if mode == "add" and kind not in PunchKind.values:
        raise LaborError("Choose which punch is missing (clock in, clock out, job on or job off).")
    if mode not in ("replace", "void", "add"):
        raise LaborError("Choose how to correct the punch.")
    with transaction.atomic():
        if mode == "add":
            correction = punch_record(flag.employee, kind, at=at, source=PunchSource.CORRECTION, recorded_by=user,
                                work_center_id=original.work_center_id if original else None,
                                work_order=original.work_order if original else None,
                                note=note.strip()[:500] or f"added for flag {flag.pk}")  # fmt: skip
        else:
            assert original is not None
            correction = punch_record(flag.employee, original.kind, at=at or original.at, source=PunchSource.CORRECTION,
                                recorded_by=user, work_center_id=original.work_center_id,
                                work_order=original.work_order, station=original.station, replaces=original,
                                voids=mode == "void", note=note.strip()[:500] or f"correction for flag {flag.pk}")  # fmt: skip
        closed = _flag_close(flag, user, FlagStatus.CORRECTED, note.strip() or CORRECTED_NOTES[mode], "corrected",
                             correction)  # fmt: skip
    day_start = datetime.datetime.combine(
        closed.day, datetime.time(0), tzinfo=timezone.get_current_timezone()
    )
    punches_validate(employee_ids=[flag.employee_id], start=day_start - datetime.timedelta(days=1))
    return correction

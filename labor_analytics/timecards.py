"""Timecard approval: the supervisor approves a person's day, recoding misapplied job-ons first.

A recoding is a correction punch (labor's model: a new punch that replaces the original, which is kept) for
the job-on and its job-off. The approval is announced (`timecard_approved`); the plex app hears it after commit
and writes each recoding back to Plex through its outbox (`plex/handlers.py`).
"""

import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from instructions.models import WorkOrder
from labor.errors import local_time
from labor.models import Punch, PunchSource
from labor.selectors import shift_list, shift_window
from labor_analytics.intervals import job_spans
from labor_analytics.misapplied import Suspect, job_code
from labor_analytics.models import TimecardApproval
from plexcopilot import events
from plexcopilot.models import Employee
from plexcopilot.services import audit_record


class TimecardError(Exception):
    """A problem the supervisor must see."""


def _replace(original: Punch, work_order: WorkOrder, user: Any, note: str) -> Punch:
    punch = Punch.objects.create(
        employee=original.employee, kind=original.kind, at=original.at, work_center_id=work_order.operation.work_center_id,
        work_order=work_order, station=original.station, source=PunchSource.CORRECTION, replaces=original,
        recorded_by=user, note=note[:300],
    )  # fmt: skip
    events.publish(events.PUNCH_RECORDED, punch_id=punch.pk, employee_id=original.employee_id)
    return punch


def timecard_approve(*, employee: Employee, day: datetime.date, user: Any,
                     recodes: list[tuple[Suspect, WorkOrder]]) -> TimecardApproval:  # fmt: skip
    """Approve the day; each (suspect, new work order) becomes a correction and a Plex write-back."""
    if TimecardApproval.objects.filter(employee=employee, day=day).exists():
        raise TimecardError(f"{employee.full_name}'s timecard for {day} is already approved.")
    done = []
    try:
        with transaction.atomic():
            for suspect, work_order in recodes:
                if work_order.pk == suspect.punch.work_order_id:
                    continue
                old = suspect.punch.work_order
                assert old is not None
                note = f"timecard {day}: {job_code(old)} → {job_code(work_order)}"
                _replace(suspect.punch, work_order, user, note)
                if suspect.job_off is not None:
                    _replace(suspect.job_off, work_order, user, note)
                done.append({"punch": suspect.punch.pk, "from": old.number, "from_code": job_code(old),
                             "to": work_order.number, "to_code": job_code(work_order),
                             "reason": " ".join(suspect.reasons)[:400],
                             "begin": suspect.punch.at.isoformat(),
                             "end": suspect.job_off.at.isoformat() if suspect.job_off else ""})  # fmt: skip
            approval = TimecardApproval.objects.create(employee=employee, day=day, approved_by=user,
                                                       approved_at=timezone.now(), corrections=done)  # fmt: skip
            audit_record(actor=user, action="labor.timecard_approved", obj=approval,
                         summary=f"Timecard {employee.full_name} {day} approved, {len(done)} job code(s) corrected",
                         data={"corrections": done})  # fmt: skip
            events.publish(events.TIMECARD_APPROVED, approval_id=approval.pk, employee_id=employee.pk)
    except IntegrityError as exc:
        raise TimecardError("This timecard was approved meanwhile; reload.") from exc
    return approval


def sharing_notes(*, employee_id: int, day: datetime.date) -> dict[tuple[int, datetime.datetime], list[str]]:
    """Per job-on (work order, time) of the day: when its time was shared with the person's other jobs, in words
    ("Shared with WO-24128 op 20 15:00–21:54, while both were on: half the time each, 3.5 h here.")."""
    windows = [shift_window(s, day) for s in shift_list()]
    start, end = min(w[0] for w in windows), max(w[1] for w in windows)
    spans = [s for s in job_spans(employee_ids=[employee_id], start=start, end=end + datetime.timedelta(hours=14))
             if s.shared_with and s.began is not None]  # fmt: skip
    names = {wo.pk: f"{wo.number} op {wo.operation.sequence}"
             for wo in WorkOrder.objects.filter(pk__in={i for s in spans for i in s.shared_with}).select_related("operation")}  # fmt: skip
    notes: dict[tuple[int, datetime.datetime], list[str]] = {}
    for s in spans:
        others = ", ".join(names.get(i, str(i)) for i in s.shared_with)
        part = "half" if len(s.shared_with) == 1 else f"1/{len(s.shared_with) + 1}"
        notes.setdefault((s.work_order_id, s.began), []).append(  # type: ignore[arg-type]
            f"Shared with {others} {local_time(s.start)}–{local_time(s.end)}, while "
            f"{'both' if len(s.shared_with) == 1 else 'all'} were on: {part} the time each, {s.hours:.1f} h here."
        )
    return notes

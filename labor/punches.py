"""Punches at the station: clock in and out (a transfer between work centers), job on and off.

Every punch is audited and announced (`punch_recorded`: plex queues station clock-ins/outs); each station punch
re-runs the punch checks for that employee's last day.
"""

import datetime
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from instructions.models import Station, WorkOrder
from instructions.station_hooks import StationNotice, certification_problem_text
from labor.certifications import certification_status
from labor.errors import LaborError, center_code, local_time
from labor.models import Punch, PunchKind, PunchSource
from labor.punch_checks import punches_validate
from labor.selectors import PunchState, punch_state
from labor.templatetags.andon_tags import elapsed
from plexcopilot import events
from plexcopilot.models import Employee
from plexcopilot.services import audit_record, named_lock


def punch_record(employee: Employee, kind: str, *, station: Station | None = None, work_center_id: int | None = None,
           work_order: WorkOrder | None = None, at: datetime.datetime | None = None, note: str = "",
           source: str = PunchSource.STATION, recorded_by: Any = None, replaces: Punch | None = None,
           voids: bool = False) -> Punch:  # fmt: skip
    punch = Punch.objects.create(
        employee=employee,
        kind=kind,
        at=at or timezone.now(),
        station=station,
        work_center_id=work_center_id
        if work_center_id is not None
        else (station.work_center_id if station else None),
        work_order=work_order,
        note=note,
        source=source,
        recorded_by=recorded_by if recorded_by is not None else employee.user,
        replaces=replaces,
        voids=voids,
    )
    audit_record(
        actor=punch.recorded_by,
        action=f"punch.{kind}",
        obj=punch,
        summary=f"{employee.full_name}: {punch.get_kind_display()} at {local_time(punch.at)}"
        + (f" ({work_order.barcode})" if work_order else "")
        + (f" — correction of punch {replaces.pk}" if replaces else ""),
        data={"employee": employee.badge_id, "source": source, "voids": voids},
    )
    # plex queues station clock-ins/outs (it stays the system of record for attendance)
    events.publish(events.PUNCH_RECORDED, punch_id=punch.pk, employee_id=employee.pk)
    return punch


def _state_locked(employee: Employee) -> PunchState:
    """The employee's punch state, read under their punch lock until the transaction ends: two taps at once (a
    gloved double tap, two tablets) act one after the other, the second on what the first recorded, never both on
    the same state (two job-offs, two clock-ins). Call inside `transaction.atomic()`, before any punch."""
    named_lock(f"labor.punch:{employee.pk}")
    return punch_state(employee)


def clock_in(*, employee: Employee, station: Station, work_order: WorkOrder | None = None) -> str:
    """Clock in at the station's work center; clocked in elsewhere → transferred here (the jobs on there stop).
    With `work_order` (the run page's notice) its job goes on too, in the same transaction: one tap, and the
    operator's time on the job they are running is recorded. Returns a message."""
    with transaction.atomic():
        state = _state_locked(employee)
        if state.clock is not None and state.clock.work_center_id == station.work_center_id:
            raise LaborError(
                gettext("You are already clocked in at %(center)s since %(time)s.")
                % {"center": station.work_center.code, "time": local_time(state.clock.at)}
            )
        if work_order is not None:  # refused before any punch; the jobs on elsewhere stop at the move
            _job_refusal(jobs=[], station=station, work_order=work_order)
        message = gettext("Clocked in at %(center)s.") % {"center": station.work_center.code}
        if state.clock is not None:
            stopped = _stop_jobs(employee, state.jobs, station, "stopped at transfer")
            punch_record(employee, PunchKind.CLOCK_OUT, station=station, work_center_id=state.clock.work_center_id,
                   note=f"transfer to {station.work_center.code}")  # fmt: skip
            message = gettext("Moved from %(old)s and clocked in at %(center)s.") % {
                "old": center_code(state.clock), "center": station.work_center.code}  # fmt: skip
            if stopped:
                message += " " + gettext("Stopped %(jobs)s.") % {"jobs": ", ".join(stopped)}
        punch_record(employee, PunchKind.CLOCK_IN, station=station)
        if work_order is not None:
            punch_record(employee, PunchKind.JOB_ON, station=station, work_order=work_order)
    punches_validate(employee_ids=[employee.pk], start=timezone.now() - datetime.timedelta(days=1))
    if work_order is not None:
        message += " " + _job_on_message(employee, work_order)
    return message


def clock_notice(*, employee: Employee, station: Station, work_order: WorkOrder) -> StationNotice | None:
    """The run page's warning (the station asks it through instructions.station_hooks) when the operator's time
    on the run's work order is not recorded: not clocked in here (its button clocks in and puts the job on, or
    only clocks in when the work order runs elsewhere), or clocked in here without this job on (its button starts
    the job)."""
    state = punch_state(employee)
    clock, here = state.clock, station.work_center.code
    runs_here = work_order.operation.work_center_id == station.work_center_id
    if clock is not None and clock.work_center_id == station.work_center_id:
        if not runs_here or any(j.work_order_id == work_order.pk for j in state.jobs):
            return None
        running = [j.work_order.barcode for j in state.jobs if j.work_order]
        if running:  # one job at a time here: the button stops the one on and starts this one, one tap
            values = {"running": ", ".join(running), "barcode": work_order.barcode}
            return StationNotice(
                key="job",
                text=gettext("Your time is on %(running)s, not on %(barcode)s.") % values,
                action_label=gettext("Switch to %(barcode)s") % values,
                action_url=reverse("labor-station-job", args=[work_order.pk, "switch"]),
            )
        return StationNotice(
            key="job",
            text=gettext("Your time on %(barcode)s is not being recorded.") % {"barcode": work_order.barcode},
            action_label=gettext("Start job %(barcode)s") % {"barcode": work_order.barcode},
            action_url=reverse("labor-station-job", args=[work_order.pk, "on"]),
        )
    if clock is None:
        text = gettext("You are not clocked in: your time on this job is not recorded.")
    else:
        text = gettext(
            "You are clocked in at %(old)s, not at %(center)s: your time on this job is not recorded here."
        ) % {"old": center_code(clock), "center": here}
    return StationNotice(
        key="clock",
        text=text,
        action_label=gettext("Clock in at %(center)s") % {"center": here},
        action_url=reverse("labor-station-clock-job", args=[work_order.pk])
        if runs_here
        else reverse("labor-station-clock", args=["in"]),
    )


def clock_out(*, employee: Employee, station: Station) -> str:
    with transaction.atomic():
        state = _state_locked(employee)
        if state.clock is None:
            raise LaborError(gettext("You are not clocked in, so there is nothing to clock out of."))
        stopped = _stop_jobs(employee, state.jobs, station, "stopped at clock-out")
        punch_record(
            employee, PunchKind.CLOCK_OUT, station=station, work_center_id=state.clock.work_center_id
        )
    punches_validate(employee_ids=[employee.pk], start=timezone.now() - datetime.timedelta(days=1))
    jobs = (" " + gettext("Stopped %(jobs)s.") % {"jobs": ", ".join(stopped)}) if stopped else ""
    # "1 h 05 min", as the clock above it counted (a three-minute clock-in was "0.0 h")
    return gettext("Clocked out after %(duration)s.") % {"duration": elapsed(state.clock.at)} + jobs


def _stop_jobs(employee: Employee, jobs: list[Punch], station: Station, note: str) -> list[str]:
    stopped = []
    for job in jobs:
        punch_record(employee, PunchKind.JOB_OFF, station=station, work_center_id=job.work_center_id,
               work_order=job.work_order, note=note)  # fmt: skip
        stopped.append(job.work_order.barcode if job.work_order else "job")
    return stopped


def job_on(*, employee: Employee, station: Station, work_order: WorkOrder) -> str:
    with transaction.atomic():
        state = _state_locked(employee)
        if state.clock is None:
            raise LaborError(gettext("Clock in first, then start the job."))
        if state.clock.work_center_id != station.work_center_id:
            raise LaborError(
                gettext("You are clocked in at %(old)s. Clock in here to move to %(center)s.")
                % {"old": center_code(state.clock), "center": station.work_center.code}
            )
        _job_refusal(jobs=state.jobs, station=station, work_order=work_order)
        punch_record(employee, PunchKind.JOB_ON, station=station, work_order=work_order)
    punches_validate(employee_ids=[employee.pk], start=timezone.now() - datetime.timedelta(days=1))
    return _job_on_message(employee, work_order)


def job_switch(*, employee: Employee, station: Station, work_order: WorkOrder) -> str:
    """Stop the jobs on at this work center and put `work_order` on, in one transaction (the run page's
    "Switch to" button: one job at a time at a station, and the operator is running this one)."""
    with transaction.atomic():
        state = _state_locked(employee)
        if state.clock is None or state.clock.work_center_id != station.work_center_id:
            return job_on(employee=employee, station=station, work_order=work_order)  # says why it cannot
        others = [j for j in state.jobs if j.work_order_id != work_order.pk]
        _job_refusal(jobs=[j for j in state.jobs if j not in others], station=station, work_order=work_order)
        stopped = _stop_jobs(employee, others, station, f"switched to {work_order.barcode}")
        punch_record(employee, PunchKind.JOB_ON, station=station, work_order=work_order)
    punches_validate(employee_ids=[employee.pk], start=timezone.now() - datetime.timedelta(days=1))
    message = _job_on_message(employee, work_order)
    if stopped:
        message = gettext("Stopped %(jobs)s.") % {"jobs": ", ".join(stopped)} + " " + message
    return message


def _job_refusal(*, jobs: list[Punch], station: Station, work_order: WorkOrder) -> None:
    """Raise why `work_order` cannot go on at the station next to the jobs on (`jobs`), if it cannot."""
    if work_order.operation.work_center_id != station.work_center_id:
        raise LaborError(
            gettext("%(barcode)s runs at %(center)s, not here.")
            % {"barcode": work_order.barcode, "center": work_order.operation.work_center.code}
        )
    if any(j.work_order_id == work_order.pk for j in jobs):
        raise LaborError(gettext("%(barcode)s is already on.") % {"barcode": work_order.barcode})
    if jobs:
        running = ", ".join(j.work_order.barcode for j in jobs if j.work_order)
        raise LaborError(
            gettext("Stop %(running)s before starting %(barcode)s.")
            % {"running": running, "barcode": work_order.barcode}
        )


def _job_on_message(employee: Employee, work_order: WorkOrder) -> str:
    operation = work_order.operation
    _level, problem = certification_status(
        employee=employee,
        certification_type_id=operation.required_certification_id,
        today=timezone.localdate(),
    )
    if problem:
        return _uncertified_job_on(work_order, problem)
    return gettext("Job on: %(barcode)s.") % {"barcode": work_order.barcode}


def _uncertified_job_on(work_order: WorkOrder, problem: str) -> str:
    """The job is on; say which certification is missing or since when it is not valid (its last valid day, in
    the plant's date format), and what follows, in the operator's language."""
    cert = work_order.operation.required_certification
    values = {"barcode": work_order.barcode}
    why = certification_problem_text(problem=problem, cert_code=cert.code if cert else "")
    return " ".join([
        gettext("Job on: %(barcode)s.") % values,
        why,
        gettext("Safety-critical steps will need a supervisor's override, and your supervisor will see this booking."),
    ])  # fmt: skip


def job_off(*, employee: Employee, station: Station, work_order: WorkOrder) -> str:
    with transaction.atomic():
        state = _state_locked(employee)
        job = next((j for j in state.jobs if j.work_order_id == work_order.pk), None)
        if job is None:
            raise LaborError(
                gettext("%(barcode)s is not on, so it cannot be stopped.") % {"barcode": work_order.barcode}
            )
        punch_record(
            employee,
            PunchKind.JOB_OFF,
            station=station,
            work_center_id=job.work_center_id,
            work_order=work_order,
        )
    return gettext("Job off: %(barcode)s after %(duration)s.") % {
        "barcode": work_order.barcode, "duration": elapsed(job.at)}  # fmt: skip

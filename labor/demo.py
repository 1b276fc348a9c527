"""Labor data for the demo plant: two weeks of time-clock history with a few planted mistakes, Andon
calls, then the flags, a crew plan for the next shift and a handover draft, so the pages are not empty.

Run after `load_demo_plant` (`manage.py load_demo_labor`); safe to run again."""

import datetime
import random
from typing import Any

from django.db import transaction
from django.utils import timezone

from instructions.models import Station, WorkCenter, WorkOrder, WorkOrderStatus
from labor.crew_plans import crew_plan_draft
from labor.handover import handover_draft
from labor.models import (
    AndonCall,
    AndonCategory,
    EmployeeCertification,
    Punch,
    PunchKind,
    PunchSource,
    Urgency,
)
from labor.punch_checks import punches_validate
from labor.selectors import crew_plan_for, current_and_next_shift, handover_for, shift_get, shift_window
from plexcopilot.models import CertificationType, Employee
from plexcopilot.roles import SUPERVISOR

DEMO_NOTE = "demo history"
HOME_WORK_CENTER = {  # badge -> work center code they usually clock into
    "100101": "PRS-400", "100102": "WLD-R3", "100103": "MCH-VM2", "100104": "ASM-L1", "100105": "WLD-PW2",
    "100106": "INS-LT1", "100107": "PRS-400", "100108": "ASM-L1", "100109": "ASM-L1", "100110": "MCH-VM2",
    "100111": "PRS-400", "100112": "PRS-400", "100113": "WLD-PW2", "100114": "WLD-R3", "100115": "ASM-L1",
}  # fmt: skip
# The demo plant's run rates: standard hours = SETUP_HOURS + hours per unit × units (the labor analytics demo
# makes its operation standards from them).
SETUP_HOURS = 0.5
HOURS_PER_UNIT = {
    "PRS-400": 0.004,
    "WLD-PW2": 0.012,
    "MCH-VM2": 0.05,
    "INS-LT1": 0.02,
    "WLD-R3": 0.03,
    "ASM-L1": 0.04,
}


def standard_hours(work_center: str, quantity: int) -> float:
    return SETUP_HOURS + HOURS_PER_UNIT.get(work_center, 0.02) * quantity


def labor_demo_load(*, now: datetime.datetime | None = None) -> dict[str, Any]:
    now = now or timezone.now()
    if Punch.objects.filter(note=DEMO_NOTE).exists():
        return {"punches": 0, **_plans(now)}
    rng = random.Random(2040)  # noqa: S311 — repeatable demo data, not security
    employees = {e.badge_id: e for e in Employee.objects.filter(badge_id__in=HOME_WORK_CENTER)}
    centers = {c.code: c for c in WorkCenter.objects.all()}
    work = {
        wo.operation.work_center.code: wo
        for wo in WorkOrder.objects.exclude(status=WorkOrderStatus.COMPLETE).select_related(
            "operation__work_center"
        )
    }
    if len(employees) < len(HOME_WORK_CENTER) or not centers:
        return {"punches": 0, "skipped": "load the demo plant first"}
    today = timezone.localtime(now).date()
    punches = 0
    late = employees["100109"]  # late against his own norm on the last shift he finished (any day, any hour)
    late_day = _last_worked_day(shift_get(late.shift), today, now)

    def punch(
        employee: Employee, kind: str, at: datetime.datetime, wc: str, wo: WorkOrder | None = None
    ) -> None:
        nonlocal punches
        Punch.objects.create(employee=employee, kind=kind, at=at, work_center=centers[wc], work_order=wo,
                             source=PunchSource.IMPORT, note=DEMO_NOTE)  # fmt: skip
        punches += 1

    shifts_on_job: list[tuple[Employee, str, datetime.datetime, datetime.datetime]] = []
    with transaction.atomic():
        for badge, wc in HOME_WORK_CENTER.items():
            employee = employees[badge]
            shift = shift_get(employee.shift)
            if shift is None:
                continue
            habit = rng.randint(-12, 2)  # this person's usual minutes before/after the shift start
            day = today - datetime.timedelta(days=15)
            while day < today:
                start, end = shift_window(shift, day)
                if day.weekday() < 5 and end < now - datetime.timedelta(hours=1):
                    clock_in = start + datetime.timedelta(minutes=habit + rng.randint(-3, 3))
                    clock_out = end + datetime.timedelta(minutes=rng.randint(0, 8))
                    wo = work.get(wc)
                    if day == late_day and badge == "100109":
                        clock_in = start + datetime.timedelta(minutes=74)  # late against his own norm
                    punch(employee, PunchKind.CLOCK_IN, clock_in, wc)
                    if wo is not None:
                        on, off = (
                            clock_in + datetime.timedelta(minutes=10),
                            clock_out - datetime.timedelta(minutes=10),
                        )
                        shifts_on_job.append((employee, wc, on, off))
                    punch(employee, PunchKind.CLOCK_OUT, clock_out, wc)
                day += datetime.timedelta(days=1)
        for employee, wc, on, off, wo in _jobs_of_the_fortnight(shifts_on_job, work):
            punch(employee, PunchKind.JOB_ON, on, wc, wo)
            punch(employee, PunchKind.JOB_OFF, off, wc, wo)
        recent = _last_weekday(today)
        _planted_mistakes(employees, centers, work, recent, punch)
        _andon_history(employees, centers, now)
    return {"punches": punches, **_plans(now)}


def _jobs_of_the_fortnight(shifts: list, work: dict[str, WorkOrder]) -> list[tuple]:
    """Which work order each shift on a job went to: at each work center, the latest shifts to its open work
    order (the demo's job in progress) up to its standard hours, the earlier ones to finished work orders of
    the same operation made here (WO-L…), each sized so that its hours are 0.75–1.35× its standard. (Every
    shift of the two weeks on the one open order had put 87–348 h on jobs of 10–40 standard hours.)"""
    rng = random.Random(2041)  # noqa: S311 — repeatable demo data, apart from the punch history's own
    booked: list[tuple] = []
    for wc, current in work.items():
        here = sorted((s for s in shifts if s[1] == wc), key=lambda s: s[2], reverse=True)
        chunks: list[tuple[list, float]] = []
        chunk: list = []
        budget, hours = standard_hours(wc, current.quantity), 0.0
        for shift in here:
            span = (shift[3] - shift[2]).total_seconds() / 3600
            if chunk and hours + span > budget:
                chunks.append((chunk, hours))
                budget, hours, chunk = rng.uniform(6, 32), 0.0, []
            chunk.append(shift)
            hours += span
        if chunk:
            chunks.append((chunk, hours))
        for n, (chunk, hours) in enumerate(chunks):
            order = current if n == 0 else _finished_order(rng, current, hours)
            booked.extend((*s, order) for s in chunk)
    return booked


def _finished_order(rng: random.Random, like: WorkOrder, hours: float) -> WorkOrder:
    """A completed work order of `like`'s operation whose standard is `hours` / 0.75–1.35."""
    per_unit = HOURS_PER_UNIT.get(like.operation.work_center.code, 0.02)
    quantity = max(10, int(round((hours / rng.uniform(0.75, 1.35) - SETUP_HOURS) / per_unit, -1)))
    number = f"WO-L{WorkOrder.objects.filter(number__startswith='WO-L').count() + 1:04d}"
    return WorkOrder.objects.create(number=number, barcode=f"{number}-{like.operation.sequence}", part=like.part,
                                    operation=like.operation, quantity=quantity, status=WorkOrderStatus.COMPLETE)  # fmt: skip


def _plans(now: datetime.datetime) -> dict[str, Any]:
    """Flags for the last week, a crew plan for the next shift and a handover draft for this one, unless
    they exist already."""
    flags = punches_validate(start=now - datetime.timedelta(days=7), now=now)
    (now_day, now_shift), (next_day, next_shift) = current_and_next_shift()
    plan = crew_plan_for(next_day, next_shift)
    plan = plan or crew_plan_draft(day=next_day, shift=next_shift)
    handover = handover_for(now_day, now_shift)
    handover = handover or handover_draft(day=now_day, shift=now_shift)
    return {"new_flags": flags, "crew_plan": plan.pk, "handover": handover.pk}


def _last_worked_day(shift: Any, today: datetime.date, now: datetime.datetime) -> datetime.date | None:
    """The most recent weekday whose shift ended more than an hour ago (what the history loop punches)."""
    if shift is None:
        return None
    day = today - datetime.timedelta(days=1)
    while day >= today - datetime.timedelta(days=15):
        if day.weekday() < 5 and shift_window(shift, day)[1] < now - datetime.timedelta(hours=1):
            return day
        day -= datetime.timedelta(days=1)
    return None


def _last_weekday(today: datetime.date) -> datetime.date:
    day = today - datetime.timedelta(days=1)
    while day.weekday() >= 5:
        day -= datetime.timedelta(days=1)
    return day


def demo_supervisor_user() -> Any:
    """Who acknowledged and resolved the demo's finished Andon calls: the first supervisor by badge (or no one)."""
    supervisor = Employee.objects.filter(role=SUPERVISOR).select_related("user").order_by("badge_id").first()
    return supervisor.user if supervisor is not None else None


def _planted_mistakes(employees: dict, centers: dict, work: dict, day: datetime.date, punch: Any) -> None:
    """The mistakes a supervisor finds every week, on the last weekday."""
    tz = timezone.get_current_timezone()

    def at(hour: int, minute: int = 0, plus_days: int = 0) -> datetime.datetime:
        return datetime.datetime.combine(
            day + datetime.timedelta(days=plus_days), datetime.time(hour, minute), tzinfo=tz
        )

    marcus, luis, emily = employees["100105"], employees["100102"], employees["100108"]
    jessica = employees["100106"]
    # Luis: a terminal with the wrong clock recorded his clock-out before his clock-in.
    punch(luis, PunchKind.CLOCK_OUT, at(5, 58), "WLD-R3")
    # Emily started a second job without stopping the first.
    punch(emily, PunchKind.JOB_ON, at(15, 0), "ASM-L1", work.get("WLD-R3"))
    # Jessica booked machining labor while clocked in at the leak tester.
    punch(jessica, PunchKind.JOB_ON, at(16, 0), "MCH-VM2", work.get("MCH-VM2"))
    punch(jessica, PunchKind.JOB_OFF, at(16, 30), "MCH-VM2", work.get("MCH-VM2"))
    # Marcus helps out at the 400 t press with an expired PRESS-OP certification.
    press = work.get("PRS-400")
    if press is not None:
        punch(marcus, PunchKind.JOB_ON, at(12, 0), "PRS-400", press)
        punch(marcus, PunchKind.JOB_OFF, at(12, 40), "PRS-400", press)
    # The projection welder was down 09:30–10:10 while Marcus's job there stayed on.
    station = Station.objects.filter(work_center=centers["WLD-PW2"]).first()
    if station is not None:
        AndonCall.objects.create(
            station=station, work_center=centers["WLD-PW2"], category=AndonCategory.MAINTENANCE,
            note="Cooling water flow alarm on the lower electrode", line_down=True, urgency=Urgency.HIGH,
            triage_reason="the work center is down", routed_to=["supervisor"], raised_by=marcus,
            raised_at=at(9, 30), acknowledged_at=at(9, 34), resolved_at=at(10, 10),
            acknowledged_by=demo_supervisor_user(), resolved_by=demo_supervisor_user(),
            resolution="Kinked hose replaced, flow 6 L/min restored",
        )  # fmt: skip


def _andon_history(employees: dict, centers: dict, now: datetime.datetime) -> None:
    stations = {s.work_center.code: s for s in Station.objects.select_related("work_center")}
    if "WLD-PW2" in stations:
        AndonCall.objects.create(
            station=stations["WLD-PW2"], work_center=centers["WLD-PW2"], category=AndonCategory.MAINTENANCE,
            note="Upper electrode mushroomed, nut projections not fusing", line_down=True, urgency=Urgency.HIGH,
            triage_reason="the work center is down", routed_to=["supervisor"], raised_by=employees["100101"],
            raised_at=now - datetime.timedelta(hours=3), acknowledged_at=now - datetime.timedelta(hours=2, minutes=55),
            resolved_at=now - datetime.timedelta(hours=2, minutes=20),
            acknowledged_by=demo_supervisor_user(), resolved_by=demo_supervisor_user(),
            resolution="Electrode dressed, weld schedule verified with a teardown",
        )  # fmt: skip
    if "MCH-VM2" in stations:
        AndonCall.objects.create(
            station=stations["MCH-VM2"], work_center=centers["MCH-VM2"], category=AndonCategory.QUALITY,
            note="Sensor bore reading near the upper limit after insert change", urgency=Urgency.NORMAL,
            triage_reason="no escalation signals", routed_to=["quality", "supervisor"],
            raised_by=employees["100103"], raised_at=now - datetime.timedelta(minutes=25),
        )  # fmt: skip
    if "WLD-PW2" in stations:  # on the material handler's board (and the supervisors')
        AndonCall.objects.create(
            station=stations["WLD-PW2"], work_center=centers["WLD-PW2"], category=AndonCategory.MATERIAL,
            note="M10 weld nut bowl feeder low, one tote left at the line", urgency=Urgency.NORMAL,
            triage_reason="no escalation signals", routed_to=["material_handler", "supervisor"],
            raised_by=employees["100101"], raised_at=now - datetime.timedelta(minutes=10),
        )  # fmt: skip


def demo_certifications_load(
    *, data: dict[str, Any], employees: dict[str, Employee], **_: Any
) -> dict[str, int]:
    """The demo plant's employees' certifications (plant.toml `[[employees]] certifications`), valid for the given
    days from today; registered with instructions.demo. Returns {"certifications": how many are held}."""
    today = timezone.localdate()
    cert_types = {c.code: c for c in CertificationType.objects.all()}
    held = 0
    for e in data["employees"]:
        for cert in e.get("certifications", []):
            valid_until = today + datetime.timedelta(days=cert["valid_for_days"])
            cert_type = cert_types[cert["type"]]
            EmployeeCertification.objects.update_or_create(
                employee=employees[e["badge"]],
                certification_type=cert_type,
                defaults={
                    "level": cert["level"],
                    "valid_until": valid_until,
                    "granted_on": valid_until - datetime.timedelta(days=cert_type.validity_days),
                },
            )
            held += 1
    return {"certifications": held}

"""Labor-analytics demo data: rates, standards, eight weeks of finished jobs (3–9 weeks ago, so they stay
clear of the labor demo's two weeks of punches), planted job-code mistakes with their later corrections,
a schedule for the next days, then job costs and the job-hours model. Safe to run again.

Run after `load_demo_plant` and `load_demo_labor` (`manage.py load_demo_labor_analytics`)."""

import datetime
import random
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from instructions.models import Operation, Station, WorkOrder, WorkOrderStatus
from labor.demo import HOURS_PER_UNIT, SETUP_HOURS, demo_supervisor_user
from labor.models import AndonCall, AndonCategory, Punch, PunchKind, PunchSource, ScheduledJob
from labor.selectors import shift_get, shift_window
from labor_analytics.costs import job_costs_refresh
from labor_analytics.job_forecast import job_model_retrain
from labor_analytics.models import EmployeeGrade, LaborGrade, LaborSettings, OperationStandard, ShiftPremium
from plexcopilot.models import Employee

DEMO_NOTE = "labor analytics demo"
# (shift, work center worked at) -> the neighbouring job code its job-ons were sometimes booked to, how often
MISBOOKED = {("B", "WLD-PW2"): ("BRK-2040", 10, 0.4), ("A", "INS-LT1"): ("HSG-3315", 10, 0.14)}


def labor_analytics_demo_load(*, now: datetime.datetime | None = None) -> dict[str, Any]:
    now = now or timezone.now()
    rng = random.Random(1717)  # noqa: S311 — repeatable demo data
    with transaction.atomic():
        LaborSettings.current()
        _rates()
        _standards()
        made = 0 if Punch.objects.filter(note=DEMO_NOTE).exists() else _history(rng, now)
        _schedule(rng, now)
        _recent_misbooking(now)
    costs = job_costs_refresh(now=now)
    run = job_model_retrain(now=now)
    return {"jobs": made, "costs": costs, "model": f"{run.kind} on {run.jobs} jobs"}


def _rates() -> None:
    grades = {code: LaborGrade.objects.update_or_create(code=code, defaults={"name": name, "hourly_rate": Decimal(rate)})[0]
              for code, name, rate in [("OP1", "Operator 1", "24.50"), ("OP2", "Operator 2", "28.00"),
                                       ("OP3", "Lead operator", "33.00"), ("SUP", "Supervisor", "41.00")]}  # fmt: skip
    for employee in Employee.objects.all():
        code = {"supervisor": "SUP", "admin": "SUP"}.get(employee.role) or ("OP1", "OP2", "OP3")[
            employee.pk % 3
        ]
        EmployeeGrade.objects.update_or_create(employee=employee, defaults={"grade": grades[code]})
    for shift, premium in (("A", "0"), ("B", "1.25"), ("C", "2.50")):
        ShiftPremium.objects.update_or_create(shift=shift, defaults={"premium_per_hour": Decimal(premium)})


def _standards() -> None:
    for op in Operation.objects.select_related("work_center"):
        per_unit = HOURS_PER_UNIT.get(op.work_center.code, 0.02)
        OperationStandard.objects.get_or_create(operation=op, defaults={
            "setup_hours": Decimal(str(SETUP_HOURS)), "hours_per_unit": Decimal(str(per_unit)), "standard_rate": Decimal("28.00")})  # fmt: skip


def _history(rng: random.Random, now: datetime.datetime) -> int:
    operators = list(Employee.objects.filter(role="operator", active=True).exclude(shift=""))
    ops = list(Operation.objects.select_related("work_center", "part"))
    stations = {s.work_center_id: s for s in Station.objects.all()}
    resolver = demo_supervisor_user()
    today = timezone.localdate(now)
    made = 0
    for back in range(63, 20, -1):
        day = today - datetime.timedelta(days=back)
        if day.weekday() >= 5:
            continue
        for op in ops:
            if rng.random() < 0.35:
                continue
            shift_code = rng.choice(["A", "A", "B", "C"])
            shift = shift_get(shift_code)
            if shift is None:
                continue
            crew_pool = [e for e in operators if e.shift == shift_code] or operators
            crew = rng.sample(crew_pool, k=min(len(crew_pool), rng.choice([1, 1, 2, 2, 3])))
            per_unit = HOURS_PER_UNIT.get(op.work_center.code, 0.02)
            quantity = int(round(rng.uniform(2, 36) / per_unit, -1)) or 10
            made += 1
            wo = WorkOrder.objects.create(number=f"WO-H{made:04d}", barcode=f"WO-H{made:04d}-{op.sequence}", part=op.part,
                                          operation=op, quantity=quantity, status=WorkOrderStatus.COMPLETE)  # fmt: skip
            standard = SETUP_HOURS + HOURS_PER_UNIT.get(op.work_center.code, 0.02) * quantity
            skill = sum(0.04 * (e.pk % 3) for e in crew) / len(crew)
            efficiency = max(
                0.45, rng.gauss(0.88 + skill - 0.05 * (shift_code == "C") - 0.03 * (len(crew) == 3), 0.09)
            )
            hours_each = standard / efficiency / len(crew)
            start, _end = shift_window(shift, day)
            begin = start + datetime.timedelta(minutes=rng.randint(10, 40))
            if (
                rng.random() < 0.08
            ):  # a machine-stopped Andon during the job: downtime, not charged to the crew
                AndonCall.objects.create(station=stations.get(op.work_center_id) or Station.objects.get(code=_any_station()),
                                         work_center=op.work_center, category=AndonCategory.MAINTENANCE,
                                         line_down=True, note="demo breakdown", raised_by=crew[0],
                                         raised_at=begin + datetime.timedelta(hours=1),
                                         resolved_at=begin + datetime.timedelta(hours=1.5), resolution="fixed",
                                         resolved_by=resolver)  # fmt: skip
                hours_each += 0.5
            left, day_no = hours_each, 0
            while left > 0.05:  # a long job goes on the next days, at most 7.5 h a day each
                chunk = min(7.5, left)
                at = begin + datetime.timedelta(days=day_no)
                for e in crew:
                    booked = _misbooked_to(rng, shift_code, op) or wo
                    on = _punch(e, PunchKind.JOB_ON, at, booked)
                    off = _punch(e, PunchKind.JOB_OFF, at + datetime.timedelta(hours=chunk), booked)
                    if booked != wo:  # the supervisor recoded it to the job really worked
                        _recode(e, (on, off), wo)
                left -= chunk
                day_no += 1
    return made


def _punch(employee: Employee, kind: str, at: datetime.datetime, wo: WorkOrder, **extra: Any) -> Punch:
    return Punch.objects.create(employee=employee, kind=kind, at=at, work_order=wo, work_center_id=wo.operation.work_center_id,
                                source=extra.pop("source", PunchSource.IMPORT), note=DEMO_NOTE, **extra)  # fmt: skip


def _recode(employee: Employee, originals: tuple[Punch, ...], wo: WorkOrder) -> None:
    for original in originals:
        _punch(employee, original.kind, original.at, wo, source=PunchSource.CORRECTION, replaces=original)


def _misbooked_to(rng: random.Random, shift: str, op: Operation) -> WorkOrder | None:
    """Plant the habit: on some shift/work center pairs the job-on was booked to the neighbouring job code (and
    later corrected, so the hours stay on the job worked: a press job-on on shift B recoded to the weld job)."""
    rule = MISBOOKED.get((shift, op.work_center.code))
    if rule is None or rng.random() > rule[2]:
        return None
    part, sequence, _p = rule
    return WorkOrder.objects.filter(part__number=part, operation__sequence=sequence).order_by("-id").first()


def _schedule(rng: random.Random, now: datetime.datetime) -> None:
    """Three days of schedule from the open work orders, unless the days already have one."""
    today = timezone.localdate(now)
    open_orders = list(WorkOrder.objects.exclude(status=WorkOrderStatus.COMPLETE).select_related("operation"))
    for ahead in range(3):
        day = today + datetime.timedelta(days=ahead)
        if ScheduledJob.objects.filter(day=day).exists():
            continue
        for shift in ("A", "B"):
            for wo in rng.sample(open_orders, k=min(len(open_orders), 4)):
                ScheduledJob.objects.get_or_create(day=day, shift=shift, work_order=wo,
                                                   defaults={"crew_size": rng.choice([1, 1, 2]), "hours": Decimal("8")})  # fmt: skip


def _any_station() -> str:
    return Station.objects.order_by("id").values_list("code", flat=True)[0]


def _recent_misbooking(now: datetime.datetime) -> None:
    """Yesterday on shift B someone booked the press job (BRK-2040/10) while the schedule had the weld one
    (BRK-2040/20): the timecard queue shows it first. Once."""
    if Punch.objects.filter(note=f"{DEMO_NOTE}: misbooked").exists():
        return
    day = timezone.localdate(now) - datetime.timedelta(days=1)
    press = WorkOrder.objects.filter(part__number="BRK-2040", operation__sequence=10).exclude(
        status=WorkOrderStatus.COMPLETE).order_by("id").first()  # fmt: skip
    weld = WorkOrder.objects.filter(part__number="BRK-2040", operation__sequence=20).exclude(
        status=WorkOrderStatus.COMPLETE).order_by("id").first()  # fmt: skip
    person = Employee.objects.filter(role="operator", shift="B", active=True).order_by("badge_id").first()
    shift = shift_get("B")
    if press is None or weld is None or person is None or shift is None:
        return
    ScheduledJob.objects.get_or_create(day=day, shift="B", work_order=weld, defaults={"crew_size": 1})
    start, _end = shift_window(shift, day)
    for kind, minutes in ((PunchKind.JOB_ON, 70), (PunchKind.JOB_OFF, 250)):
        Punch.objects.create(employee=person, kind=kind, at=start + datetime.timedelta(minutes=minutes), work_order=press,
                             work_center_id=press.operation.work_center_id, source=PunchSource.IMPORT,
                             note=f"{DEMO_NOTE}: misbooked")  # fmt: skip

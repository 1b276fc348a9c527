"""A week of demo jobs over the demo plant's work centers: routings with setups, a changeover matrix between
bracket families, alternative press, two-shift calendar with breaks, a PM window, a planner — and a released
first plan whose jobs on its first working day are released to the floor as work orders.

Idempotent: reloading replaces the demo jobs, calendar and plans (never anything outside the demo); a demo work
order the floor has used (an execution, a punch, a report protects it) is kept and linked again."""

import datetime
from decimal import Decimal

from django.db import transaction
from django.db.models import ProtectedError, RestrictedError
from django.utils import timezone

from instructions.demo import DESK_PASSWORD
from instructions.models import Operation, Part, WorkCenter, WorkOrder, WorkOrderStatus
from planning.models import Changeover, Downtime, DowntimeKind, Plan, PlanJob, RoutingTime
from planning.release import plan_release_system
from planning.whatif import schedule_build
from plexcopilot.models import Employee
from plexcopilot.roles import PLANNER

EXTRA_PARTS = [  # number, name, family — bracket variants that share the press and the projection welder
    ("BRK-2041", "Seat-track bracket, left hand", "BRK-LH"),
    ("BRK-2060", "Heavy tow bracket", "BRK-HVY"),
]
ROUTING = {  # (part, sequence): (setup minutes, run minutes per unit, family, alternatives)
    ("BRK-2040", 10): (45, "0.40", "BRK-RH", ["PRS-200"]),
    ("BRK-2040", 20): (20, "0.50", "BRK-RH", []),
    ("BRK-2041", 10): (45, "0.40", "BRK-LH", ["PRS-200"]),
    ("BRK-2041", 20): (20, "0.50", "BRK-LH", []),
    ("BRK-2060", 10): (60, "0.60", "BRK-HVY", ["PRS-200"]),
    ("BRK-2060", 20): (30, "0.70", "BRK-HVY", []),
    ("HSG-3315", 10): (40, "1.50", "HSG", []),
    ("HSG-3315", 20): (15, "0.60", "HSG", []),
    ("ASM-7730", 10): (30, "1.20", "LATCH", []),
    ("ASM-7730", 20): (20, "0.80", "LATCH", []),
}
CHANGEOVERS = [
    ("BRK-RH", "BRK-LH", 40), ("BRK-LH", "BRK-RH", 40), ("BRK-RH", "BRK-HVY", 90), ("BRK-HVY", "BRK-RH", 75),
    ("BRK-LH", "BRK-HVY", 90), ("BRK-HVY", "BRK-LH", 75),
]  # fmt: skip
# (part, quantity, due: working days from today, hour, priority)
JOBS = [
    ("BRK-2040", 600, 1, 14, 1), ("BRK-2041", 500, 1, 20, 1), ("HSG-3315", 160, 1, 18, 1), ("ASM-7730", 200, 1, 21, 2),
    ("BRK-2060", 300, 2, 14, 1), ("BRK-2040", 500, 2, 20, 1), ("HSG-3315", 180, 2, 21, 1), ("ASM-7730", 240, 2, 21, 1),
    ("BRK-2041", 600, 3, 14, 1), ("BRK-2040", 400, 3, 20, 2), ("HSG-3315", 150, 3, 21, 1), ("ASM-7730", 220, 3, 21, 1),
    ("BRK-2060", 350, 4, 14, 1), ("BRK-2041", 450, 4, 20, 1), ("HSG-3315", 170, 4, 21, 1), ("ASM-7730", 260, 4, 21, 1),
    ("BRK-2040", 550, 5, 16, 1), ("HSG-3315", 140, 5, 21, 1),
]  # fmt: skip
# The floor gets the jobs that start on the plan's first working day (Plex: released work orders); later ones stay
# planned. The solver front-loads the week, so two days would release nearly every job and show nothing planned.
RELEASED_DAYS = 1
SHIFT_START, SHIFT_END = 6, 22  # two shifts; the plant is closed overnight
BREAKS = [(12, 0, 30), (18, 0, 30)]  # hour, minute, minutes


def demo_schedule_load(*, now: datetime.datetime | None = None, time_limit: float = 10.0) -> dict[str, int]:
    now = now or timezone.now()
    today = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    week_start = _week_start(timezone.localtime(now))
    with transaction.atomic():
        brk = Part.objects.filter(number="BRK-2040").first()
        if brk is None:
            raise RuntimeError("Load the demo plant first (manage.py load_demo_plant).")
        for number, name, _family in EXTRA_PARTS:
            part, _ = Part.objects.update_or_create(number=number, revision="A", defaults={"name": name})
            for op in brk.operations.all():
                Operation.objects.update_or_create(part=part, sequence=op.sequence, defaults={
                    "name": op.name, "work_center": op.work_center, "required_certification": op.required_certification,
                })  # fmt: skip
        centers = {wc.code: wc for wc in WorkCenter.objects.all()}
        for (number, seq), (setup, run, family, alts) in ROUTING.items():
            routed = Operation.objects.filter(part__number=number, sequence=seq).first()
            if routed is None:
                continue
            timing, _ = RoutingTime.objects.update_or_create(operation=routed, defaults={
                "setup_minutes": setup, "run_minutes_per_unit": Decimal(run), "family": family})  # fmt: skip
            timing.alternatives.set([centers[c] for c in alts if c in centers])
        for a, b, minutes in CHANGEOVERS:
            Changeover.objects.update_or_create(from_family=a, to_family=b, defaults={"minutes": minutes})
        Plan.objects.all().delete()
        PlanJob.objects.filter(number__startswith="DEMO-").delete()
        PlanJob.objects.filter(number__startswith="RUSH-").delete()
        _floor_orders_clear()
        Downtime.objects.all().delete()
        parts = {p.number: p for p in Part.objects.all()}
        for n, (number, qty, days, hour, priority) in enumerate(JOBS, start=1):
            PlanJob.objects.create(number=f"DEMO-{n:03d}", part=parts[number], quantity=qty, priority=priority,
                                   due=_working_day(week_start, days) + datetime.timedelta(hours=hour))  # fmt: skip
        downtime = []
        for d in range(-1, 9):
            day = today + datetime.timedelta(days=d)
            for wc in centers.values():
                if day.weekday() >= 5:  # weekend: closed
                    downtime.append(Downtime(work_center=wc, kind=DowntimeKind.CLOSED, start=day,
                                             end=day + datetime.timedelta(days=1), note="Weekend"))  # fmt: skip
                    continue
                downtime.append(Downtime(work_center=wc, kind=DowntimeKind.CLOSED, start=day,
                                         end=day + datetime.timedelta(hours=SHIFT_START), note="No shift"))  # fmt: skip
                downtime.append(Downtime(work_center=wc, kind=DowntimeKind.CLOSED,
                                         start=day + datetime.timedelta(hours=SHIFT_END),
                                         end=day + datetime.timedelta(days=1), note="No shift"))  # fmt: skip
                for hour, minute, length in BREAKS:
                    start = day + datetime.timedelta(hours=hour, minutes=minute)
                    downtime.append(Downtime(work_center=wc, kind=DowntimeKind.BREAK, start=start,
                                             end=start + datetime.timedelta(minutes=length), note="Break"))  # fmt: skip
        pm_day = today + datetime.timedelta(days=2)
        if "PRS-400" in centers:
            downtime.append(Downtime(work_center=centers["PRS-400"], kind=DowntimeKind.PM,
                                     start=pm_day + datetime.timedelta(hours=6), end=pm_day + datetime.timedelta(hours=10),
                                     note="Die and hydraulics PM"))  # fmt: skip
        Downtime.objects.bulk_create(downtime)
        _planner()
    plan = schedule_build(now=now, time_limit=time_limit, label="Weekly plan")
    on_floor = _floor_release(plan, until=_working_day(week_start, RELEASED_DAYS))
    plan_release_system(plan=plan, reason="demo loader", now=now)
    return {"jobs": len(JOBS), "downtime windows": len(downtime), "slots": plan.slots.count(),
            "jobs on the floor": on_floor}  # fmt: skip


def _floor_orders_clear() -> None:
    """Delete the last load's demo work orders that are still only released. One the floor has used stays: the
    PROTECT foreign keys of executions, punches, reports and NCRs refuse its delete."""
    for order in WorkOrder.objects.filter(number__startswith="DEMO-", status=WorkOrderStatus.RELEASED):
        try:
            with transaction.atomic():
                order.delete()
        except (ProtectedError, RestrictedError):
            continue


def _floor_release(plan: Plan, *, until: datetime.datetime) -> int:
    """Release to the floor the demo jobs whose first operation starts before `until`, as Plex does: one work
    order number (the job's) with one row per routed operation, barcode `DEMO-001-10`; the job links its first
    operation's row. Plex releases a job whether or not it has a work instruction: the bracket variants have none,
    and their scan at a station says so ("no released work instruction ... call your supervisor")."""
    first: dict[int, datetime.datetime] = {}
    for job_id, start in plan.slots.filter(job__number__startswith="DEMO-").values_list("job_id", "start"):
        first[job_id] = min(first.get(job_id, start), start)
    released = 0
    for job in PlanJob.objects.filter(pk__in=[j for j, start in first.items() if start < until]):
        rows = [
            WorkOrder.objects.get_or_create(barcode=f"{job.number}-{op.sequence}", defaults={
                "number": job.number, "part_id": job.part_id, "operation": op, "quantity": job.quantity,
                "status": WorkOrderStatus.RELEASED, "due_date": timezone.localdate(job.due)})[0]
            for op in Operation.objects.filter(part_id=job.part_id).order_by("sequence")
        ]  # fmt: skip
        if rows:
            job.work_order = rows[0]
            job.save(update_fields=["work_order"])
            released += 1
    return released


def _week_start(now: datetime.datetime) -> datetime.datetime:
    """Midnight of the demo week's day 0: today on a weekday morning, else the next weekday. A job due the next
    working day needs a press and a weld run before it, which an afternoon or a weekend cannot give."""
    day = now.replace(hour=0, minute=0, second=0, microsecond=0)
    if day.weekday() < 5 and now.hour < 12:
        return day
    return _working_day(day, 1)


def _working_day(start: datetime.datetime, days: int) -> datetime.datetime:
    """`days` weekdays after `start`: from a Thursday the week's jobs are due Friday to Thursday, never on the
    weekend the plant is closed."""
    day = start
    while days > 0:
        day += datetime.timedelta(days=1)
        days -= day.weekday() < 5
    return day


PLANNER_BADGE, PLANNER_PIN = "400401", "7315"


def _planner() -> Employee:
    """Pat Novak, production planner: desk sign-in 400401 / the demo desk password."""
    from django.contrib.auth import get_user_model

    user, created = get_user_model().objects.get_or_create(
        username=PLANNER_BADGE, defaults={"first_name": "Pat", "last_name": "Novak"}
    )
    if created:
        user.set_password(DESK_PASSWORD)
        user.save()
    employee = Employee.objects.filter(badge_id=PLANNER_BADGE).first()
    if employee is None:
        employee = Employee(
            user=user, badge_id=PLANNER_BADGE, first_name="Pat", last_name="Novak", role=PLANNER
        )
        employee.set_pin(PLANNER_PIN)
        employee.save()
    return employee

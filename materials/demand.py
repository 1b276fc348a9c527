"""Line-side demand: when each job runs (planning's schedule when it has one, else released work orders back to
back per work center) times its bill of materials; average daily usage and variability from consumption history."""

import datetime
import math
import statistics
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Sum
from django.db.models.functions import TruncDate

from instructions.models import Operation, ProductionReport, WorkOrder, WorkOrderStatus
from materials.models import BomLine, Consumption, LineSideLocation, RunRate

OPEN_STATUSES = (WorkOrderStatus.IN_PROGRESS, WorkOrderStatus.RELEASED)


@dataclass(frozen=True)
class Run:
    """A job's operation over time: a work order, or a planned job planning has no work order for."""

    label: str  # the job (work order number / planned job number)
    part_id: int
    operation: Operation
    quantity: int
    start: datetime.datetime
    end: datetime.datetime
    work_order: WorkOrder | None = None


@dataclass(frozen=True)
class Need:
    """A job's draw of one component at one location, spread evenly over the job's run."""

    label: str
    work_order: WorkOrder | None
    component_id: int
    location_id: int
    quantity: float
    start: datetime.datetime
    end: datetime.datetime

    def consumed_by(self, moment: datetime.datetime) -> float:
        if moment <= self.start:
            return 0.0
        if moment >= self.end:
            return self.quantity
        return self.quantity * (moment - self.start) / (self.end - self.start)


def shift_hours() -> float:
    return float(getattr(settings, "MATERIALS_SHIFT_HOURS", 8))


def _planned_runs(now: datetime.datetime) -> list[Run] | None:
    """The planning app's released plan, when there is one: each open job operation's slot (start, end)."""
    try:
        from planning import selectors as planning_selectors
    except ImportError:  # planning not installed
        return None
    plan = planning_selectors.plan_released()
    if plan is None:
        return None
    slots = list(plan.slots.filter(end__gt=now, job__open=True).select_related("job", "operation"))
    if not slots:
        return None
    orders = {
        (order.number, order.operation_id): order
        for order in WorkOrder.objects.filter(status__in=OPEN_STATUSES).select_related("operation", "part")
    }
    runs = []
    for slot in slots:
        order = orders.get((slot.job.number, slot.operation_id))
        start = max(slot.start, now)
        runs.append(
            Run(slot.job.number, slot.job.part_id, slot.operation, slot.job.quantity, start, slot.end, order)
        )
    return runs


def scheduled_runs(now: datetime.datetime) -> list[Run]:
    """When each open job runs. Without a schedule from planning: jobs at a work center in progress first, then
    by due date and number, back to back from now, each lasting quantity / run rate."""
    planned = _planned_runs(now)
    if planned is not None:
        return planned
    default_rate = float(getattr(settings, "MATERIALS_DEFAULT_UNITS_PER_HOUR", 100))
    rates = dict(RunRate.objects.values_list("operation_id", "units_per_hour"))
    orders = WorkOrder.objects.filter(status__in=OPEN_STATUSES).select_related("operation", "part")
    done = {  # parts already reported at close-out (good + scrap) do not need material any more
        row["work_order_id"]: int((row["g"] or 0) + (row["s"] or 0))
        for row in ProductionReport.objects.filter(work_order__in=orders)
        .values("work_order_id")
        .annotate(g=Sum("good"), s=Sum("scrap"))
    }
    by_center: dict[int, list[WorkOrder]] = defaultdict(list)
    for order in orders:
        by_center[order.operation.work_center_id].append(order)
    runs = []
    for queue in by_center.values():
        queue.sort(
            key=lambda o: (o.status != WorkOrderStatus.IN_PROGRESS, o.due_date or datetime.date.max, o.number)
        )
        cursor = now
        for order in queue:
            remaining = max(order.quantity - done.get(order.pk, 0), 0)
            hours = remaining / max(rates.get(order.operation_id, default_rate), 1e-6)
            end = cursor + datetime.timedelta(hours=hours)
            runs.append(Run(order.number, order.part_id, order.operation, remaining, cursor, end, order))
            cursor = end
    return runs


def component_needs(now: datetime.datetime) -> list[Need]:
    """Jobs x BOM: each component a job consumes, at the line-side location of its work center."""
    runs = scheduled_runs(now)
    lines_by_part: dict[int, list[BomLine]] = defaultdict(list)
    for line in BomLine.objects.select_related("component"):
        lines_by_part[line.part_id].append(line)
    first_operation: dict[int, int] = {}
    for run in runs:
        first_operation[run.part_id] = min(first_operation.get(run.part_id, 10**9), run.operation.sequence)
    locations = _locations()
    needs = []
    for run in runs:
        for line in lines_by_part.get(run.part_id, []):
            consumed_here = (
                line.operation_id == run.operation.pk
                if line.operation_id
                else run.operation.sequence == first_operation[run.part_id]
            )
            center = run.operation.work_center_id
            location = locations.get((center, line.component_id)) or locations.get((center, None))
            if not consumed_here or location is None:
                continue
            quantity = float(line.quantity_per) * run.quantity
            needs.append(
                Need(run.label, run.work_order, line.component_id, location, quantity, run.start, run.end)
            )
    return needs


def _locations() -> dict[tuple[int, int | None], int]:
    """(work center, component) → the location that stocks it; (work center, None) → its first location."""
    found: dict[tuple[int, int | None], int] = {}
    for location in LineSideLocation.objects.prefetch_related("lots", "kanban_loops", "buffers").order_by(
        "code"
    ):
        found.setdefault((location.work_center_id, None), location.pk)
        holders: list[Any] = [*location.kanban_loops.all(), *location.lots.all(), *location.buffers.all()]
        for holder in holders:  # each holds one component at this location
            found.setdefault((location.work_center_id, holder.component_id), location.pk)
    return found


@dataclass(frozen=True)
class Usage:
    adu: float
    variability: float  # coefficient of variation of daily usage
    days: int


def daily_usage(
    *, component_id: int, location_id: int, now: datetime.datetime, window_days: int = 28
) -> Usage:
    """Average daily usage and its coefficient of variation over the last `window_days` days of consumption
    (days without consumption count as zero; a shorter history uses the days since its first record)."""
    since = now - datetime.timedelta(days=window_days)
    rows = (
        Consumption.objects.filter(
            component_id=component_id, location_id=location_id, at__gte=since, at__lt=now
        )
        .annotate(day=TruncDate("at"))
        .values("day")
        .annotate(total=Sum("quantity"))
    )
    totals = {row["day"]: float(row["total"]) for row in rows}
    if not totals:
        return Usage(0.0, 0.0, 0)
    first = min(totals)
    days = max(1, min(window_days, (now.date() - first).days))
    series = [totals.get(now.date() - datetime.timedelta(days=offset + 1), 0.0) for offset in range(days)]
    series[-1] += sum(v for d, v in totals.items() if d == now.date())  # today's partial day, if any
    mean = statistics.fmean(series)
    spread = statistics.pstdev(series) if len(series) > 1 else 0.0
    return Usage(mean, spread / mean if mean > 0 else 0.0, days)


def forward_adu(needs: list[Need], *, now: datetime.datetime, days: float) -> float:
    end = now + datetime.timedelta(days=days)
    total = sum(need.consumed_by(end) - need.consumed_by(now) for need in needs)
    return total / days if days > 0 else 0.0


__all__ = ["Need", "Run", "Usage", "component_needs", "daily_usage", "forward_adu", "math", "shift_hours"]

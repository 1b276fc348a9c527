"""Read side of planning: the released plan, scenarios, each work center's dispatch list (a station's next jobs)."""

import datetime

from django.db.models import QuerySet
from django.utils import timezone

from instructions.models import WorkOrder, WorkOrderStatus
from instructions.selectors import work_orders_startable
from planning.models import Downtime, Plan, PlanSlot, PlanStatus


def plan_released() -> Plan | None:
    return Plan.objects.filter(status=PlanStatus.RELEASED).order_by("-version").first()


def scenarios_open() -> QuerySet[Plan]:
    return Plan.objects.filter(status=PlanStatus.DRAFT).order_by("-created_at", "rank")


def scenario_sets() -> list[dict]:
    """The open what-ifs side by side, newest first: per trigger (`Plan.trigger_key`) its question and its
    scenarios in rank order (a newer set of the same trigger replaces the older, so each key has one set)."""
    sets: dict[str, dict] = {}
    for plan in Plan.objects.filter(status=PlanStatus.DRAFT).order_by("-created_at", "-pk"):
        key = plan.trigger_key or f"{plan.trigger}@{plan.created_at}"
        sets.setdefault(key, {"trigger": plan.trigger, "created_at": plan.created_at, "scenarios": []})
        sets[key]["scenarios"].append(plan)
    for group in sets.values():
        group["scenarios"] = sorted(group["scenarios"], key=lambda p: p.rank)[:3]
    return list(sets.values())


def plan_history(limit: int = 10) -> QuerySet[Plan]:
    return Plan.objects.exclude(version=None).select_related("released_by").order_by("-version")[:limit]


def dispatch_list(
    work_center_id: int, *, now: datetime.datetime | None = None, limit: int = 10
) -> list[PlanSlot]:
    """The released plan's operations at a work center that have not ended yet, in sequence order."""
    plan = plan_released()
    if plan is None:
        return []
    now = now or timezone.now()
    return list(
        plan.slots.filter(work_center_id=work_center_id, end__gt=now)
        .select_related(
            "job", "job__part", "job__work_order", "operation", "operation__required_certification"
        )
        .order_by("start")[:limit]
    )


def next_jobs_for_station(
    station: object, *, now: datetime.datetime | None = None, limit: int = 3
) -> list[PlanSlot]:
    """What a station's "next job" list shows: its work center's dispatch list, each slot with `floor_order`, the
    work order the operator can open for it (None while the job is not released to the floor; see below)."""
    slots = dispatch_list(station.work_center_id, now=now, limit=limit)  # type: ignore[attr-defined]
    slots_floor_orders(slots)
    return slots


def slots_floor_orders(slots: list[PlanSlot]) -> None:
    """Set `slot.floor_order` on each slot, the floor's work order for the slot's operation of the job, and
    `slot.floor_open`, whether a station can start it (released or in progress, not on hold or complete, with a
    released instruction or a run on it), and `slot.no_instruction` when only the instruction is missing.

    A Plex job is one work order number with one row (barcode) per operation; the plan job links one of them.
    The slot's own operation is the row the station scans; a job linked to no work order, or whose number has no
    row for this operation, is not on the floor yet (None)."""
    linked = [s for s in slots if s.job.work_order_id]
    rows = {  # no query when no job is linked (an empty `__in`)
        (wo.number, wo.operation_id): wo
        for wo in work_orders_startable(
            WorkOrder.objects.filter(
                number__in={s.job.work_order.number for s in linked},  # type: ignore[union-attr]
                operation_id__in={s.operation_id for s in linked},
            )
        ).select_related("operation", "part")
    }
    for slot in slots:
        linked_order = slot.job.work_order
        order = rows.get((linked_order.number, slot.operation_id)) if linked_order else None
        slot.floor_order = order  # type: ignore[attr-defined]
        on_floor = order is not None and order.status in STARTABLE
        slot.floor_open = on_floor and order.startable  # type: ignore[attr-defined, union-attr]
        slot.no_instruction = on_floor and not order.startable  # type: ignore[attr-defined, union-attr]


STARTABLE = (WorkOrderStatus.RELEASED, WorkOrderStatus.IN_PROGRESS)  # what a station scan starts


def planned_elsewhere(work_orders: list[WorkOrder], work_center_id: int) -> None:
    """Set `wo.planned_elsewhere` on each work order the released schedule runs at another work center (its
    slot, whose `work_center` and `start` the station names), else None. The floor's "Open work at PRS-400" lists
    a work order by its routing's work center; the planner may have moved it to the alternative press."""
    plan = plan_released()
    slots: dict[tuple[str, int], PlanSlot] = {}
    if plan is not None and work_orders:
        for slot in (
            plan.slots.filter(job__work_order__number__in={wo.number for wo in work_orders})
            .exclude(work_center_id=work_center_id)
            .select_related("work_center", "job__work_order")
            .order_by("start")
        ):
            slots.setdefault((slot.job.work_order.number, slot.operation_id), slot)  # type: ignore[union-attr]
    for wo in work_orders:
        wo.planned_elsewhere = slots.get((wo.number, wo.operation_id))  # type: ignore[attr-defined]


def downtime_between(start: datetime.datetime, end: datetime.datetime) -> QuerySet[Downtime]:
    return Downtime.objects.filter(end__gt=start, start__lt=end).select_related("work_center")


def scenarios_preparing(*, now: datetime.datetime | None = None) -> dict:
    """What the background worker still owes the board: triggers whose scenarios are queued or being solved,
    the last failure newer than the newest scenario, and whether a worker is running at all."""
    from django_tasks_db.models import DBTaskResult

    from planning.tasks import SCENARIOS_TASK_PATH
    from plexcopilot.worker import worker_running

    tasks = DBTaskResult.objects.filter(task_path=SCENARIOS_TASK_PATH)
    pending = [
        (t.args_kwargs.get("kwargs") or {}).get("summary", "")
        for t in tasks.filter(status__in=["READY", "RUNNING"]).order_by("enqueued_at")
    ]
    newest = scenarios_open().values_list("created_at", flat=True).first()
    failed = tasks.filter(status="FAILED").order_by("-finished_at").first()
    if failed is not None and newest is not None and failed.finished_at and failed.finished_at < newest:
        failed = None
    return {
        "pending": pending,
        "failed": (failed.args_kwargs.get("kwargs") or {}).get("summary", "") if failed else "",
        "worker_running": worker_running(now=now) if pending else True,
    }

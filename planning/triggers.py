"""Event subscribers: what makes the what-if copilot propose scenarios without anyone asking.

WORK_CENTER_STATUS_CHANGED (Plex status sync or a supervisor) with Hold/Down, ANDON_RAISED for a line-down call
(any category: "the machine is stopped" ticked), and MATERIAL_SHORTAGE_PREDICTED (the materials app) each record the constraint (a downtime
window, a material release time) at once and queue three scenarios for the background worker (`planning.tasks`).
MATERIAL_SHORTAGE_RESOLVED clears the holds its shortage recorded and withdraws the scenarios it raised (queuing
scenarios for the arrived material when the released schedule waits for it). SCHEDULE_RELEASED refreshes the live
board.
"""

import datetime
import logging
from typing import Any

from django.db import transaction
from django.db.models import Min, QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from instructions.models import WorkCenter
from planning.models import Downtime, DowntimeKind, PlanJob, WithdrawnSource
from planning.problem import released_plan
from planning.whatif import Trigger, scenarios_withdraw
from plexcopilot.broadcast import group_send_now
from plexcopilot.services import audit_chain_lock, audit_record, named_lock

log = logging.getLogger(__name__)
HOLD_ASSUMED = datetime.timedelta(hours=4)  # until Plex or the Andon says otherwise
TRIGGER_TIME_LIMIT = 2.0
BOARD_GROUP = "planning-board"


def hold_record(*, work_center: WorkCenter, kind: str, now: datetime.datetime, hours: float | None = None,
                note: str = "") -> Trigger:  # fmt: skip
    """Record a Hold/Down window starting now and describe it as a what-if trigger."""
    trigger = hold_trigger(work_center=work_center, kind=kind, now=now, hours=hours, note=note)
    assert trigger.start is not None and trigger.end is not None
    Downtime.objects.create(
        work_center=work_center, kind=kind, start=trigger.start, end=trigger.end, note=note[:200]
    )
    return trigger


def hold_trigger(*, work_center: WorkCenter, kind: str, now: datetime.datetime, hours: float | None = None,
                 note: str = "") -> Trigger:  # fmt: skip
    """A Hold/Down window from now as a what-if trigger, recorded nowhere (`hold_record` records it)."""
    end = now + (datetime.timedelta(hours=hours) if hours else HOLD_ASSUMED)
    label = "on Hold" if kind == DowntimeKind.HOLD else "down"
    return Trigger(
        kind=kind, work_center=work_center.code, start=now, end=end,
        summary=f"{work_center.code} is {label} from {timezone.localtime(now):%a %H:%M} to {timezone.localtime(end):%a %H:%M}"
        + (f" ({note})" if note else ""),
    )  # fmt: skip


def scenarios_request(trigger: Trigger) -> None:
    """Queue the three scenarios for the background worker: the committing request (an operator's Andon tap, a
    Plex status sync) never waits for the solver. The board shows "being prepared" until they are there."""
    from planning.tasks import scenarios_task, trigger_kwargs

    scenarios_task.enqueue(**trigger_kwargs(trigger), time_limit=TRIGGER_TIME_LIMIT)


def on_work_center_status(*, work_center_id: int, status: str, **payload: Any) -> None:
    status = (status or "").lower()
    work_center = WorkCenter.objects.filter(pk=work_center_id).first()
    if work_center is None:
        return
    now = timezone.now()
    if status in ("hold", "down"):
        trigger = hold_record(work_center=work_center, kind=status, now=now, hours=payload.get("hours"),
                              note=payload.get("note", "Plex work-center status"))  # fmt: skip
        scenarios_request(trigger)
    elif status in ("up", "running", "ready"):
        Downtime.objects.filter(
            work_center=work_center, kind__in=["hold", "down"], start__lte=now, end__gt=now
        ).update(end=now)


def on_andon_raised(
    *, call_id: int, work_center_id: int, category: str = "", line_down: bool = False, **_: Any
) -> None:
    """Only a call that says the machine is stopped takes the work center out of the schedule: a maintenance call
    with the machine still running (a leak to look at, a noise) is help asked for, not downtime."""
    if not line_down:
        return
    work_center = WorkCenter.objects.filter(pk=work_center_id).first()
    if work_center is None:
        return
    trigger = hold_record(
        work_center=work_center,
        kind=DowntimeKind.DOWN,
        now=timezone.now(),
        note=f"Andon call {call_id}: {category}",
    )
    scenarios_request(trigger)


def on_material_shortage(**payload: Any) -> None:
    """Payload (from the materials app): `available_at` (datetime or ISO text) and one of `work_order_id`,
    `part_id`, `job_number`. Jobs affected cannot start before the material is there."""
    available = payload.get("available_at")
    if isinstance(available, str):
        available = parse_datetime(available)
    if available is None:
        return
    jobs = PlanJob.objects.filter(open=True)
    if payload.get("job_number"):
        jobs = jobs.filter(number=payload["job_number"])
    elif payload.get("work_order_id"):
        jobs = jobs.filter(work_order_id=payload["work_order_id"])
    elif payload.get("part_id"):
        jobs = jobs.filter(part_id=payload["part_id"])
    else:
        return
    source = shortage_source(payload["alert_id"]) if payload.get("alert_id") else ""
    held = material_hold_record(jobs=jobs, source=source, available=available)
    if not held:
        return
    ready = dict.fromkeys(held, available)
    if source:  # the alert announces each job it stops: its scenarios answer for every job it holds so far
        for job in PlanJob.objects.filter(material_holds__has_key=source).order_by("due", "number"):
            if job.pk not in ready and (at := _holds(job).get(source)):
                ready[job.pk] = at
        numbers = list(
            PlanJob.objects.filter(pk__in=ready).order_by("due", "number").values_list("number", flat=True)
        )
    else:
        numbers = list(held.values())
    until = max(ready.values())
    listed = ", ".join(numbers[:5]) + (f" and {len(numbers) - 5} more" if len(numbers) > 5 else "")
    # material_ready names the jobs the shortage holds, so today's plan beside its scenarios is planned without it.
    trigger = Trigger(kind="shortage", summary=f"Material short for {listed} until "
                      f"{timezone.localtime(until):%a %H:%M}", material_ready=ready, source=source)  # fmt: skip
    if source:  # a run still queued for this alert covers fewer jobs: this one replaces it
        from planning.tasks import scenarios_unqueue

        scenarios_unqueue(source)
    scenarios_request(trigger)


def material_hold_record(
    *, jobs: QuerySet[PlanJob], source: str, available: datetime.datetime
) -> dict[int, str]:
    """Hold `jobs` until `available`. With a source (a shortage alert) the hold is remembered as that shortage's
    (`PlanJob.material_holds`), so resolving it clears this hold and no other (`material_holds_clear`); a job
    another open shortage holds longer keeps that later time. A shortage already resolved (its source withdrawn: a
    late "predicted" from an earlier evaluation) holds nothing. Returns the held jobs' numbers by id."""
    held = {}
    with transaction.atomic():
        if source:
            # as material_holds_clear: the hold is recorded before the clear, or not at all
            named_lock(source)
            if WithdrawnSource.objects.filter(source=source).exists():
                return {}
        for job in jobs.select_for_update(no_key=True).order_by("pk"):  # rows locked in one order everywhere
            if source:
                job.material_holds[source] = available.isoformat()
                job.material_ready_at = max(_holds(job).values())
            else:
                job.material_ready_at = available
            job.save(update_fields=["material_holds", "material_ready_at"])
            held[job.pk] = job.number
    return held


def material_holds_clear(*, source: str, reason: str) -> list[tuple[PlanJob, datetime.datetime]]:
    """The material `source` held jobs back for is there: each loses that hold. Where it was the hold in force
    (no later shortage, no other time set since, e.g. by a planner), the job may start now, or when another
    open shortage's material is there; a time set otherwise stays. Audited per job whose earliest start moved
    ("Material arrived"). Returns those jobs, each with the time it was held until."""
    freed = []
    with transaction.atomic():
        named_lock(source)  # a hold being recorded for it is committed first, and cleared here
        audit_chain_lock()
        for job in (
            PlanJob.objects.select_for_update(no_key=True)
            .filter(material_holds__has_key=source)
            .order_by("pk")
        ):
            held_until = _holds(job)[source]
            del job.material_holds[source]
            ready = max(_holds(job).values(), default=None)
            if job.material_ready_at != held_until or ready == held_until:  # not this hold's time in force
                job.save(update_fields=["material_holds"])
                continue
            job.material_ready_at = ready
            job.save(update_fields=["material_holds", "material_ready_at"])
            start = f"from {_at(ready)}, when another shortage's material is there" if ready else "now"
            audit_record(actor=None, action="schedule.material_arrived", obj=job,
                         summary=f"Material arrived: {job.number} may start {start} (held until "
                         f"{_at(held_until)}): {reason}",
                         data={"source": source, "held_until": held_until.isoformat(),
                               "ready_at": ready.isoformat() if ready else None})  # fmt: skip
            freed.append((job, held_until))
    return freed


def _holds(job: PlanJob) -> dict[str, datetime.datetime]:
    return {source: at for source, iso in job.material_holds.items() if (at := parse_datetime(iso))}


def _at(when: datetime.datetime) -> str:
    return f"{timezone.localtime(when):%a %H:%M}"


def released_waiting_for(freed: list[tuple[PlanJob, datetime.datetime]]) -> list[PlanJob]:
    """The freed jobs the released schedule still starts no earlier than their old hold: it waits for material
    that is there, so the board should show what starting them sooner gives."""
    plan = released_plan()
    if plan is None or not freed:
        return []
    first = dict(
        plan.slots.filter(job__in=[job for job, _ in freed]).order_by().values("job").annotate(at=Min("start"))
        .values_list("job", "at")
    )  # fmt: skip
    now = timezone.now()  # a hold already over changed nothing
    return [
        job
        for job, until in freed
        if until > now and job.pk in first and first[job.pk] >= until.replace(second=0, microsecond=0)
    ]


def shortage_source(alert_id: int) -> str:
    return f"shortage-alert:{alert_id}"


def on_material_shortage_resolved(*, alert_id: int, resolved_at: str = "", component: str = "",
                                  location: str = "", **_: Any) -> None:  # fmt: skip
    """The materials desk no longer predicts the shortage: the jobs it held may start, and the what-ifs it raised
    answer nothing now. When the released schedule still waits for that material, scenarios starting the jobs
    sooner are queued (the board shows them being prepared, then the three to sign)."""
    at = parse_datetime(resolved_at) if resolved_at else None
    what = f"the {component} shortage at {location}" if component and location else "the material shortage"
    reason = f"{what} was resolved at {_at(at or timezone.now())}"
    source = shortage_source(alert_id)
    # Withdrawn first: a "predicted" for it handled from now on holds nothing (material_hold_record).
    scenarios_withdraw(source=source, reason=reason, now=at)
    freed = material_holds_clear(source=source, reason=reason)
    if waiting := released_waiting_for(freed):
        numbers = ", ".join(job.number for job in waiting[:5]) + ("…" if len(waiting) > 5 else "")
        scenarios_request(Trigger(kind="material", summary=f"Material arrived for {numbers}: the released "
                                  f"schedule waits for it ({reason})", key=f"arrived:{source}"))  # fmt: skip


def on_schedule_released(*, plan_id: int, version: int, **_: Any) -> None:
    # The board catches up on its next load; a release never fails for a push.
    group_send_now(BOARD_GROUP, {"type": "board.refresh", "version": version})

"""Polling sync from Plex into the local cache the floor works from.

Each resource is fetched completely first (network only), then applied in one short transaction
(database only): an outage midway through a resource leaves that resource as it was, never half-applied.
Records are idempotent upserts keyed by Plex ids (falling back to natural keys to adopt local rows once).
A malformed record is logged, recorded as a SyncError for the admin, skipped, and the rest goes on.

This module runs a sync and holds the registry of resources; the field readers and the per-record loop are in
`sync_records`, the resources in `sync_master` (work centers, people, parts, specifications, control plans),
`sync_jobs` (jobs, work orders, baseline instructions), `sync_floor` (labor entries, work center status) and
`sync_materials` (BOMs, containers).
"""

import datetime
from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.utils import timezone

from instructions.models import WorkInstruction
from plex import sync_floor, sync_jobs, sync_master, sync_materials
from plex.client import PlexAuthError, PlexClient, PlexError, PlexUnavailable
from plex.models import SyncRun, SyncRunStatus, SyncState
from plex.sync_records import Context, Malformed, problem_report
from plexcopilot.roles import ADMIN, user_has_role
from plexcopilot.services import audit_record

RESOURCES = [
    "workcenters",
    "employees",
    "parts",
    "part_operations",
    "part_specifications",
    "control_plans",
    "jobs",
    "labor_entries",
    "workcenter_status",
    "boms",
    "containers",
]


def plex_sync(
    *,
    client: PlexClient | None = None,
    resources: list[str] | None = None,
    now: datetime.datetime | None = None,
    actor: Any | None = None,
) -> SyncRun:
    """Poll Plex for every resource (or those named) and apply what changed. Never raises for Plex trouble:
    the run's status, SyncState rows and SyncError rows say what happened.

    `actor` is the plant admin running the sync: baseline instructions for new operations are released under
    their recorded system-import signature. Without one (the background sync) they wait as drafts."""
    if actor is not None and not user_has_role(actor, ADMIN):
        raise PermissionError(f"{actor} is not a plant admin: only an admin may sign Plex baselines.")
    now = now or timezone.now()
    owned = client is None
    client = client or PlexClient.from_settings()
    run = SyncRun.objects.create(started_at=now)
    calls_before = client.calls
    stopped = ""
    try:
        for resource in resources or RESOURCES:
            if resource not in FETCHERS:
                raise ValueError(f"Unknown Plex resource {resource!r}; choose from {', '.join(RESOURCES)}.")
            state, _ = SyncState.objects.get_or_create(resource=resource)
            state.last_attempt_at = now
            if stopped:
                state.last_error = f"not attempted: {stopped}"
                state.save(update_fields=["last_attempt_at", "last_error"])
                continue
            ctx = Context(run=run, now=now, actor=actor)
            try:
                fetched = FETCHERS[resource](client, state, now)
                with transaction.atomic():
                    APPLIERS[resource](fetched, ctx)
            except (PlexUnavailable, PlexAuthError) as exc:
                # Plex is down or refuses us: everything after this would fail the same way.
                stopped = str(exc)
                problem_report(run, resource, "", f"{type(exc).__name__}: {exc}")
                state.last_error = str(exc)[:2000]
                state.save(update_fields=["last_attempt_at", "last_error"])
                continue
            except (PlexError, Malformed) as exc:
                problem_report(run, resource, "", f"{type(exc).__name__}: {exc}")
                state.last_error = str(exc)[:2000]
                state.save(update_fields=["last_attempt_at", "last_error"])
                run.counts[resource] = {"error": str(exc)[:200]}
                continue
            state.last_success_at = now
            state.window_end = now
            state.last_error = ""
            state.seen, state.changed, state.skipped = ctx.tally.seen, ctx.tally.changed, ctx.tally.skipped
            state.save()
            run.counts[resource] = ctx.tally.__dict__
        if (
            actor is not None
        ):  # drafts an earlier (background) sync left unsigned: the admin releases them now
            waiting = WorkInstruction.objects.filter(
                versions__isnull=True, operation__plex_operation_id__gt=""
            ).select_related("part", "operation__work_center")
            for draft in waiting:
                with transaction.atomic():
                    sync_jobs.baseline_instruction(
                        part=draft.part, operation=draft.operation, ctx=Context(run=run, now=now, actor=actor)
                    )
    finally:
        if owned:
            client.close()
    run.calls = client.calls - calls_before
    run.finished_at = timezone.now()
    errors = run.errors.count()
    run.status = SyncRunStatus.FAILED if stopped else (SyncRunStatus.PARTIAL if errors else SyncRunStatus.OK)
    run.message = stopped[:1000]
    run.save()
    audit_record(
        actor=None,
        action="plex.sync",
        obj=run,
        summary=f"Plex sync {run.status}: {sum(c.get('changed', 0) for c in run.counts.values())} changed, "
        f"{errors} problems, {run.calls} calls",
        data={"counts": run.counts},
    )
    return run


def _fetch_list(path: str) -> Callable[[PlexClient, SyncState, datetime.datetime], Any]:
    def fetch(client: PlexClient, state: SyncState, now: datetime.datetime) -> Any:
        return client.get(path)

    return fetch


FETCHERS: dict[str, Callable[[PlexClient, SyncState, datetime.datetime], Any]] = {
    "workcenters": _fetch_list("production/v1/production-definitions/workcenters"),
    "employees": _fetch_list("mdm/v1/employees"),
    "parts": _fetch_list("mdm/v1/parts"),
    "part_operations": _fetch_list("mdm/v1/part-operations"),
    "part_specifications": _fetch_list("quality/v1/part-specifications"),
    "control_plans": _fetch_list("quality/v1/control-plans"),
    "jobs": sync_jobs.fetch_jobs,
    "labor_entries": sync_floor.fetch_labor,
    "workcenter_status": sync_floor.fetch_statuses,
    "boms": sync_materials.fetch_boms,
    "containers": sync_materials.fetch_containers,
}
APPLIERS: dict[str, Callable[[Any, Context], None]] = {
    "workcenters": sync_master.apply_workcenters,
    "employees": sync_master.apply_employees,
    "parts": sync_master.apply_parts,
    "part_operations": sync_master.apply_part_operations,
    "part_specifications": sync_master.apply_specifications,
    "control_plans": sync_master.apply_control_plans,
    "jobs": sync_jobs.apply_jobs,
    "labor_entries": sync_floor.apply_labor,
    "workcenter_status": sync_floor.apply_statuses,
    "boms": sync_materials.apply_boms,
    "containers": sync_materials.apply_containers,
}

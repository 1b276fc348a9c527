"""The floor as Plex sees it: labor entries (and the IAM account ids clock write-backs need) and each work
center's live status; a status that changed is announced (`work_center_status_changed`) after the sync commits."""

import datetime
import hashlib
from typing import Any

from instructions.models import WorkCenter
from plex.client import PlexClient, plex_timestamp
from plex.models import LaborEntry, PlexRecord, SyncState, WorkCenterStatus
from plex.sync_records import (
    Context,
    Malformed,
    problem_report,
    read_integer,
    read_moment,
    read_text,
    record_list,
    records_apply,
)
from plexcopilot import events
from plexcopilot.models import Employee

LABOR_OVERLAP = datetime.timedelta(hours=6)


def fetch_labor(client: PlexClient, state: SyncState, now: datetime.datetime) -> Any:
    begin = (state.window_end - LABOR_OVERLAP) if state.window_end else now - datetime.timedelta(days=7)
    return client.get(
        "production/v1/production-history/labor-entries",
        params={"beginDate": plex_timestamp(begin), "endDate": plex_timestamp(now)},
    )


def fetch_statuses(client: PlexClient, state: SyncState, now: datetime.datetime) -> Any:
    answers = {}
    for wc_id in WorkCenter.objects.exclude(plex_workcenter_id="").values_list(
        "plex_workcenter_id", flat=True
    ):
        answers[wc_id] = client.get(f"production/v1/control/workcenters/{wc_id}")
    return answers


def apply_labor(body: Any, ctx: Context) -> None:
    records = record_list(body, "labor_entries")
    for rec in records:
        if isinstance(rec, dict):
            seed = "|".join(
                str(rec.get(k, "")) for k in ("employeeId", "workcenterId", "beginTime", "costActivity")
            )
            rec.setdefault("_key", hashlib.sha256(seed.encode()).hexdigest())

    def apply(rec: dict[str, Any]) -> None:
        begin = read_moment(rec, "beginTime", required=True)
        assert begin is not None
        employee_id = read_text(rec, "employeeId", max_len=64)
        account_id = read_text(rec, "accountId", max_len=64)
        center_id = read_text(rec, "workcenterId", max_len=64)
        LaborEntry.objects.update_or_create(
            key=rec["_key"],
            defaults={
                "employee": Employee.objects.filter(plex_employee_id=employee_id).first()
                if employee_id
                else None,
                "plex_employee_id": employee_id,
                "work_center": WorkCenter.objects.filter(plex_workcenter_id=center_id).first()
                if center_id
                else None,
                "job_code": read_text(rec, "jobCode", max_len=40),
                "cost_activity": read_text(rec, "costActivity", max_len=60),
                "begin": begin,
                "end": read_moment(rec, "endTime"),
                "duration_minutes": read_integer(rec, "duration"),
            },
        )
        if employee_id and account_id:
            # Clock-in/out write-backs need the person's IAM account id, which only labor records carry.
            PlexRecord.objects.update_or_create(
                resource="employee-account",
                plex_id=employee_id,
                defaults={"digest": account_id, "data": {"accountId": account_id}, "last_seen_at": ctx.now},
            )

    records_apply(ctx, "labor-entry", records, "_key", apply)


def apply_statuses(body: dict[str, Any], ctx: Context) -> None:
    for wc_id, answer in body.items():
        ctx.tally.seen += 1
        try:
            if not isinstance(answer, dict):
                raise Malformed(f"expected an object, got {type(answer).__name__}")
            operators = answer.get("operators") or []
            if not isinstance(operators, list):
                raise Malformed("operators should be a list")
            center = WorkCenter.objects.get(plex_workcenter_id=wc_id)
            status = read_text(answer, "statusDescription", max_len=100)
            before = (
                WorkCenterStatus.objects.filter(work_center=center).values_list("status", flat=True).first()
            )
            WorkCenterStatus.objects.update_or_create(
                work_center=center,
                defaults={
                    "status_id": read_text(answer, "statusId", max_len=64),
                    "status": status,
                    "job_number": read_text(answer, "jobNumber", max_len=40),
                    "operators": operators,
                    "fetched_at": ctx.now,
                },
            )
            ctx.tally.changed += 1
            if status and status != before:
                # Planning hears a Hold / Down (a downtime window and what-if scenarios) or the line running again.
                events.publish(
                    events.WORK_CENTER_STATUS_CHANGED,
                    work_center_id=center.pk,
                    status=status,
                    note=f"Plex work-center status: {status}",
                )
        except Malformed as exc:
            ctx.tally.skipped += 1
            problem_report(ctx.run, "workcenter-status", wc_id, str(exc), answer)

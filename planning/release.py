"""Release a scenario with an e-signature: versioned, audited, announced (`schedule_released`) to the stations'
board and to the plex app, which writes each job's sequence back to Plex after commit."""

import hashlib
import json
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from instructions.models import WorkCenter
from planning.models import Downtime, Plan, PlanJob, PlanStatus
from plexcopilot import events
from plexcopilot.roles import ADMIN, PLANNER, SUPERVISOR, user_role
from plexcopilot.services import audit_chain_lock, audit_record
from plexcopilot.signatures import SignatureRefused, reauthenticate

RELEASE_ROLES = {PLANNER, SUPERVISOR, ADMIN}


def plex_integration_on() -> bool:
    """Whether a release's job sequence goes to Plex (the plex app's `plex_enabled`: PLEX_BASE_URL set). Planning
    only announces the release; the plex app queues the write-backs, none while the integration is off."""
    return bool(settings.PLEX_BASE_URL)


def writeback_said() -> str:
    """What happens to a release's job sequence, for the sign page and the release's audit summary."""
    if plex_integration_on():
        return "job sequence queued for Plex (one write-back per job)"
    return "job sequence kept local: the Plex integration is off"


def plan_hash(plan: Plan) -> str:
    rows = [
        [s.job.number, s.operation.sequence, s.work_center.code, s.start.isoformat(), s.end.isoformat()]
        for s in plan.slots.select_related("job", "operation", "work_center").order_by(
            "job__number", "operation__sequence"
        )
    ]
    return hashlib.sha256(json.dumps(rows).encode()).hexdigest()


def plan_without_operator(plan: Plan) -> dict[str, int]:
    """Per certification: the operations `plan` has without an operator (no one holding it on shift)."""
    out: dict[str, int] = {}
    for slot in plan.slots.filter(no_operator=True).select_related("operation__required_certification"):
        cert = slot.operation.required_certification
        code = cert.code if cert is not None else "?"
        out[code] = out.get(code, 0) + 1
    return dict(sorted(out.items()))


def without_operator_message(missing: dict[str, int]) -> str:
    ops = sum(missing.values())
    return (
        f"{ops} operation(s) in this plan have no operator: no one holding "
        f"{' or '.join(missing)} is on shift. They cannot run as planned. Tick the box to confirm you release "
        "it anyway (for example because you will call someone in)."
    )


def person_name(user: Any) -> str:
    """A signer or asker as people know them: the full name, else the username (a badge number)."""
    return user.get_full_name() or user.get_username()


def _at(when: Any) -> str:
    return f"{timezone.localtime(when):%a %H:%M}"


def plan_closed_message(plan: Plan) -> str:
    """Why `plan` is no longer a scenario one can sign, and what to do instead (the scenario page, a refused
    signature). A newer set of the same what-if replaces the open one (`scenarios_generate`, `Plan.trigger_key`),
    a release closes every open scenario (`_release`)."""
    if plan.status in (PlanStatus.RELEASED, PlanStatus.SUPERSEDED):
        by = f" by {person_name(plan.released_by)}" if plan.released_by else ""
        said = f"This scenario was released as v{plan.version}{by}" + (
            f" at {_at(plan.released_at)}" if plan.released_at else ""
        )
        if plan.status == PlanStatus.SUPERSEDED:
            return f"{said}; a newer version has been released since."
        return f"{said}."
    if plan.status == PlanStatus.WITHDRAWN:
        return f"This scenario was withdrawn: {plan.withdrawn_reason or 'what raised it is over'}. Nothing to sign."
    if plan.status != PlanStatus.DISCARDED:
        return f"This scenario is {plan.get_status_display().lower()}."
    parts = []
    newer = None
    if plan.trigger_key:  # a newer set of the same what-if replaced it (other what-ifs' sets leave it open)
        siblings_end = plan.pk + max(0, 3 - plan.rank)  # a set's three are saved one after the other, by rank
        newer = (
            Plan.objects.filter(
                trigger_key=plan.trigger_key, created_at__gte=plan.created_at, pk__gt=siblings_end
            )
            .order_by("pk")
            .first()
        )
    released = (
        Plan.objects.filter(version__gt=plan.base.version if plan.base and plan.base.version else 0)
        .exclude(pk=plan.pk)
        .order_by("version")
        .first()
    )
    if newer is not None and (
        released is None or newer.created_at <= (released.released_at or newer.created_at)
    ):
        parts.append(
            f'This scenario was replaced by a newer what-if at {_at(newer.created_at)}: "{newer.trigger or newer.label}".'
        )
        if newer.status == PlanStatus.DRAFT:
            parts.append("Review the new scenarios on the schedule board.")
    if released is not None and (newer is None or newer.status != PlanStatus.DRAFT):
        by = f" by {person_name(released.released_by)}" if released.released_by else ""
        at = f" at {_at(released.released_at)}" if released.released_at else ""
        parts.append(
            f"{'It' if parts else 'This scenario'} was closed when v{released.version} ({released.label}) was "
            f"released{by}{at}. Ask the what-if again on the schedule board to plan from the schedule released now."
        )
    if parts:
        return " ".join(parts)
    return "This scenario is discarded."


def plan_release(
    *,
    plan: Plan,
    user: Any,
    password: str = "",
    badge: str = "",
    pin: str = "",
    now: Any = None,
    acknowledge_no_operator: bool = False,
) -> Plan:
    """Sign and release `plan`. Raises SignatureRefused (logged) when the role or re-authentication fails,
    the plan is no longer a scenario, or it has operations without an operator and the signer did not
    acknowledge them (`acknowledge_no_operator`; the acknowledgement goes into the audit trail)."""
    missing = plan_without_operator(plan)
    try:
        if user_role(user) not in RELEASE_ROLES:
            raise SignatureRefused("Only planners, supervisors and admins release schedules.")
        plan.refresh_from_db()  # its status, version and signer as they are now
        if plan.status != PlanStatus.DRAFT:  # signed or replaced since the page was shown: no password asked
            raise SignatureRefused(plan_closed_message(plan))
        if missing and not acknowledge_no_operator:  # before the password: a refusal here costs no attempt
            raise SignatureRefused(without_operator_message(missing))
        method = reauthenticate(user=user, password=password, badge=badge, pin=pin)
    except SignatureRefused as error:
        audit_record(actor=user, action="schedule.release_refused", obj=plan,
                     summary=f"Schedule release refused for {plan.label}: {error}")  # fmt: skip
        raise
    return _release(plan=plan, user=user, method=method, now=now or timezone.now(), without_operator=missing)


def plan_release_system(*, plan: Plan, reason: str, now: Any = None) -> Plan:
    """Release without a person (the demo loader's first plan); audited as such, never from a view."""
    return _release(plan=plan, user=None, method=f"system: {reason}"[:20], now=now or timezone.now())


def _assumptions_apply(plan: Plan) -> str:
    """What the released scenario's what-if assumed becomes real: its Hold/Down window is recorded, its rush
    jobs open and its short material's jobs wait for it. Returns the audit summary's words for it ("" when it assumed nothing)."""
    said = []
    for window in plan.assumptions.get("downtime", []):
        work_center = WorkCenter.objects.filter(code=window["work_center"]).first()
        if work_center is None:
            continue
        start, end = parse_datetime(window["start"]), parse_datetime(window["end"])
        if start is None or end is None:  # written by scenarios_generate as ISO times; never expected
            continue
        Downtime.objects.create(work_center=work_center, kind=window["kind"], start=start, end=end,
                                note=window.get("note", "")[:200])  # fmt: skip
        said.append(f"{work_center.code} {window['kind']} recorded")
    for short in plan.assumptions.get("material", []):
        ready_at = parse_datetime(short["ready_at"])
        job = PlanJob.objects.filter(pk=short["job"]).first()
        if job is None or ready_at is None or (job.material_ready_at and job.material_ready_at >= ready_at):
            continue
        PlanJob.objects.filter(pk=job.pk).update(material_ready_at=ready_at)
        said.append(f"{job.number} material at {timezone.localtime(ready_at):%a %H:%M}")
    jobs = list(PlanJob.objects.filter(pk__in=plan.assumptions.get("jobs", []), open=False))
    if jobs:
        PlanJob.objects.filter(pk__in=[j.pk for j in jobs]).update(open=True)
        said.append(f"job(s) {', '.join(j.number for j in jobs)} opened")
    return f"; what-if made real: {', '.join(said)}" if said else ""


def _release(
    *, plan: Plan, user: Any, method: str, now: Any, without_operator: dict[str, int] | None = None
) -> Plan:
    with transaction.atomic():
        audit_chain_lock()
        claimed = Plan.objects.filter(pk=plan.pk, status=PlanStatus.DRAFT).update(status=PlanStatus.RELEASED)
        if not claimed:  # signed by someone else, or replaced, since plan_release looked
            plan.refresh_from_db()
            raise SignatureRefused(plan_closed_message(plan))
        previous = Plan.objects.filter(status=PlanStatus.RELEASED).exclude(pk=plan.pk)
        previous_versions = list(previous.values_list("version", flat=True))
        previous.update(status=PlanStatus.SUPERSEDED)
        Plan.objects.filter(status=PlanStatus.DRAFT).exclude(
            pk=plan.pk
        ).update(  # every open what-if: stale now
            status=PlanStatus.DISCARDED
        )
        version = (Plan.objects.aggregate(v=Max("version"))["v"] or 0) + 1
        plan.refresh_from_db()
        assumed = _assumptions_apply(plan)
        plan.version, plan.released_at, plan.released_by, plan.signature_method = version, now, user, method
        plan.content_hash = plan_hash(plan)
        plan.save(update_fields=["version", "released_at", "released_by", "signature_method", "content_hash"])
        acknowledged = ""
        if without_operator:
            acknowledged = (f"; acknowledged {sum(without_operator.values())} operation(s) without an operator "
                            f"({', '.join(without_operator)})")  # fmt: skip
        audit_record(actor=user, action="schedule.release", obj=plan,
                     summary=f"Schedule v{version} released ({plan.label}) — {method}{acknowledged}{assumed}; "
                     f"{writeback_said()}",
                     data={"version": version, "content_hash": plan.content_hash, "method": method,
                           "supersedes": previous_versions, "trigger": plan.trigger, "kpis": plan.kpis,
                           "acknowledged_without_operator": without_operator or {}, "plex": plex_integration_on(),
                           "assumptions": plan.assumptions})  # fmt: skip
        events.publish(events.SCHEDULE_RELEASED, plan_id=plan.pk, version=version)
    return plan

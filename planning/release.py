"""Release a scenario with an e-signature: versioned, audited, announced (`schedule_released`) to the stations'
board and to the plex app, which writes each job's sequence back to Plex after commit."""

import hashlib
import json
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from planning.models import Plan, PlanStatus
from plexcopilot import events
from plexcopilot.roles import ADMIN, PLANNER, SUPERVISOR, user_role
from plexcopilot.services import audit_chain_lock, audit_record
from plexcopilot.signatures import SignatureRefused, reauthenticate

RELEASE_ROLES = {PLANNER, SUPERVISOR, ADMIN}


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


def _release(
    *, plan: Plan, user: Any, method: str, now: Any, without_operator: dict[str, int] | None = None
) -> Plan:
    with transaction.atomic():
        audit_chain_lock()
        claimed = Plan.objects.filter(pk=plan.pk, status=PlanStatus.DRAFT).update(status=PlanStatus.RELEASED)
        if not claimed:
            raise SignatureRefused(
                "This scenario is no longer open (another one was released or it was replaced)."
            )
        previous = Plan.objects.filter(status=PlanStatus.RELEASED).exclude(pk=plan.pk)
        previous_versions = list(previous.values_list("version", flat=True))
        previous.update(status=PlanStatus.SUPERSEDED)
        Plan.objects.filter(status=PlanStatus.DRAFT, base=plan.base).exclude(pk=plan.pk).update(
            status=PlanStatus.DISCARDED
        )
        version = (Plan.objects.aggregate(v=Max("version"))["v"] or 0) + 1
        plan.refresh_from_db()
        plan.version, plan.released_at, plan.released_by, plan.signature_method = version, now, user, method
        plan.content_hash = plan_hash(plan)
        plan.save(update_fields=["version", "released_at", "released_by", "signature_method", "content_hash"])
        acknowledged = ""
        if without_operator:
            acknowledged = (f"; acknowledged {sum(without_operator.values())} operation(s) without an operator "
                            f"({', '.join(without_operator)})")  # fmt: skip
        audit_record(actor=user, action="schedule.release", obj=plan,
                     summary=f"Schedule v{version} released ({plan.label}) — {method}{acknowledged}",
                     data={"version": version, "content_hash": plan.content_hash, "method": method,
                           "supersedes": previous_versions, "trigger": plan.trigger, "kpis": plan.kpis,
                           "acknowledged_without_operator": without_operator or {}})  # fmt: skip
        events.publish(events.SCHEDULE_RELEASED, plan_id=plan.pk, version=version)
    return plan

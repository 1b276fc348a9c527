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


def plan_release(
    *, plan: Plan, user: Any, password: str = "", badge: str = "", pin: str = "", now: Any = None
) -> Plan:
    """Sign and release `plan`. Raises SignatureRefused (logged) when the role or re-authentication fails
    or the plan is no longer a scenario."""
    try:
        if user_role(user) not in RELEASE_ROLES:
            raise SignatureRefused("Only planners, supervisors and admins release schedules.")
        method = reauthenticate(user=user, password=password, badge=badge, pin=pin)
    except SignatureRefused as error:
        audit_record(actor=user, action="schedule.release_refused", obj=plan,
                     summary=f"Schedule release refused for {plan.label}: {error}")  # fmt: skip
        raise
    return _release(plan=plan, user=user, method=method, now=now or timezone.now())


def plan_release_system(*, plan: Plan, reason: str, now: Any = None) -> Plan:
    """Release without a person (the demo loader's first plan); audited as such, never from a view."""
    return _release(plan=plan, user=None, method=f"system: {reason}"[:20], now=now or timezone.now())


def _release(*, plan: Plan, user: Any, method: str, now: Any) -> Plan:
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
        audit_record(actor=user, action="schedule.release", obj=plan,
                     summary=f"Schedule v{version} released ({plan.label}) — {method}",
                     data={"version": version, "content_hash": plan.content_hash, "method": method,
                           "supersedes": previous_versions, "trigger": plan.trigger, "kpis": plan.kpis})  # fmt: skip
        events.publish(events.SCHEDULE_RELEASED, plan_id=plan.pk, version=version)
    return plan

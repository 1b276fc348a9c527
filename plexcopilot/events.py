"""Domain events: an app announces what happened, other apps subscribe in their `AppConfig.ready()`.

Handlers run after the surrounding transaction commits (at once when there is none), so a subscriber never sees
a change that was rolled back, and one failing subscriber neither undoes the announcer's work nor stops the
others (`robust=True` logs it). The core knows event names, never the apps behind them.

    # announcer (instructions/runs.py)
    events.publish(events.STEP_COMPLETED, execution_id=run.pk, step_key=step.key)

    # subscriber (quality/apps.py, in ready())
    events.subscribe(events.STEP_COMPLETED, feedback_loop.on_step_completed)

Payloads are plain values (ids, keys, numbers): a handler re-reads what it needs inside its own transaction.
"""

from collections import defaultdict
from collections.abc import Callable
from functools import partial
from typing import Any

from django.db import transaction

Handler = Callable[..., object]  # what a handler returns is ignored

# Every event the apps may announce. A name not listed here is a typo: publish and subscribe refuse it.
STEP_COMPLETED = "step_completed"
MEASUREMENT_RECORDED = "measurement_recorded"
STEP_FLAGGED = "step_flagged"
DEFECT_REPORTED = "defect_reported"
VERSION_PUBLISHED = "version_published"
EXECUTION_COMPLETED = "execution_completed"
WORK_ORDER_CLOSED = "work_order_closed"
PRODUCTION_RECORDED = "production_recorded"
ANDON_RAISED = "andon_raised"
ANDON_RESOLVED = "andon_resolved"
PUNCH_RECORDED = "punch_recorded"
WORK_CENTER_STATUS_CHANGED = "work_center_status_changed"
SCHEDULE_RELEASED = "schedule_released"
MATERIAL_SHORTAGE_PREDICTED = "material_shortage_predicted"
MATERIAL_SHORTAGE_RESOLVED = "material_shortage_resolved"
REPLENISHMENT_REQUESTED = "replenishment_requested"
TIMECARD_APPROVED = "timecard_approved"
NCR_HISTORY_CHANGED = "ncr_history_changed"
NCR_DRAFT_APPROVED = "ncr_draft_approved"
LIBRARY_CHANGED = "library_changed"
COPILOT_QUESTION_ASKED = "copilot_question_asked"
INVENTORY_SYNCED = "inventory_synced"

KNOWN = frozenset(
    {
        STEP_COMPLETED,
        MEASUREMENT_RECORDED,
        STEP_FLAGGED,
        DEFECT_REPORTED,
        VERSION_PUBLISHED,
        EXECUTION_COMPLETED,
        WORK_ORDER_CLOSED,
        PRODUCTION_RECORDED,
        ANDON_RAISED,
        ANDON_RESOLVED,
        PUNCH_RECORDED,
        WORK_CENTER_STATUS_CHANGED,
        SCHEDULE_RELEASED,
        MATERIAL_SHORTAGE_PREDICTED,
        MATERIAL_SHORTAGE_RESOLVED,
        REPLENISHMENT_REQUESTED,
        TIMECARD_APPROVED,
        NCR_HISTORY_CHANGED,
        NCR_DRAFT_APPROVED,
        LIBRARY_CHANGED,
        COPILOT_QUESTION_ASKED,
        INVENTORY_SYNCED,
    }
)

_subscribers: dict[str, list[Handler]] = defaultdict(list)


def _known(event: str) -> str:
    if event not in KNOWN:
        raise ValueError(f"Unknown domain event {event!r}; add it to plexcopilot.events.KNOWN.")
    return event


def subscribe(event: str, handler: Handler) -> None:
    """Register `handler(**payload)` for `event`. Registering the same handler twice keeps one."""
    handlers = _subscribers[_known(event)]
    if handler not in handlers:
        handlers.append(handler)


def publish(event: str, **payload: Any) -> None:
    """Announce `event`; each subscriber runs once the current transaction commits."""
    for handler in list(_subscribers[_known(event)]):
        transaction.on_commit(partial(handler, **payload), robust=True)


def subscribers(event: str) -> list[Handler]:
    """Who listens to `event` (for tests and the architecture doc)."""
    return list(_subscribers[_known(event)])

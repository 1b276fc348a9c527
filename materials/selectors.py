"""Read-only views of materials for pages and for other apps (planning reads open shortages from here)."""

import datetime
from typing import Any

from django.db.models import Max
from django.utils import timezone

from labor.selectors import shift_list, shift_window
from materials.models import (
    AlertStatus,
    BufferStatus,
    CallOff,
    CallOffStatus,
    KanbanChange,
    KanbanChangeStatus,
    ShortageAlert,
)
from materials.tasks import next_evaluation_at


def open_shortages() -> list[ShortageAlert]:
    return list(
        ShortageAlert.objects.filter(status=AlertStatus.OPEN)
        .select_related("component", "location__work_center")
        .prefetch_related("work_orders__part", "call_offs")
        .order_by("shortage_at")
    )


def handler_overview() -> dict[str, Any]:
    return {
        "evaluated_at": BufferStatus.objects.aggregate(at=Max("computed_at"))["at"],
        "next_evaluation_at": (upcoming := next_evaluation_at()),
        # Queued but not run two minutes after its time: the background worker is not working the queue.
        "evaluation_overdue": (
            upcoming is not None and upcoming < timezone.now() - datetime.timedelta(minutes=2)
        ),
        "shortages": open_shortages(),
        "buffers": list(BufferStatus.objects.select_related("component", "location").order_by("net_flow")),
        "drafts": list(
            CallOff.objects.filter(status=CallOffStatus.DRAFT).select_related(
                "component", "location", "shortage"
            )
        ),
        "requested": list(
            CallOff.objects.filter(status=CallOffStatus.REQUESTED).select_related(
                "component", "location", "approved_by"
            )
        ),
        "withdrawn": list(  # drafts the evaluation found no longer needed, over the last day
            CallOff.objects.filter(
                status=CallOffStatus.CANCELLED,
                still_needed=False,
                evaluated_at__gte=timezone.now() - datetime.timedelta(days=1),
            )
            .select_related("component", "location")
            .order_by("-evaluated_at", "-id")
        ),
        # Deliveries confirmed since the running shift started: a history of the shift, whatever the evaluations do.
        "delivered_since": (since := _shift_start()),
        "delivered": list(
            CallOff.objects.filter(status=CallOffStatus.DELIVERED, delivered_at__gte=since)
            .select_related("component", "location", "delivered_by")
            .order_by("-delivered_at", "-id")
        ),
        "changes": list(
            KanbanChange.objects.filter(status=KanbanChangeStatus.PROPOSED).select_related(
                "loop__component", "loop__location"
            )
        ),
    }


def station_call_offs(work_center_id: int) -> list[CallOff]:
    """Call-offs on their way to this work center's line-side locations (requested, not yet delivered)."""
    return list(
        CallOff.objects.filter(
            location__work_center_id=work_center_id, status__in=[CallOffStatus.REQUESTED, CallOffStatus.DRAFT]
        )
        .select_related("component", "location")
        .order_by("needed_by", "id")
    )


def _shift_start() -> datetime.datetime:
    """When the shift running now started; between shifts (a plant pattern with a gap), when the last one did —
    never a start still to come, which would show no delivery at all."""
    now = timezone.now()
    day = timezone.localdate(now)
    starts = [
        shift_window(shift, d)[0] for d in (day, day - datetime.timedelta(days=1)) for shift in shift_list()
    ]
    return max(start for start in starts if start <= now)

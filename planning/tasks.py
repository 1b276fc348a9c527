"""Background work for planning, run by `manage.py run_worker` (django-tasks-db): what-if scenarios that an event
(Hold/Down, an Andon line-down call, a material shortage) asks for. The request that committed the
event only records the constraint and enqueues this; nobody on the floor waits for the solver."""

from typing import Any

from django.tasks import task
from django.utils import timezone
from django.utils.dateparse import parse_datetime

SCENARIOS_TASK_PATH = "planning.tasks.scenarios_task"


def trigger_kwargs(trigger: Any) -> dict[str, Any]:
    """A what-if trigger as JSON the task queue can hold."""
    return {
        "kind": trigger.kind,
        "summary": trigger.summary,
        "work_center": trigger.work_center,
        "start": trigger.start.isoformat() if trigger.start else "",
        "end": trigger.end.isoformat() if trigger.end else "",
        "absent_ids": sorted(trigger.absent_ids),
        "source": trigger.source,
        "key": trigger.key,
        "material_ready": {str(job): at.isoformat() for job, at in trigger.material_ready.items()},
    }


@task()
def scenarios_task(
    *, kind: str, summary: str, work_center: str = "", start: str = "", end: str = "",
    absent_ids: list[int] | None = None, time_limit: float = 2.0, source: str = "",
    material_ready: dict[str, str] | None = None, key: str = "",
) -> str:  # fmt: skip
    """Three ranked scenarios for the trigger, planned from the moment the worker runs (a late worker must not
    plan into the past)."""
    from planning.whatif import Trigger, scenarios_generate

    trigger = Trigger(
        kind=kind, summary=summary, work_center=work_center,
        start=parse_datetime(start) if start else None, end=parse_datetime(end) if end else None,
        absent_ids=set(absent_ids or ()), source=source, key=key,
        material_ready={int(job): at for job, iso in (material_ready or {}).items() if (at := parse_datetime(iso))},
    )  # fmt: skip
    plans = scenarios_generate(trigger, now=timezone.now(), time_limit=time_limit)
    withdrawn = " saved withdrawn (its source is over)" if plans and plans[0].withdrawn_reason else ""
    return f"{len(plans)} scenario(s){withdrawn}: {summary[:120]}"


def scenarios_unqueue(source: str) -> int:
    """Drop the scenario runs for `source` that no worker has picked up yet; returns how many."""
    from django_tasks_db.models import DBTaskResult

    if not source:
        return 0
    deleted, _ = DBTaskResult.objects.filter(
        task_path=SCENARIOS_TASK_PATH, status="READY", args_kwargs__kwargs__source=source
    ).delete()
    return deleted

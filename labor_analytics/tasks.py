"""Background work of labor analytics (django-tasks-db; worked by `manage.py db_worker`)."""

from typing import Any

from django.db import transaction
from django.tasks import TaskResultStatus, task

from plexcopilot.worker import enqueue_unless_waiting


@task()
def job_model_retrain_task() -> str:
    from labor_analytics.forecast_cache import forecast_figures_refresh
    from labor_analytics.job_forecast import job_model_retrain

    run = job_model_retrain()
    forecast_figures_refresh()  # the page shows the new model's figures without computing them itself
    return f"{run.kind} model on {run.jobs} jobs"


def job_model_retrain_schedule() -> bool:
    """Queue a retraining unless one is already waiting; True when one was queued."""
    return enqueue_unless_waiting(job_model_retrain_task)


def on_work_order_closed(**_: Any) -> None:
    """WORK_ORDER_CLOSED subscriber: a finished job is a new example; retrain in the background."""
    job_model_retrain_schedule()


@task()
def job_costs_refresh_task() -> str:
    from labor_analytics.costs import job_costs_refresh

    return f"{job_costs_refresh()} job costs recomputed"


def on_rates_changed(sender: type, instance: Any = None, created: bool = False, **_: Any) -> None:
    """post_save / post_delete of a labor grade, an employee's grade, a shift premium, an operation standard or
    the labor settings: the job costs were computed with the old figures; recompute them all in the background
    (one waiting refresh at a time), after the change is committed."""
    from labor_analytics.models import LaborSettings

    if sender is LaborSettings and created:
        return  # the defaults written on first use change no figure
    transaction.on_commit(lambda: enqueue_unless_waiting(job_costs_refresh_task))


def job_costs_refresh_pending() -> bool:
    """True while a refresh is waiting or running (the variances page says its costs are being recomputed)."""
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.filter(
        task_path=job_costs_refresh_task.module_path,
        status__in=[TaskResultStatus.READY, TaskResultStatus.RUNNING],
    ).exists()

"""Background work of labor analytics (django-tasks-db; worked by `manage.py db_worker`)."""

from typing import Any

from django.tasks import task

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

"""Background work for the quality app, run by `manage.py db_worker` (django-tasks-db)."""

from django.tasks import task

from instructions.models import WorkInstruction


@task()
def ncr_triage_task(draft_id: int) -> str:
    from quality.triage_drafts import ncr_triage_run

    draft = ncr_triage_run(draft_id=draft_id)
    return draft.status


@task()
def step_feedback_task(instruction_id: int, step_key: str) -> str:
    """The out-of-spec trend and feedback-threshold checks for one step."""
    from quality.alerts import out_of_spec_check
    from quality.feedback_loop import step_feedback_check

    instruction = WorkInstruction.objects.get(pk=instruction_id)
    raised = [
        alert
        for alert in (
            out_of_spec_check(instruction=instruction, step_key=step_key),
            step_feedback_check(instruction=instruction, step_key=step_key),
        )
        if alert is not None
    ]
    return ", ".join(a.summary[:80] for a in raised) or "below thresholds"


@task()
def triage_model_train_task() -> str:
    """Retrain the triage classifier on the current NCR history (queued when the history changes)."""
    from quality.triage_store import engine_train

    row = engine_train()
    return row.method if row is not None else "no labelled NCRs yet"

"""Reads other apps use: copilot questions as evidence that a step needs work."""

from typing import Any

from django.db.models import Count, QuerySet

from copilot.models import CopilotQuestion


def step_questions(*, step_key: str) -> QuerySet[CopilotQuestion]:
    """Every answered question asked on a step (across versions: `step_key` follows the step)."""
    return CopilotQuestion.objects.filter(step_key=step_key).exclude(answered_at=None).order_by("-asked_at")


def step_question_counts(*, step_keys: list[str]) -> dict[str, dict[str, int]]:
    """Per step: questions asked, and answers marked not helpful (the stronger signal)."""
    rows = (
        CopilotQuestion.objects.filter(step_key__in=step_keys)
        .exclude(answered_at=None)
        .values("step_key", "helpful")
        .annotate(n=Count("id"))
    )
    counts: dict[str, dict[str, int]] = {key: {"asked": 0, "not_helpful": 0} for key in step_keys}
    for row in rows:
        counts[row["step_key"]]["asked"] += row["n"]
        if row["helpful"] is False:
            counts[row["step_key"]]["not_helpful"] += row["n"]
    return counts


def question_in_progress(
    *, employee: Any, work_order: Any | None, within_seconds: int
) -> CopilotQuestion | None:
    """The operator's latest question on this work order still being answered (asked in the last N seconds)."""
    from datetime import timedelta

    from django.utils import timezone

    since = timezone.now() - timedelta(seconds=within_seconds)
    return (
        CopilotQuestion.objects.filter(
            operator=employee, work_order=work_order, answered_at=None, asked_at__gte=since
        )
        .order_by("-id")
        .first()
    )


def question_answered(*, pk: int) -> CopilotQuestion | None:
    return CopilotQuestion.objects.filter(pk=pk).exclude(answered_at=None).select_related("operator").first()

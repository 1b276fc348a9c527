"""A question asked on a step is announced (copilot_question_asked); quality keeps it for its feedback loop
without reading the copilot's tables (tests/plexcopilot/test_app_dependencies.py holds the tree)."""

import pytest

from copilot.models import CopilotQuestion
from copilot.questions import QuestionContext, question_prepare
from quality.models import StepQuestion

pytestmark = pytest.mark.django_db


def test_a_question_on_a_step_reaches_quality_and_one_on_no_step_does_not(
    station_run, django_capture_on_commit_callbacks
):
    _client, execution, ana = station_run
    step = execution.version.steps.order_by("order").first()
    with django_capture_on_commit_callbacks(execute=True):
        question_prepare(
            context=QuestionContext(employee=ana, role="operator", execution=execution, step=step),
            question="how do I clear a jam on station 5?",
        )
        question_prepare(
            context=QuestionContext(employee=ana, role="operator"), question="where is the jam SOP?"
        )
    asked = CopilotQuestion.objects.get(step=step)
    kept = StepQuestion.objects.get()
    assert (kept.question_id, kept.version_id, kept.step_key, kept.question, kept.asked_at) == (
        asked.pk,
        execution.version_id,
        step.key,
        "how do I clear a jam on station 5?",
        asked.asked_at,
    )

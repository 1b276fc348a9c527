"""The copilot questions asked before quality kept its own copy are carried over by migration quality 0005."""

import importlib

import pytest
from django.apps import apps

from copilot.models import Conversation, CopilotQuestion
from quality.models import StepQuestion

pytestmark = pytest.mark.django_db
copy_questions = importlib.import_module("quality.migrations.0005_step_question").copy_questions


def test_questions_asked_on_a_step_are_copied_and_the_others_left(plant):
    step = plant.version.steps.get(order=2)
    conversation = Conversation.objects.create(work_order=plant.work_order, employee=plant.certified)
    on_step = CopilotQuestion.objects.create(conversation=conversation, work_order=plant.work_order,
                                             version=plant.version, step=step, step_key=step.key,
                                             operator=plant.certified, question="What torque for the clamp?")  # fmt: skip
    CopilotQuestion.objects.create(
        conversation=conversation, operator=plant.certified, question="Where is the chart?"
    )
    copy_questions(apps, None)
    kept = StepQuestion.objects.get()
    assert (kept.question_id, kept.version_id, kept.step_key, kept.question, kept.asked_at) == (
        on_step.pk,
        plant.version.pk,
        step.key,
        "What torque for the clamp?",
        on_step.asked_at,
    )

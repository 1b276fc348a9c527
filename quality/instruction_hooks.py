"""What quality provides to the instructions app's registries (registered in QualityConfig.ready()).

instructions sits below quality in the app tree, so it never imports quality: it keeps registries, and quality
fills them here.
"""

import datetime
from typing import Any

from django.db.models import QuerySet

from instructions.models import EvidenceKind
from quality.forms import DefectForm
from quality.models import DefectReport, StepQuestion


def defect_evidence(defect: DefectReport) -> dict[str, Any]:
    """A defect report cited by a change proposal (linked by its foreign key)."""
    return {
        "kind": EvidenceKind.DEFECT,
        "defect": defect,
        "step_key": defect.step_key,
        "label": f"Defect {defect.pk} ({defect.get_category_display()}): {defect.description}"[:300],
    }


def question_evidence(question: StepQuestion) -> dict[str, Any]:
    """A copilot question cited by a change proposal: named by the copilot's record (quality keeps its text)."""
    return {
        "kind": EvidenceKind.COPILOT_QUESTION,
        "object_type": "copilot.copilotquestion",
        "object_id": str(question.question_id),
        "step_key": question.step_key,
        "label": str(question)[:300],
    }


def recent_defects(*, part_id: int, step_keys: list[str], since: datetime.datetime) -> QuerySet[DefectReport]:
    """The station's red warning: defects on the part at these steps since `since`, newest first."""
    return (
        DefectReport.objects.filter(part_id=part_id, step_key__in=step_keys, created_at__gte=since)
        .order_by("-created_at")
        .only("id", "step_key", "description", "category", "quantity", "created_at", "thumbnail", "photo")
    )


def step_context() -> dict[str, Any]:
    """The station step page's defect sheet starts from an empty report form."""
    return {"defect_form": DefectForm()}

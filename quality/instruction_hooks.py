"""What quality provides to the instructions app's registries (registered in QualityConfig.ready()).

instructions sits below quality in the app tree, so it never imports quality: it keeps registries, and quality
fills them here.
"""

from typing import Any

from instructions.models import EvidenceKind
from quality.models import DefectReport


def defect_evidence(defect: DefectReport) -> dict[str, Any]:
    """A defect report cited by a change proposal (linked by its foreign key)."""
    return {
        "kind": EvidenceKind.DEFECT,
        "defect": defect,
        "step_key": defect.step_key,
        "label": f"Defect {defect.pk} ({defect.get_category_display()}): {defect.description}"[:300],
    }

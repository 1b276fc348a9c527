"""Demo change proposals for the demo plant's approval queue, citing its defects (after load_demo_plant). Idempotent."""

from typing import Any

from instructions.models import ChangeProposal, WorkInstruction
from instructions.proposals import proposal_draft
from plexcopilot.models import Employee
from quality.models import DefectReport

DEMO_PROPOSALS: list[dict[str, Any]] = [
    {
        "summary": "Caution on “Proof-torque the weld nut”: dress the upper electrode",
        "part": "BRK-2040", "operation": 20, "step": "Proof-torque the weld nut", "source": "defect",
        "fields": {"caution": "If a nut spins below 58 N·m, stop: check the upper electrode face. A mushroomed face "
                              "fuses only two of the three projections. Dress it and weld three setup parts again."},
        "rationale": "Weld nuts spun at 38–44 N·m on 6 pcs with only two projections fused; the upper electrode "
                     "face was mushroomed.",
        "defects": "Weld nut spun", "proposer": None, "submit": True,
    },
    {
        "summary": "Light curtain test at five points before production",
        "part": "BRK-2040", "operation": 10, "step": "Remove lockout and test the light curtain", "source": "engineer_edit",
        "fields": {"text": "Confirm everyone is clear of the press, remove your lock and tag, and close all interlocked "
                           "gates. In inch mode, break the light curtain with the 30 mm test rod at top, middle, bottom "
                           "and at both side edges; the ram must stop every time."},
        "rationale": "The curtain's edge beams are not tested today; the maintenance audit found one dead edge beam.",
        "defects": "", "proposer": "200202", "submit": True,
    },
    {
        "summary": "Second bore check after an insert change (AI draft)",
        "part": "HSG-3315", "operation": 10, "step": None, "source": "ai_draft",
        "fields": {"why": "A worn boring insert without a wear-offset adjustment puts the sensor bore over size; "
                          "check the first part after every insert change."},
        "rationale": "Drafted from defect history: sensor bore over size on 7 pcs after an insert change.",
        "defects": "Sensor bore", "proposer": None, "submit": False,
    },
]  # fmt: skip


def demo_proposals_load() -> int:
    """Create the demo proposals that do not exist yet; returns how many were created."""
    created = 0
    for spec in DEMO_PROPOSALS:
        if ChangeProposal.objects.filter(summary=spec["summary"]).exists():
            continue
        instruction = WorkInstruction.objects.select_related("current_version").get(
            part__number=spec["part"], operation__sequence=spec["operation"]
        )
        version = instruction.current_version
        steps = version.steps.order_by("order")  # type: ignore[union-attr]
        defects = (
            list(DefectReport.objects.filter(part=instruction.part, description__contains=spec["defects"]))
            if spec["defects"]
            else []
        )
        step = steps.filter(title=spec["step"]).first() if spec["step"] else None
        if step is None and defects and defects[0].step_key:
            step = steps.filter(key=defects[0].step_key).first()
        if step is None:
            continue
        proposer = Employee.objects.get(badge_id=spec["proposer"]).user if spec["proposer"] else None
        proposal_draft(
            instruction=instruction, base_version=version, source=spec["source"],  # type: ignore[arg-type]
            edits=[{"op": "change", "key": step.key, "fields": spec["fields"]}], rationale=spec["rationale"],
            evidence=defects, proposed_by=proposer, summary=spec["summary"], submit=spec["submit"],
        )  # fmt: skip
        created += 1
    return created

import pytest

from instructions.models import ChangeProposal, EvidenceKind, ProposalStatus, RiskClass
from instructions.proposal_content import ProposalInvalid, proposal_steps
from instructions.proposals import proposal_draft
from instructions.runs import execution_start, flag_create
from instructions.step_diff import proposal_diff
from plexcopilot.models import AuditEvent

pytestmark = pytest.mark.django_db


def keys(plant):
    return [s.key for s in plant.version.steps.order_by("order")]


class TestProposalDraft:
    def test_it_creates_a_pending_proposal_with_evidence_and_audit(self, plant):
        execution = execution_start(work_order=plant.work_order, employee=plant.certified)
        first = plant.version.steps.get(order=1)
        flag = flag_create(execution=execution, step=first, employee=plant.certified, comment="Which die?")
        proposal = proposal_draft(
            instruction=plant.instruction,
            base_version=plant.version,
            source="operator_flags",
            edits=[
                {
                    "op": "change",
                    "key": first.key,
                    "fields": {"text": "Confirm die D-40 (blue tag) is loaded."},
                }
            ],
            rationale="Operators ask which die.",
            evidence=[
                flag,
                {"kind": "ncr", "object_type": "quality.ncr", "object_id": "7", "label": "NCR-7"},
            ],
            proposed_by=plant.quality.user,
        )
        assert proposal.status == ProposalStatus.PENDING
        assert proposal.risk == RiskClass.STANDARD
        assert [e.kind for e in proposal.evidence.all()] == [EvidenceKind.FLAG, EvidenceKind.NCR]
        assert proposal.evidence.first().flag == flag and proposal.evidence.first().step_key == first.key
        assert proposal_steps(proposal)[0]["text"] == "Confirm die D-40 (blue tag) is loaded."
        assert AuditEvent.objects.filter(action="proposal.create", object_id=str(proposal.pk)).exists()
        diff = proposal_diff(proposal)
        assert [d.status for d in diff] == ["changed", "same", "same", "same"]

    def test_it_marks_a_change_touching_a_safety_critical_step(self, plant):
        curtain = plant.version.steps.get(order=3)
        proposal = proposal_draft(
            instruction=plant.instruction, base_version=plant.version, source="engineer_edit",
            edits=[{"op": "change", "key": curtain.key, "fields": {"caution": "Never bypass or mute the curtain."}}],
            rationale="Muting seen on night shift.", evidence=[],
        )  # fmt: skip
        assert proposal.risk == RiskClass.SAFETY_CRITICAL

    @pytest.mark.parametrize(
        ("edit", "risk"),
        [
            ({"op": "add", "after": 2, "step": {"title": "Second check", "text": "Check again."}}, "safety_critical"),
            ({"op": "add", "after": 3, "step": {"title": "Second check", "text": "Check again."}}, "safety_critical"),
            ({"op": "add", "after": 1, "step": {"title": "Look", "text": "Look at the die."}}, "standard"),
            ({"op": "add", "after": 1, "step": {"title": "Lockout", "text": "Lock out.", "safety_critical": True}},
             "safety_critical"),
            ({"op": "remove", "key": 4}, "safety_critical"),
            ({"op": "remove", "key": 1}, "standard"),
            ({"op": "move", "key": 4, "after": None}, "safety_critical"),
            ({"op": "move", "key": 1, "after": 4}, "standard"),
        ],
        ids=["add-before-safety", "add-after-safety", "add-away", "add-safety-step", "remove-next-to-safety",
             "remove-away", "move-from-next-to-safety", "move-away"],
    )  # fmt: skip
    def test_it_marks_steps_added_removed_or_moved_next_to_a_safety_critical_step(self, plant, edit, risk):
        k = keys(plant)  # 1 die set, 2 torque, 3 light curtain (safety-critical), 4 first piece
        edit = {**edit, **{f: k[edit[f] - 1] for f in ("after", "key") if edit.get(f)}}
        proposal = proposal_draft(instruction=plant.instruction, base_version=plant.version, source="engineer_edit",
                                  edits=[edit], rationale="Sequence change.", evidence=[])  # fmt: skip
        assert proposal.risk == risk

    def test_it_adds_removes_and_moves_steps_with_stable_keys(self, plant):
        k = keys(plant)
        proposal = proposal_draft(
            instruction=plant.instruction, base_version=plant.version, source="quality_engineer",
            edits=[
                {"op": "add", "after": k[1], "step": {"title": "Inspect the clamp", "text": "Look for cracks."}},
                {"op": "remove", "key": k[3]},
                {"op": "move", "key": k[0], "after": None},
            ],
            rationale="Add an inspection checkpoint.", evidence=[],
        )  # fmt: skip
        steps = proposal_steps(proposal)
        assert [s["title"] for s in steps] == [
            "Check the die set", "Torque the clamp bolts", "Inspect the clamp", "Reset the light curtain",
        ]  # fmt: skip
        stored_key = proposal.edits[0]["step"]["key"]
        assert steps[2]["key"] == stored_key
        assert proposal_steps(ChangeProposal.objects.get(pk=proposal.pk))[2]["key"] == stored_key
        assert [d.status for d in proposal_diff(proposal)] == ["same", "same", "added", "same", "removed"]

    @pytest.mark.parametrize(
        ("edits", "rationale", "message"),
        [
            ([], "why", "at least one step edit"),
            ([{"op": "change", "key": "nope", "fields": {"text": "x"}}], "why", "is not in this version"),
            ([{"op": "explode"}], "why", "unknown operation"),
            ([{"op": "change", "key": "K0", "fields": {"spec_upper": "abc"}}], "why", "is not a number"),
            ([{"op": "change", "key": "K1", "fields": {"spec_lower": "30"}}], "why", "lower limit is above"),
            ([{"op": "change", "key": "K0", "fields": {"text": "x"}}], "  ", "rationale"),
            (
                [{"op": "change", "key": "K0", "fields": {"text": "Confirm die D-40 is loaded."}}],
                "why",
                "change nothing",
            ),
        ],
    )
    def test_it_refuses_bad_input_with_a_clear_message_and_saves_nothing(
        self, plant, edits, rationale, message
    ):
        k = keys(plant)
        for edit in edits:
            if edit.get("key", "").startswith("K"):
                edit["key"] = k[int(edit["key"][1:])]
        with pytest.raises(ProposalInvalid, match=message):
            proposal_draft(instruction=plant.instruction, base_version=plant.version, source="engineer_edit",
                           edits=edits, rationale=rationale, evidence=[])  # fmt: skip
        assert ChangeProposal.objects.count() == 0

    def test_it_can_stay_a_draft_out_of_the_queue(self, plant):
        proposal = proposal_draft(
            instruction=plant.instruction, base_version=plant.version, source="ai_draft",
            edits=[{"op": "change", "key": keys(plant)[0], "fields": {"why": "A wrong die cracks parts."}}],
            rationale="Drafted from defects.", evidence=[], submit=False,
        )  # fmt: skip
        assert proposal.status == ProposalStatus.DRAFT

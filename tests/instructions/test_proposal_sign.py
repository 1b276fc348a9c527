import pytest

from instructions.approval import proposal_sign
from instructions.models import ChangeProposal, ProposalStatus, Signature
from instructions.proposal_content import ProposalConflict
from instructions.proposals import proposal_draft, proposal_rebase, proposal_reject, proposal_rollback
from plexcopilot.models import AuditEvent
from plexcopilot.services import audit_verify
from plexcopilot.signatures import SignatureRefused
from tests.actors import PIN, make_employee

pytestmark = pytest.mark.django_db
DESK = "desk-pass-123"


def propose(plant, order=1, fields=None, by=None, base=None):
    base = base or plant.instruction.current_version
    step = base.steps.get(order=order)
    return proposal_draft(
        instruction=plant.instruction, base_version=base, source="engineer_edit",
        edits=[{"op": "change", "key": step.key, "fields": fields or {"text": step.text + " Check twice."}}],
        rationale="Clearer.", evidence=[], proposed_by=by,
    )  # fmt: skip


class TestProposalSign:
    def test_it_publishes_a_standard_change_on_a_supervisor_signature(self, plant):
        proposal = propose(plant, by=plant.quality.user)
        outcome = proposal_sign(proposal=proposal, user=plant.supervisor.user, meaning="approved_for_release",
                                password=DESK)  # fmt: skip
        plant.instruction.refresh_from_db()
        assert outcome.published is not None and outcome.published.number == 2
        assert plant.instruction.current_version == outcome.published
        assert proposal.status == ProposalStatus.APPROVED and proposal.published_version == outcome.published
        signature = Signature.objects.get(proposal=proposal)
        assert signature.content_hash == outcome.published.content_hash == proposal.content_hash
        assert signature.printed_name == plant.supervisor.full_name and signature.role == "supervisor"
        assert outcome.published.steps.get(order=1).text.endswith("Check twice.")
        assert audit_verify()[0]

    def test_it_accepts_badge_and_pin_as_the_signature(self, plant):
        proposal = propose(plant)
        outcome = proposal_sign(proposal=proposal, user=plant.supervisor.user, meaning="approved_for_release",
                                badge=plant.supervisor.badge_id, pin=PIN)  # fmt: skip
        assert outcome.published is not None
        assert Signature.objects.get().method == "badge_pin"

    def test_a_wrong_pin_changes_nothing_and_is_logged(self, plant):
        proposal = propose(plant)
        with pytest.raises(SignatureRefused, match="not recognised"):
            proposal_sign(proposal=proposal, user=plant.supervisor.user, meaning="approved_for_release",
                          badge=plant.supervisor.badge_id, pin="0000")  # fmt: skip
        proposal.refresh_from_db()
        assert proposal.status == ProposalStatus.PENDING and proposal.revision == 0
        assert not Signature.objects.exists()
        assert plant.instruction.versions.count() == 1
        assert AuditEvent.objects.filter(action="signature.refused", object_id=str(proposal.pk)).exists()

    def test_someone_elses_badge_does_not_sign_for_the_signed_in_person(self, plant):
        other = make_employee("600002", "supervisor")
        proposal = propose(plant)
        with pytest.raises(SignatureRefused):
            proposal_sign(proposal=proposal, user=plant.supervisor.user, meaning="approved_for_release",
                          badge=other.badge_id, pin=PIN)  # fmt: skip
        assert not Signature.objects.exists()

    def test_a_proposer_never_approves_their_own_proposal(self, plant):
        proposal = propose(plant, by=plant.supervisor.user)
        with pytest.raises(SignatureRefused, match="another person"):
            proposal_sign(proposal=proposal, user=plant.supervisor.user, meaning="approved_for_release",
                          password=DESK)  # fmt: skip
        assert plant.instruction.versions.count() == 1
        assert AuditEvent.objects.filter(action="signature.refused").exists()

    def test_an_operator_cannot_sign(self, plant):
        proposal = propose(plant)
        with pytest.raises(SignatureRefused, match="Only supervisors"):
            proposal_sign(proposal=proposal, user=plant.certified.user, meaning="approved_for_release",
                          password=DESK)  # fmt: skip

    def test_a_safety_critical_change_needs_a_supervisor_and_a_quality_engineer(self, plant):
        proposal = propose(plant, order=3, fields={"caution": "Never bypass or mute the light curtain."})
        assert proposal.is_safety_critical
        first = proposal_sign(proposal=proposal, user=plant.supervisor.user, meaning="approved_for_release",
                              password=DESK)  # fmt: skip
        assert first.published is None and "quality engineer" in first.message
        again = proposal_sign(proposal=proposal, user=plant.supervisor.user, meaning="approved_for_release",
                              password=DESK)  # fmt: skip
        assert again.published is None and again.signature is None
        assert again.message.startswith(f"Already signed by {first.signature.printed_name} at ")
        other_supervisor = make_employee("600003", "supervisor")
        still = proposal_sign(proposal=proposal, user=other_supervisor.user, meaning="approved_for_release",
                              password=DESK)  # fmt: skip
        assert still.published is None
        done = proposal_sign(proposal=proposal, user=plant.quality.user, meaning="reviewed", password=DESK)
        assert done.published is not None
        assert sorted(Signature.objects.filter(proposal=proposal).values_list("role", flat=True)) == [
            "quality", "supervisor", "supervisor",
        ]  # fmt: skip

    def test_the_second_proposal_on_the_same_base_is_a_conflict_to_rebase(self, plant):
        first = propose(plant, order=1)
        second = propose(plant, order=4, fields={"text": "Cycle once; tag the first piece."})
        proposal_sign(
            proposal=first, user=plant.supervisor.user, meaning="approved_for_release", password=DESK
        )
        with pytest.raises(ProposalConflict, match="Rebase"):
            proposal_sign(proposal=second, user=plant.supervisor.user, meaning="approved_for_release",
                          password=DESK)  # fmt: skip
        assert not Signature.objects.filter(proposal=second).exists()
        fresh = proposal_rebase(proposal=second, user=plant.supervisor.user)
        second.refresh_from_db()
        assert second.status == ProposalStatus.SUPERSEDED and second.superseded_by == fresh
        assert fresh.base_version.number == 2
        outcome = proposal_sign(proposal=fresh, user=plant.supervisor.user, meaning="approved_for_release",
                                password=DESK)  # fmt: skip
        steps = outcome.published.steps.order_by("order")
        assert steps[0].text.endswith("Check twice.") and steps[3].text == "Cycle once; tag the first piece."

    def test_a_rebase_onto_a_clashing_change_is_refused(self, plant):
        first = propose(plant, order=1, fields={"text": "A"})
        second = propose(plant, order=1, fields={"text": "B"})
        proposal_sign(
            proposal=first, user=plant.supervisor.user, meaning="approved_for_release", password=DESK
        )
        with pytest.raises(ProposalConflict, match="also changed"):
            proposal_rebase(proposal=second, user=plant.supervisor.user)
        assert ChangeProposal.objects.get(pk=second.pk).status == ProposalStatus.PENDING

    def test_a_rejection_needs_a_reason_and_closes_the_proposal(self, plant):
        proposal = propose(plant)
        with pytest.raises(SignatureRefused, match="reason"):
            proposal_reject(proposal=proposal, user=plant.supervisor.user, reason=" ")
        proposal_reject(proposal=proposal, user=plant.supervisor.user, reason="Already covered by step 2.")
        assert proposal.status == ProposalStatus.REJECTED
        with pytest.raises(SignatureRefused, match="already rejected"):
            proposal_sign(proposal=proposal, user=plant.supervisor.user, meaning="approved_for_release",
                          password=DESK)  # fmt: skip

    def test_a_rollback_publishes_the_old_content_as_a_new_version(self, plant):
        v1 = plant.version
        proposal_sign(proposal=propose(plant), user=plant.supervisor.user, meaning="approved_for_release",
                      password=DESK)  # fmt: skip
        plant.instruction.refresh_from_db()
        rollback = proposal_rollback(instruction=plant.instruction, target=v1, user=plant.supervisor.user)
        with pytest.raises(SignatureRefused, match="another person"):
            proposal_sign(proposal=rollback, user=plant.supervisor.user, meaning="approved_for_release",
                          password=DESK)  # fmt: skip
        other = make_employee("600004", "supervisor")
        outcome = proposal_sign(
            proposal=rollback, user=other.user, meaning="approved_for_release", password=DESK
        )
        v3 = outcome.published
        assert v3.number == 3 and v3.restored_from == v1 and v3.content_hash == v1.content_hash
        assert [s.key for s in v3.steps.order_by("order")] == [s.key for s in v1.steps.order_by("order")]


class TestSupervisorAreas:
    def test_a_supervisor_limited_to_another_area_cannot_sign(self, plant):
        from django.contrib.auth.models import Group

        plant.supervisor.user.groups.add(Group.objects.create(name="area:Welding"))
        proposal = propose(plant)
        with pytest.raises(SignatureRefused, match="You supervise Welding; this instruction is in Stamping"):
            proposal_sign(proposal=proposal, user=plant.supervisor.user, meaning="approved_for_release",
                          password=DESK)  # fmt: skip
        plant.supervisor.user.groups.add(Group.objects.create(name="area:Stamping"))
        outcome = proposal_sign(proposal=proposal, user=plant.supervisor.user, meaning="approved_for_release",
                                password=DESK)  # fmt: skip
        assert outcome.published is not None


class TestRollbackRebase:
    def test_rebasing_a_rollback_that_became_pointless_is_a_clear_conflict(self, plant):
        v1 = plant.version
        proposal_sign(proposal=propose(plant), user=plant.supervisor.user, meaning="approved_for_release",
                      password=DESK)  # fmt: skip
        plant.instruction.refresh_from_db()
        first = proposal_rollback(instruction=plant.instruction, target=v1, user=plant.quality.user)
        second = proposal_rollback(instruction=plant.instruction, target=v1, user=plant.quality.user)
        proposal_sign(
            proposal=first, user=plant.supervisor.user, meaning="approved_for_release", password=DESK
        )
        with pytest.raises(ProposalConflict, match="already uses"):
            proposal_rebase(proposal=second, user=plant.supervisor.user)


def test_a_rebase_is_audited_as_done_by_whoever_rebased_it(plant):
    """The fresh proposal keeps its proposer; every audit event of the rebase names the supervisor who did it."""
    from instructions.proposals import proposal_rebase

    first = propose(plant, order=1)
    second = propose(
        plant, order=4, fields={"text": "Cycle once; tag the first piece."}, by=plant.quality.user
    )
    proposal_sign(proposal=first, user=plant.supervisor.user, meaning="approved_for_release", password=DESK)
    fresh = proposal_rebase(proposal=second, user=plant.supervisor.user)
    assert fresh.proposed_by == plant.quality.user
    created = AuditEvent.objects.get(action="proposal.create", object_id=str(fresh.pk))
    assert created.actor == plant.supervisor.user

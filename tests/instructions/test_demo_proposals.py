import pytest

from instructions.approval import proposal_sign
from instructions.models import ChangeProposal, ProposalStatus, RiskClass
from plexcopilot.models import Employee
from quality.demo_proposals import demo_proposals_load

pytestmark = pytest.mark.django_db


class TestDemoProposals:
    def test_it_fills_the_queue_once_and_the_safety_change_is_signable_by_the_demo_people(self, demo_plant):
        assert demo_proposals_load() == 3
        assert demo_proposals_load() == 0
        assert ChangeProposal.objects.filter(status=ProposalStatus.PENDING).count() == 2
        assert ChangeProposal.objects.filter(status=ProposalStatus.DRAFT).count() == 1
        safety = ChangeProposal.objects.get(risk=RiskClass.SAFETY_CRITICAL)
        rosa, priya = (Employee.objects.get(badge_id=b).user for b in ("200201", "300301"))
        first = proposal_sign(
            proposal=safety, user=rosa, meaning="approved_for_release", password="northfield-demo"
        )
        assert first.published is None
        second = proposal_sign(proposal=safety, user=priya, meaning="reviewed", password="northfield-demo")
        assert second.published is not None

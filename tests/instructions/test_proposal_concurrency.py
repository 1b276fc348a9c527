"""1,000 concurrent approval attempts on real threads and real connections → exactly one publish."""

import queue
import threading

import pytest
from django.db import connections

from instructions.approval import proposal_sign
from instructions.models import ChangeProposal, InstructionVersion, ProposalStatus, Signature
from instructions.proposal_content import ProposalConflict
from instructions.proposals import proposal_draft
from plexcopilot.services import audit_verify
from plexcopilot.signatures import SignatureRefused
from tests.actors import make_employee

pytestmark = pytest.mark.django_db(transaction=True)
ATTEMPTS = 1000
THREADS = 16


def hammer(attempts):
    """Run (proposal, user, meaning) sign attempts on THREADS threads; returns the outcomes."""
    work: queue.Queue = queue.Queue()
    for attempt in attempts:
        work.put(attempt)
    outcomes, errors = [], []
    lock = threading.Lock()

    def worker():
        try:
            while True:
                try:
                    proposal, user, meaning = work.get_nowait()
                except queue.Empty:
                    return
                try:
                    result = proposal_sign(
                        proposal=proposal, user=user, meaning=meaning, password="desk-pass-123"
                    )
                    with lock:
                        outcomes.append(result)
                except (ProposalConflict, SignatureRefused) as refused:
                    with lock:
                        outcomes.append(refused)
                except Exception as error:  # noqa: BLE001 — any other error fails the test below
                    with lock:
                        errors.append(error)
                finally:
                    # Each attempt is one request: Django gives its connection back when the request ends, so
                    # THREADS signers share the pool (DB_POOL_MAX_SIZE) as they would on the server.
                    connections.close_all()
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(outcomes) == len(attempts)
    return outcomes


def proposals_on_one_base(plant, count, order=1):
    step = plant.version.steps.get(order=order)
    return [
        proposal_draft(
            instruction=plant.instruction,
            base_version=plant.version,
            source="engineer_edit",
            edits=[{"op": "change", "key": step.key, "fields": {"text": f"{step.text} (variant {n})"}}],
            rationale=f"Variant {n}",
            evidence=[],
        )  # fmt: skip
        for n in range(count)
    ]


class TestProposalConcurrency:
    def test_it_publishes_exactly_once_under_1000_concurrent_approvals(self, plant):
        proposals = proposals_on_one_base(plant, 5)
        supervisors = [plant.supervisor.user] + [
            make_employee(f"61000{n}", "supervisor").user for n in range(3)
        ]
        attempts = [(proposals[n % 5], supervisors[n % 4], "approved_for_release") for n in range(ATTEMPTS)]
        outcomes = hammer(attempts)
        published = [o for o in outcomes if not isinstance(o, Exception) and o.published is not None]
        assert len(published) == 1
        assert InstructionVersion.objects.filter(instruction=plant.instruction).count() == 2
        assert ChangeProposal.objects.filter(status=ProposalStatus.APPROVED).count() == 1
        winner = ChangeProposal.objects.get(status=ProposalStatus.APPROVED)
        assert Signature.objects.count() == 1 and Signature.objects.get().proposal == winner
        plant.instruction.refresh_from_db()
        assert plant.instruction.current_version == winner.published_version == published[0].published
        assert audit_verify()[0]

    def test_a_safety_critical_proposal_signed_by_both_roles_at_once_publishes_once(self, plant):
        proposal = proposals_on_one_base(plant, 1, order=3)[0]
        assert proposal.is_safety_critical
        signers = [(plant.supervisor.user, "approved_for_release"), (plant.quality.user, "reviewed")]
        outcomes = hammer([(proposal, *signers[n % 2]) for n in range(ATTEMPTS)])
        published = [o for o in outcomes if not isinstance(o, Exception) and o.published is not None]
        assert len(published) == 1
        assert InstructionVersion.objects.filter(instruction=plant.instruction).count() == 2
        assert sorted(Signature.objects.values_list("role", flat=True)) == ["quality", "supervisor"]
        assert audit_verify()[0]

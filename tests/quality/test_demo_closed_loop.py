"""The closed loop on the demo plant, driven through the station as operators would."""

import pytest
from django.test import Client

from instructions.models import ChangeProposal, EvidenceKind, Measurement, ProposalStatus
from tests.actors import at, start
from tests.quality.conftest import desk_client, run_worker

pytestmark = pytest.mark.django_db


def tablet(badge: str, pin: str) -> Client:
    client = Client()
    assert client.post("/station/ST-PRS-400/", {"badge": badge, "pin": pin}).status_code == 302
    return client


def test_it_turns_demo_floor_feedback_on_one_step_into_one_cited_proposal(history):
    dwayne = tablet("100107", "3870")  # an English-speaking trainee at the 400 t press
    step9 = at(start(dwayne, "WO-24123-10"), 9)
    assert dwayne.post(
        step9 + "flag/", {"comment": "Burr side or die side? The sheet does not say."}
    ).status_code in (200, 302)
    response = dwayne.post(step9 + "measure/", {"value": "10.61"})
    assert "OUT OF SPEC" in response.content.decode()
    assert Measurement.objects.get().in_spec is False
    dwayne.post(step9 + "defect/", {"category": "dimensional", "quantity": "6",
                                 "description": "Anchor hole 10.61 mm, burr on exit side"})  # fmt: skip
    run_worker()  # the defect's worker job checks the step's signals against the threshold

    proposal = ChangeProposal.objects.get()
    assert proposal.status == ProposalStatus.PENDING
    kinds = sorted(proposal.evidence.values_list("kind", flat=True))
    # The demo plant's own defect on this step three days ago is in the window too.
    assert kinds == sorted(
        [EvidenceKind.FLAG, EvidenceKind.OUT_OF_SPEC, EvidenceKind.DEFECT, EvidenceKind.DEFECT]
    )
    queue = desk_client("300301").get("/quality/").content.decode()
    assert f"change proposal #{proposal.pk} drafted" in queue
    supervisor_queue = desk_client("200201").get("/governance/queue/").content.decode()
    assert proposal.summary[:40] in supervisor_queue

import csv
import io

import pytest
from django.test import Client

from instructions.approval import proposal_sign
from instructions.models import ProposalSource, ProposalStatus
from instructions.proposals import proposal_draft
from tests.actors import desk_login, make_employee

pytestmark = pytest.mark.django_db
DESK = "desk-pass-123"


def desk(employee) -> Client:
    client = Client()
    assert desk_login(client, employee.badge_id, DESK)
    return client


@pytest.fixture
def released(plant):
    """v2 released from a proposal by the quality engineer, signed by the supervisor."""
    step = plant.version.steps.get(order=2)
    proposal = proposal_draft(
        instruction=plant.instruction, base_version=plant.version, source="quality_engineer",
        edits=[{"op": "change", "key": step.key, "fields": {"spec_upper": "27", "caution": "=HYPERLINK(\"x\")"}}],
        rationale="Tighter upper limit after cracked parts.", evidence=[], proposed_by=plant.quality.user,
    )  # fmt: skip
    proposal_sign(
        proposal=proposal, user=plant.supervisor.user, meaning="approved_for_release", password=DESK
    )
    plant.instruction.refresh_from_db()
    return proposal


class TestVersionHistory:
    def test_it_shows_who_when_why_and_signatures(self, plant, released):
        page = (
            desk(plant.supervisor)
            .get(f"/governance/instructions/{plant.instruction.pk}/history/")
            .content.decode()
        )
        assert "Tighter upper limit after cracked parts." in page
        assert f"{plant.supervisor.full_name} (supervisor) — Approved for release" in page
        assert "IN EFFECT" in page and "OBSOLETE" in page
        assert 'data-testid="rollback-1"' in page and 'data-testid="rollback-2"' not in page

    def test_it_prints(self, plant, released):
        page = desk(plant.quality).get(f"/governance/instructions/{plant.instruction.pk}/history/?print=1")
        body = page.content.decode()
        assert "controlled document history" in body and released.published_version.content_hash in body

    def test_it_exports_csv_with_formula_cells_neutralised(self, plant, released):
        response = desk(plant.supervisor).get(f"/governance/instructions/{plant.instruction.pk}/history.csv")
        assert response["Content-Type"].startswith("text/csv")
        rows = list(csv.DictReader(io.StringIO(response.content.decode())))
        assert [r["version"] for r in rows] == ["2", "1"]
        assert (
            rows[0]["proposal"] == str(released.pk)
            and "approved for release" in rows[0]["signatures"].lower()
        )
        assert rows[0]["rationale"] == "Tighter upper limit after cracked parts."
        assert all(not cell.startswith("=") for row in rows for cell in row.values())

    def test_it_diffs_any_two_versions(self, plant, released):
        client = desk(plant.supervisor)
        page = client.get(
            f"/governance/instructions/{plant.instruction.pk}/diff/?from=1&to=2"
        ).content.decode()
        assert "Upper limit" in page and "<del>28</del>" in page and "<ins>27</ins>" in page
        assert (
            client.get(f"/governance/instructions/{plant.instruction.pk}/diff/?from=1&to=9").status_code
            == 404
        )

    def test_rollback_is_one_click_then_signed_by_another_person(self, plant, released):
        client = desk(plant.supervisor)
        response = client.post(f"/governance/instructions/{plant.instruction.pk}/rollback/1/")
        proposal = plant.instruction.proposals.get(source=ProposalSource.ROLLBACK)
        assert response["Location"] == f"/governance/proposals/{proposal.pk}/"
        said = client.get(response["Location"]).content.decode()  # who must sign, not "another person"
        assert "Rollback to v1 proposed. It is released when it has a supervisor" in said
        assert "from someone other than you (you proposed it)." in said
        other = make_employee("600009", "supervisor")
        desk(other).post(f"/governance/proposals/{proposal.pk}/sign/",
                         {"meaning": "approved_for_release", "password": DESK})  # fmt: skip
        proposal.refresh_from_db()
        assert proposal.status == ProposalStatus.APPROVED
        v3 = proposal.published_version
        assert (
            v3.number == 3
            and v3.restored_from == plant.version
            and v3.content_hash == plant.version.content_hash
        )

    def test_rolling_back_to_the_version_in_effect_is_explained(self, plant, released):
        client = desk(plant.supervisor)
        response = client.post(f"/governance/instructions/{plant.instruction.pk}/rollback/2/", follow=True)
        assert "v2 is what the floor already uses" in response.content.decode()
        assert not plant.instruction.proposals.filter(source=ProposalSource.ROLLBACK).exists()

import pytest
from django.test import Client

from instructions.models import ChangeProposal, ProposalStatus, RiskClass
from instructions.proposals import proposal_draft
from tests.actors import desk_login

pytestmark = pytest.mark.django_db
DESK = "desk-pass-123"
TYPED = "Torque the bolts <b>harder</b>."


def desk(employee) -> Client:
    client = Client()
    assert desk_login(client, employee.badge_id, DESK)
    return client


def form_for(step, **changes):
    data = {name: ("" if step.content()[name] is None else step.content()[name])
            for name in ["title", "text", "caution", "why", "tool", "spec_nominal", "spec_lower", "spec_upper", "spec_unit"]}  # fmt: skip
    for flag in ("critical", "safety_critical"):
        if getattr(step, flag):
            data[flag] = "on"
    data.update(changes)
    return data


class TestStepEdit:
    def test_it_proposes_only_the_fields_that_changed(self, plant):
        step = plant.version.steps.get(order=2)
        url = f"/governance/instructions/{plant.instruction.pk}/steps/{step.key}/edit/"
        client = desk(plant.quality)
        assert "Torque the four clamp bolts" in client.get(url).content.decode()
        response = client.post(url, form_for(step, spec_upper="27.5", rationale="Cracks above 27.5 N·m."))
        proposal = ChangeProposal.objects.get()
        assert response["Location"] == f"/governance/proposals/{proposal.pk}/"
        assert proposal.edits == [{"op": "change", "key": step.key, "fields": {"spec_upper": "27.5"}}]
        assert proposal.proposed_by == plant.quality.user and proposal.source == "engineer_edit"
        assert proposal.risk == RiskClass.STANDARD

    def test_marking_a_step_safety_critical_makes_the_change_safety_critical(self, plant):
        step = plant.version.steps.get(order=1)
        desk(plant.quality).post(f"/governance/instructions/{plant.instruction.pk}/steps/{step.key}/edit/",
                                 form_for(step, safety_critical="on", rationale="Die change is a pinch point."))  # fmt: skip
        assert ChangeProposal.objects.get().risk == RiskClass.SAFETY_CRITICAL

    @pytest.mark.parametrize(
        ("changes", "message"),
        [
            ({"text": TYPED, "spec_lower": "abc", "rationale": "x"}, "is not a number"),
            ({"text": TYPED, "spec_lower": "30", "rationale": "x"}, "lower limit is above"),
            ({"text": TYPED, "rationale": ""}, "rationale"),
            ({"rationale": "nothing changed"}, "change nothing"),
        ],
    )
    def test_it_explains_bad_input_and_keeps_what_was_typed(self, plant, changes, message):
        step = plant.version.steps.get(order=2)
        response = desk(plant.quality).post(
            f"/governance/instructions/{plant.instruction.pk}/steps/{step.key}/edit/",
            form_for(step, **changes),
        )
        body = response.content.decode()
        assert response.status_code == 422 and message in body
        if "text" in changes:
            assert "Torque the bolts &lt;b&gt;harder&lt;/b&gt;." in body
        assert not ChangeProposal.objects.exists()

    def test_an_over_long_rationale_is_refused_whole_not_cut(self, plant):
        step = plant.version.steps.get(order=2)
        rationale = (
            "Three cracked brackets this week; the wrench was at the top of the band each time.\r\n" * 50
        )
        response = desk(plant.quality).post(
            f"/governance/instructions/{plant.instruction.pk}/steps/{step.key}/edit/",
            form_for(step, spec_upper="27.5", rationale=rationale),
        )
        page = response.content.decode()
        assert response.status_code == 422
        assert "The rationale is 4,149 characters long; 4,000 at most. Nothing was cut" in page
        box = page[page.index('name="rationale"') :]
        assert rationale.replace("\r\n", "\n").strip() in box[: box.index("</textarea>")].replace(
            "\r\n", "\n"
        )
        assert "maxlength" not in box[: box.index(">")] and 'data-limit="4000"' in box[: box.index(">")]
        assert not ChangeProposal.objects.exists()

    def test_rewording_an_open_proposal_supersedes_it_and_keeps_the_evidence(self, plant):
        step = plant.version.steps.get(order=1)
        proposal = proposal_draft(
            instruction=plant.instruction, base_version=plant.version, source="ai_draft",
            edits=[{"op": "change", "key": step.key, "fields": {"why": "Drafted why."}}], rationale="Drafted.",
            evidence=[{"kind": "copilot_question", "label": "Which die?", "step_key": step.key}],
        )  # fmt: skip
        client = desk(plant.supervisor)
        page = client.get(f"/governance/proposals/{proposal.pk}/").content.decode()
        edit_url = (
            f"/governance/instructions/{plant.instruction.pk}/proposals/{proposal.pk}/steps/{step.key}/edit/"
        )
        assert edit_url in page
        assert "Drafted why." in client.get(edit_url).content.decode()
        proposed = plant.version.steps.get(order=1)
        response = client.post(
            edit_url, form_for(proposed, why="A wrong die cracks the bracket.", rationale="Drafted.")
        )
        proposal.refresh_from_db()
        fresh = proposal.superseded_by
        assert (
            proposal.status == ProposalStatus.SUPERSEDED
            and response["Location"] == f"/governance/proposals/{fresh.pk}/"
        )
        assert fresh.proposed_by == plant.supervisor.user and fresh.evidence.get().label == "Which die?"
        page = client.get(response["Location"]).content.decode()
        assert "A wrong die cracks the bracket." in page and "another person must sign it" in page

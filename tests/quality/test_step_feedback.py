import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from instructions.approval import proposal_sign
from instructions.models import (
    ChangeProposal,
    EvidenceKind,
    Execution,
    Measurement,
    ProposalSource,
    RiskClass,
    UnclearFlag,
)
from instructions.proposal_content import version_steps
from instructions.publishing import version_publish
from instructions.readings import measurement_record
from instructions.runs import flag_create
from quality.alerts import out_of_spec_check, quality_scan
from quality.feedback_loop import step_feedback_check
from quality.models import QualityAlert, QualityAlertKind, StepQuestion
from tests.actors import make_employee
from tests.conftest import AWKWARD
from tests.quality.conftest import run_worker

pytestmark = pytest.mark.django_db
DESK = "desk-pass-123"


@pytest.fixture
def run(plant):
    execution = Execution.objects.create(
        work_order=plant.work_order, version=plant.version, started_by=plant.certified
    )
    return plant, execution, plant.version.steps.get(order=2)


def flags(execution, step, employee, n, comment="Which wrench, the 40 or the 60?"):
    for _ in range(n):
        flag_create(execution=execution, step=step, employee=employee, comment=comment)


class TestStepFeedbackThreshold:
    def test_it_drafts_one_cited_proposal_when_a_step_crosses_the_threshold(self, run, settings):
        settings.QUALITY_FEEDBACK_THRESHOLD = 3
        plant, execution, step = run
        flags(execution, step, plant.certified, 2)
        assert step_feedback_check(instruction=plant.instruction, step_key=step.key) is None
        measurement_record(execution=execution, step=step, raw="31", employee=plant.certified, station=None)
        alert = step_feedback_check(instruction=plant.instruction, step_key=step.key)
        assert alert is not None and alert.proposal_id
        proposal = ChangeProposal.objects.get(pk=alert.proposal_id)
        assert proposal.status == "pending" and proposal.base_version == plant.version
        kinds = sorted(proposal.evidence.values_list("kind", flat=True))
        assert kinds == [EvidenceKind.FLAG, EvidenceKind.FLAG, EvidenceKind.OUT_OF_SPEC]
        assert "Which wrench" in proposal.edits[0]["fields"]["why"]
        assert "2 unclear flags, 0 defects, 1 out-of-spec reading, 0 copilot questions" in alert.summary

    def test_it_drafts_the_readings_as_numbers_not_as_they_were_typed(self, run, settings, client):
        settings.QUALITY_FEEDBACK_THRESHOLD, settings.QUALITY_OOS_LIMIT = 3, 50
        plant, execution, step = run
        for raw in ("031.50", "+29.0"):
            measurement_record(
                execution=execution, step=step, raw=raw, employee=plant.certified, station=None
            )
        # Kept as typed before exponents and a comma on an English tablet were refused.
        for raw, value in (("1e3", "1000"), ("1,80", "1.8")):
            Measurement.objects.create(execution=execution, step=step, value=Decimal(value), raw_value=raw,
                                       in_spec=False, entered_by=plant.certified)  # fmt: skip
        alert = step_feedback_check(instruction=plant.instruction, step_key=step.key)
        assert alert is not None and alert.proposal_id
        proposal = ChangeProposal.objects.get(pk=alert.proposal_id)
        text = proposal.edits[0]["step"]["text"]
        listed = text.split("Recent readings were out of spec (", 1)[1].split(" N·m)", 1)[0]
        assert sorted(listed.split(", ")) == ["1.8", "1000", "29", "31.5"]
        labels = set(proposal.evidence.filter(kind=EvidenceKind.OUT_OF_SPEC).values_list("label", flat=True))
        assert "Reading 1000 N·m on step 2 (out of spec)" in labels
        assert "Reading 31.5 N·m on step 2 (out of spec)" in labels
        client.force_login(plant.quality.user)
        page = client.get("/quality/").content.decode()  # the trend chips
        assert all(f">{v}</span>" in page for v in ("31.5", "29", "1000", "1.8"))
        assert not any(f">{raw}</span>" in page for raw in ("031.50", "+29.0", "1e3", "1,80"))

    def test_it_makes_exactly_one_proposal_per_burst(self, run, settings):
        settings.QUALITY_FEEDBACK_THRESHOLD = 3
        plant, execution, step = run
        for _ in range(4):  # a burst of nine signals, checked after each one as the worker would
            flags(execution, step, plant.certified, 2)
            step_feedback_check(instruction=plant.instruction, step_key=step.key)
        flags(execution, step, plant.certified, 1)
        step_feedback_check(instruction=plant.instruction, step_key=step.key)
        assert ChangeProposal.objects.count() == 1
        assert QualityAlert.objects.filter(kind=QualityAlertKind.FEEDBACK).count() == 1

    def test_it_drafts_again_for_a_new_burst_after_the_window(self, run, settings):
        settings.QUALITY_FEEDBACK_THRESHOLD, settings.QUALITY_FEEDBACK_WINDOW_DAYS = 3, 7
        plant, execution, step = run
        flags(execution, step, plant.certified, 3)
        first = step_feedback_check(instruction=plant.instruction, step_key=step.key)
        QualityAlert.objects.filter(pk=first.pk).update(raised_at=timezone.now() - datetime.timedelta(days=8))
        UnclearFlag.objects.update(created_at=timezone.now() - datetime.timedelta(days=8))
        assert (
            step_feedback_check(instruction=plant.instruction, step_key=step.key) is None
        )  # old burst is spent
        flags(execution, step, plant.certified, 3, comment="Spec on the sheet differs from the wrench label")
        second = step_feedback_check(instruction=plant.instruction, step_key=step.key)
        assert second is not None and second.proposal_id != first.proposal_id
        assert ChangeProposal.objects.count() == 2

    @pytest.mark.parametrize("plant_at", ["2026-11-24T06:25"], indirect=True)
    def test_it_says_since_when_in_plant_time(self, plant_at, run, settings, client):
        settings.QUALITY_FEEDBACK_THRESHOLD, settings.QUALITY_FEEDBACK_WINDOW_DAYS = 3, 7
        plant, execution, step = run
        flags(execution, step, plant.certified, 3)
        alert = step_feedback_check(instruction=plant.instruction, step_key=step.key)
        assert "since 2026-11-17 06:25" in alert.summary  # a week before, Detroit time (11:25 UTC)
        client.force_login(plant.quality.user)
        assert "since 2026-11-17 06:25" in client.get("/quality/").content.decode()

    def test_it_runs_from_a_defect_report_through_the_worker(self, run, settings):
        from quality.defects import defect_report_create

        settings.QUALITY_FEEDBACK_THRESHOLD = 3
        plant, execution, step = run
        for text in ("Clamp bolt loose", "Die shifted, clamp bolt found at 20 N·m", "Bolt not marked"):
            defect_report_create(execution=execution, step=step, reporter=plant.certified, station=None,
                                 description=text, category="torque", quantity=1, photo=None)  # fmt: skip
        run_worker()
        proposal = ChangeProposal.objects.get()
        assert proposal.source == "defect" and "caution" in proposal.edits[0]["fields"]
        assert proposal.evidence.filter(kind=EvidenceKind.DEFECT).count() == 3


class TestOutOfSpecTrend:
    def test_it_alerts_once_when_three_of_the_last_ten_readings_are_out_of_spec(self, run, settings):
        settings.QUALITY_OOS_WINDOW, settings.QUALITY_OOS_LIMIT = 10, 3
        plant, execution, step = run
        for raw in ["26", "27", "31", "26", "22"]:
            measurement_record(
                execution=execution, step=step, raw=raw, employee=plant.certified, station=None
            )
        assert out_of_spec_check(instruction=plant.instruction, step_key=step.key) is None
        measurement_record(execution=execution, step=step, raw="29", employee=plant.certified, station=None)
        alert = out_of_spec_check(instruction=plant.instruction, step_key=step.key)
        assert alert is not None and alert.summary.startswith("3 of the last 6 readings out of spec")
        assert out_of_spec_check(instruction=plant.instruction, step_key=step.key) is None

    def test_it_shows_the_trend_and_the_alert_to_quality(self, run, settings, client):
        settings.QUALITY_FEEDBACK_THRESHOLD = 50
        plant, execution, step = run
        for raw in ["31", "22", "29", "26"]:
            measurement_record(
                execution=execution, step=step, raw=raw, employee=plant.certified, station=None
            )
        assert [a.kind for a in quality_scan()] == [QualityAlertKind.OUT_OF_SPEC]
        client.force_login(plant.quality.user)
        page = client.get("/quality/").content.decode()
        assert "3 of 4" in page and "ALERT" in page and "Out-of-spec trend" in page
        assert client.get("/quality/trends/").status_code == 200

    def test_it_checks_all_steps_from_the_queue_page_button(self, run, settings, client):
        settings.QUALITY_FEEDBACK_THRESHOLD = 3
        plant, execution, step = run
        flags(execution, step, plant.certified, 3)
        client.force_login(plant.quality.user)
        page = client.post("/quality/scan/", follow=True).content.decode()
        assert "1 new alert(s)" in page and "change proposal #" in page
        assert ChangeProposal.objects.count() == 1
        client.post("/quality/scan/")
        assert ChangeProposal.objects.count() == 1

    def test_it_counts_the_questions_the_copilot_announces_on_the_step(
        self, run, settings, django_capture_on_commit_callbacks
    ):
        from copilot.models import Conversation, CopilotQuestion
        from plexcopilot import events

        settings.QUALITY_FEEDBACK_THRESHOLD = 3
        plant, execution, step = run
        conversation = Conversation.objects.create(work_order=plant.work_order, employee=plant.certified)
        # What copilot.questions.question_prepare announces (tests/copilot/test_question_announced.py);
        # quality hears it after commit. A question asked on no step is not counted.
        with django_capture_on_commit_callbacks(execute=True):
            for text, on_step in (("What torque for the clamp bolts?", True), ("Is 24 N·m enough?", True),
                                  ("Where is the torque chart?", False)):  # fmt: skip
                record = CopilotQuestion.objects.create(conversation=conversation, operator=plant.certified,
                                                        version=plant.version if on_step else None,
                                                        step=step if on_step else None,
                                                        step_key=step.key if on_step else "", question=text)  # fmt: skip
                events.publish(events.COPILOT_QUESTION_ASKED, question_id=record.pk, version_id=record.version_id,
                               step_key=record.step_key, question=text, asked_at=record.asked_at)  # fmt: skip
        flags(execution, step, plant.certified, 1, comment="")
        alert = quality_scan()[0]
        asked = sorted(CopilotQuestion.objects.filter(step=step).values_list("pk", flat=True))
        assert sorted(alert.evidence["questions"]) == asked
        proposal = ChangeProposal.objects.get(pk=alert.proposal_id)
        cited = proposal.evidence.filter(kind=EvidenceKind.COPILOT_QUESTION)
        assert sorted(int(pk) for pk in cited.values_list("object_id", flat=True)) == asked
        assert set(cited.values_list("object_type", flat=True)) == {"copilot.copilotquestion"}
        assert "What torque for the clamp bolts?" in proposal.edits[0]["fields"]["why"]


def republish(plant, *, order, safety_critical=None):
    """Publish v2 of the test instruction: the torque step (2) safety-critical or not, and the light curtain (3)
    moved to the front when the torque step should have no safety-critical neighbour. Keys stay the same."""
    steps = version_steps(plant.version)
    torque = steps[1]
    if safety_critical is not None:
        torque["safety_critical"] = safety_critical
    if order == "curtain_first":
        steps = [steps[2], steps[0], steps[1], steps[3]]
    version = version_publish(instruction=plant.instruction, steps=steps, change_note="Test setup",
                              published_by=None, base_version=plant.version)  # fmt: skip
    execution = Execution.objects.create(
        work_order=plant.work_order, version=version, started_by=plant.certified
    )
    return execution, version.steps.get(key=torque["key"])


def out_of_spec_proposal(plant, execution, step):
    for raw in ("31", "30.5", "22"):
        measurement_record(execution=execution, step=step, raw=raw, employee=plant.certified, station=None)
    alert = step_feedback_check(instruction=plant.instruction, step_key=step.key)
    assert alert is not None and alert.proposal_id
    return ChangeProposal.objects.get(pk=alert.proposal_id)


class TestFeedbackProposalRisk:
    """A proposal the closed loop drafts is classified like any other and names the signal that drove it."""

    @pytest.mark.parametrize("plant_at", AWKWARD, indirect=True)
    def test_a_checkpoint_on_a_safety_critical_step_needs_two_signers(
        self, plant_at, plant, settings, client
    ):
        settings.QUALITY_FEEDBACK_THRESHOLD = 3
        execution, step = republish(plant, order="same", safety_critical=True)
        proposal = out_of_spec_proposal(plant, execution, step)
        assert proposal.edits[0]["op"] == "add" and proposal.edits[0]["after"] == step.key
        assert proposal.source == ProposalSource.OUT_OF_SPEC
        assert proposal.risk == RiskClass.SAFETY_CRITICAL
        assert "0 unclear flags, 0 defects, 3 out-of-spec readings" in proposal.rationale
        client.force_login(plant.supervisor.user)
        queue = client.get("/governance/queue/").content.decode()
        assert (
            "Out-of-spec readings" in queue and "SAFETY-CRITICAL" in queue and "Operator flags" not in queue
        )
        detail = client.get(f"/governance/proposals/{proposal.pk}/").content.decode()
        assert "Out-of-spec readings" in detail and "SAFETY-CRITICAL — two signatures" in detail
        first = proposal_sign(proposal=proposal, user=plant.supervisor.user, meaning="approved_for_release",
                              password=DESK)  # fmt: skip
        assert first.published is None and "quality engineer" in first.message
        proposal.refresh_from_db()
        assert proposal.status == "pending" and plant.instruction.versions.count() == 2
        done = proposal_sign(proposal=proposal, user=plant.quality.user, meaning="reviewed", password=DESK)
        assert done.published is not None and done.published.number == 3
        assert sorted(proposal.signatures.values_list("signer", flat=True)) == sorted(
            [plant.supervisor.user.pk, plant.quality.user.pk]
        )
        checkpoint = done.published.steps.get(order=step.order + 1)
        assert checkpoint.title.startswith("Second check") and checkpoint.safety_critical

    def test_one_person_signing_twice_does_not_release_it(self, plant, settings):
        settings.QUALITY_FEEDBACK_THRESHOLD = 3
        execution, step = republish(plant, order="same", safety_critical=True)
        proposal = out_of_spec_proposal(plant, execution, step)
        admin = make_employee("800001", "admin")
        for meaning in ("approved_for_release", "reviewed"):
            outcome = proposal_sign(proposal=proposal, user=admin.user, meaning=meaning, password=DESK)
            assert outcome.published is None
        proposal.refresh_from_db()
        assert proposal.status == "pending"

    def test_a_checkpoint_right_before_a_safety_critical_step_is_safety_critical(self, run, settings):
        settings.QUALITY_FEEDBACK_THRESHOLD = 3
        plant, execution, step = run  # the torque step, followed by the light curtain
        proposal = out_of_spec_proposal(plant, execution, step)
        assert proposal.source == ProposalSource.OUT_OF_SPEC
        assert proposal.risk == RiskClass.SAFETY_CRITICAL

    def test_a_checkpoint_on_a_step_away_from_safety_steps_stays_standard(self, plant, settings):
        settings.QUALITY_FEEDBACK_THRESHOLD = 3
        execution, step = republish(plant, order="curtain_first")
        proposal = out_of_spec_proposal(plant, execution, step)
        assert proposal.source == ProposalSource.OUT_OF_SPEC
        assert proposal.risk == RiskClass.STANDARD
        assert not proposal.edits[0]["step"]["safety_critical"]
        outcome = proposal_sign(proposal=proposal, user=plant.supervisor.user, meaning="approved_for_release",
                                password=DESK)  # fmt: skip
        assert outcome.published is not None

    def test_a_caution_from_defects_on_a_safety_critical_step_is_safety_critical(self, plant, settings):
        from quality.defects import defect_report_create

        settings.QUALITY_FEEDBACK_THRESHOLD = 3
        execution, step = republish(plant, order="same", safety_critical=True)
        for text in ("Clamp bolt loose", "Die shifted", "Bolt not marked"):
            defect_report_create(execution=execution, step=step, reporter=plant.certified, station=None,
                                 description=text, category="torque", quantity=1, photo=None)  # fmt: skip
        alert = step_feedback_check(instruction=plant.instruction, step_key=step.key)
        proposal = ChangeProposal.objects.get(pk=alert.proposal_id)
        assert proposal.source == ProposalSource.DEFECT and proposal.risk == RiskClass.SAFETY_CRITICAL

    def test_questions_that_outnumber_flags_name_the_copilot_as_the_source(self, run, settings):
        settings.QUALITY_FEEDBACK_THRESHOLD = 3
        plant, execution, step = run
        flags(execution, step, plant.certified, 1)
        for n in (1, 2):
            StepQuestion.objects.create(question_id=n, version=plant.version, step_key=step.key,
                                        question="Which wrench?", asked_at=timezone.now())  # fmt: skip
        alert = step_feedback_check(instruction=plant.instruction, step_key=step.key)
        proposal = ChangeProposal.objects.get(pk=alert.proposal_id)
        assert proposal.source == ProposalSource.COPILOT_QUESTIONS
        assert proposal.risk == RiskClass.STANDARD  # wording of the torque step only

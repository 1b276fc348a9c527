import datetime

import pytest
from django.utils import timezone

from instructions.models import ChangeProposal, EvidenceKind, Execution, UnclearFlag
from instructions.readings import measurement_record
from instructions.runs import flag_create
from quality.alerts import out_of_spec_check, quality_scan
from quality.feedback_loop import step_feedback_check
from quality.models import QualityAlert, QualityAlertKind
from tests.quality.conftest import run_worker

pytestmark = pytest.mark.django_db


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

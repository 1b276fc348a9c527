import io
import json

import pytest
from django.core.management import call_command
from django.test import Client

from copilot.models import CopilotQuestion, KnowledgeChunk, KnowledgeDocument
from plexcopilot.models import AuditEvent, Employee
from tests.copilot.test_library_parse import tiny_pdf

pytestmark = pytest.mark.django_db


def desk(badge: str) -> Client:
    client = Client()
    employee = Employee.objects.get(badge_id=badge)
    client.force_login(employee.user)
    return client


class TestSource:
    def test_it_opens_the_document_at_the_cited_passage(self, station_run):
        client, _execution, _ana = station_run
        chunk = KnowledgeChunk.objects.filter(
            document__title__startswith="SOP-PRS-014", location="Clearing a jam"
        ).first()
        response = client.get(f"/copilot/source/{chunk.pk}/")
        body = response.content.decode()
        assert response.status_code == 200
        assert f'id="p-{chunk.pk}" class="copilot-passage is-cited"' in body
        assert "magnetic pick-up tool" in body

    def test_it_opens_an_instruction_step_with_its_version(self, station_run):
        client, execution, _ana = station_run
        chunk = KnowledgeChunk.objects.get(document__version=execution.version, step__order=4)
        body = client.get(f"/copilot/source/{chunk.pk}/").content.decode()
        assert "instruction version 1" in body and "Step 4: Torque the die clamp bolts" in body

    def test_it_hides_documents_the_role_may_not_see(self, station_run):
        client, _execution, _ana = station_run
        chunk = KnowledgeChunk.objects.filter(document__title__contains="safety circuit").first()
        assert client.get(f"/copilot/source/{chunk.pk}/").status_code == 404
        assert desk("200201").get(f"/copilot/source/{chunk.pk}/").status_code == 200


class TestFeedback:
    def test_the_operator_marks_an_answer_helpful(self, station_run):
        client, execution, ana = station_run
        client.post(f"/copilot/ask/{execution.pk}/4/", {"question": "how do I clear a jam on station 5?"})
        record = CopilotQuestion.objects.get()
        response = client.post(
            f"/copilot/questions/{record.pk}/feedback/", {"helpful": "1"}, HTTP_HX_REQUEST="true"
        )
        assert "marcada como útil" in response.content.decode()  # in Ana's Spanish
        record.refresh_from_db()
        assert record.helpful is True
        assert AuditEvent.objects.filter(action="copilot.feedback").count() == 1

    def test_nobody_else_can_rate_it(self, station_run):
        client, execution, _ana = station_run
        client.post(f"/copilot/ask/{execution.pk}/4/", {"question": "how do I clear a jam on station 5?"})
        record = CopilotQuestion.objects.get()
        response = desk("200201").post(f"/copilot/questions/{record.pk}/feedback/", {"helpful": "0"})
        assert response.status_code == 403
        record.refresh_from_db()
        assert record.helpful is None


class TestAskWithoutWebsockets:
    def test_it_answers_on_a_page_of_its_own(self, station_run):
        client, execution, _ana = station_run
        response = client.post(
            f"/copilot/ask/{execution.pk}/4/", {"question": "how do I clear a jam on station 5?"}
        )
        body = response.content.decode()
        assert response.status_code == 200 and "SOP-PRS-014" in body and 'class="cite"' in body
        assert CopilotQuestion.objects.get().step.order == 4

    def test_it_explains_a_question_that_is_too_long(self, station_run):
        client, execution, _ana = station_run
        response = client.post(f"/copilot/ask/{execution.pk}/4/", {"question": "why " * 200})
        assert response.status_code == 422
        assert "keep it under 500 characters" in response.content.decode()
        assert not CopilotQuestion.objects.exists()


class TestLibraryUpload:
    def test_an_admin_uploads_a_pdf_and_it_is_searchable(self, library, run_worker):
        admin = desk("900901")
        upload = io.BytesIO(tiny_pdf(["Hydraulic overload on PRS-400 resets with key HK-2."]))
        upload.name = "overload.pdf"
        response = admin.post(
            "/copilot/library/upload/",
            {
                "file": upload,
                "doc_type": "troubleshooting",
                "work_center": "PRS-400",
                "roles": ["supervisor"],
            },
        )
        assert response.status_code == 302
        run_worker()  # read and indexed in the background
        document = KnowledgeDocument.objects.get(title="Overload")
        assert (document.doc_type, document.work_center_code, document.roles) == (
            "troubleshooting",
            "PRS-400",
            "supervisor",
        )
        # Citable once a second person approves it (the uploader cannot).
        assert (
            desk("300301")
            .post(f"/copilot/library/{document.pk}/review/", {"decision": "approve"})
            .status_code
            == 302
        )
        out = io.StringIO()
        call_command("ask", "how do I reset a hydraulic overload?", "--json", stdout=out)
        assert json.loads(out.getvalue())["citations"][0]["source"] == "Overload"

    def test_a_bad_file_is_refused_with_a_message_and_nothing_is_kept(self, library, settings):
        admin = desk("900901")
        upload = io.BytesIO(b"\x00\x01binary")
        upload.name = "photo.exe"
        response = admin.post("/copilot/library/upload/", {"file": upload})
        assert response.status_code == 422
        assert "use Markdown, text, HTML or PDF" in response.content.decode()
        assert not (settings.COPILOT_UPLOAD_DIR / "photo.exe").exists()

    def test_operators_cannot_reach_the_library_admin(self, station_run):
        client, _execution, _ana = station_run
        assert client.get("/copilot/library/").status_code == 403


class TestAskCommand:
    def test_it_prints_the_answer_and_its_citations(self, library):
        out = io.StringIO()
        call_command("ask", "how do I clear a jam on station 5?", stdout=out)
        text = out.getvalue()
        assert "[1] SOP-PRS-014 Clearing a jam on the 400 t transfer press — " in text

    def test_it_prints_json_with_source_names_and_locations(self, library):
        out = io.StringIO()
        call_command("ask", "how often is the leak tester calibrated?", "--json", stdout=out)
        data = json.loads(out.getvalue())
        assert data["found"] is True
        assert data["citations"][0]["source"].startswith("SOP-INS-003")
        assert data["citations"][0]["location"] == "Monthly calibration"


class TestEvidence:
    def test_questions_on_a_step_are_counted_with_unhelpful_answers(self, station_run):
        from copilot.selectors import step_question_counts, step_questions

        client, execution, _ana = station_run
        for question in ("how do I clear a jam on station 5?", "what torque for the die clamp bolts?"):
            client.post(f"/copilot/ask/{execution.pk}/4/", {"question": question})
        first = CopilotQuestion.objects.order_by("id").first()
        client.post(f"/copilot/questions/{first.pk}/feedback/", {"helpful": "0"})
        key = execution.version.steps.get(order=4).key
        assert step_question_counts(step_keys=[key, "other"]) == {
            key: {"asked": 2, "not_helpful": 1},
            "other": {"asked": 0, "not_helpful": 0},
        }
        assert step_questions(step_key=key).count() == 2

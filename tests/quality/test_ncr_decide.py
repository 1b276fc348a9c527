import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from instructions.models import ChangeProposal, EvidenceKind
from plexcopilot.models import AuditEvent
from quality.models import NCR, NCRStatus, TriageDecision
from tests.quality.conftest import desk_client, run_worker
from tests.quality.test_ncr_triage import report_defect

pytestmark = pytest.mark.django_db


@pytest.fixture
def drafted(history):
    ncr = NCR.objects.get(
        defect=report_defect("WO-24119-10", 9, "Sensor bore oversize 18.026 mm; insert worn")
    )
    run_worker()
    ncr.refresh_from_db()
    return ncr


class TestNcrDecide:
    def test_it_stores_accept_edit_and_reject_and_applies_them_to_the_ncr(self, drafted):
        client = desk_client("300301")
        url = f"/quality/ncrs/{drafted.pk}/decide/"
        client.post(url, {"field": "category", "verdict": "accepted", "value": "dimensional"})
        client.post(url, {"field": "root_cause", "verdict": "edited", "value": "GAGE-CAL"})
        client.post(url, {"field": "containment", "verdict": "rejected"})
        decisions = {d.field: d for d in TriageDecision.objects.filter(draft__ncr=drafted)}
        assert decisions["category"].verdict == "accepted" and decisions["category"].proposed_rank == 1
        assert decisions["root_cause"].proposed == "TOOL-WEAR" and decisions["root_cause"].final == "GAGE-CAL"
        assert decisions["containment"].verdict == "rejected" and decisions["containment"].final == ""
        drafted.refresh_from_db()
        assert (drafted.category, drafted.root_cause_code, drafted.containment) == (
            "dimensional",
            "GAGE-CAL",
            "",
        )
        assert (
            AuditEvent.objects.filter(
                action__in=["ncr.triage_accepted", "ncr.triage_edited", "ncr.triage_rejected"]
            ).count()
            == 3
        )

    def test_it_refuses_a_bad_edit_with_a_message_and_changes_nothing(self, drafted):
        client = desk_client("300301")
        response = client.post(
            f"/quality/ncrs/{drafted.pk}/decide/",
            {"field": "root_cause", "verdict": "edited", "value": "bad code!"},
        )
        assert response.status_code == 422 and "capital letters" in response.content.decode()
        assert not TriageDecision.objects.exists()

    def test_it_keeps_operators_out_of_quality_pages(self, drafted):
        client = desk_client("200201")  # supervisor
        assert client.get(f"/quality/ncrs/{drafted.pk}/").status_code == 403
        assert client.get("/quality/").status_code == 403


class TestNcrLifecycle:
    def test_it_walks_the_lifecycle_and_each_step_needs_its_field(self, drafted):
        client = desk_client("300301")
        url = f"/quality/ncrs/{drafted.pk}/update/"
        response = client.post(url, {"advance": "1"})
        assert response.status_code == 422 and "containment" in response.content.decode()
        client.post(url, {"containment": "Sorted WIP with the air gauge", "advance": "1"})
        client.post(
            url,
            {"containment": "Sorted WIP with the air gauge", "root_cause_code": "tool-wear", "advance": "1"},
        )
        drafted.refresh_from_db()
        assert (drafted.status, drafted.root_cause_code) == (NCRStatus.ROOT_CAUSE, "TOOL-WEAR")
        proposal = ChangeProposal.objects.get()  # a confirmed root cause proposes a warning on the step
        assert drafted.number in proposal.edits[0]["fields"]["caution"]
        assert proposal.evidence.filter(kind=EvidenceKind.NCR, object_id=str(drafted.pk)).exists()
        fields = {
            "containment": drafted.containment,
            "root_cause_code": "TOOL-WEAR",
            "corrective_action": "Insert counter",
        }
        client.post(url, {**fields, "advance": "1"})
        response = client.post(url, {**fields, "advance": "1"})
        assert response.status_code == 422 and "disposition" in response.content.decode()
        client.post(url, {**fields, "disposition": "scrap", "advance": "1"})
        drafted.refresh_from_db()
        assert drafted.status == NCRStatus.CLOSED and drafted.closed_at is not None


class FakeLLM(BaseHTTPRequestHandler):
    requests: list[dict] = []

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        FakeLLM.requests.append(body)
        reply = {"choices": [{"message": {"content": "Likely insert wear, as in the cited NCRs. Sort WIP."}}]}
        data = json.dumps(reply).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


class TestNarrative:
    def test_it_adds_a_narrative_from_an_openai_compatible_endpoint(self, history, settings):
        server = HTTPServer(("127.0.0.1", 0), FakeLLM)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        settings.LLM_BASE_URL, settings.LLM_MODEL = f"http://127.0.0.1:{server.server_port}/v1", "fake-model"
        try:
            ncr = NCR.objects.get(defect=report_defect("WO-24119-10", 9, "Sensor bore oversize 18.026 mm"))
            run_worker()
        finally:
            server.shutdown()
        ncr.triage.refresh_from_db()
        assert (
            ncr.triage.narrative.startswith("Likely insert wear")
            and ncr.triage.narrative_model == "fake-model"
        )
        prompt = FakeLLM.requests[-1]["messages"][1]["content"]
        assert "Sensor bore oversize" in prompt and "NCR-H" in prompt

    def test_it_still_drafts_when_the_endpoint_is_down(self, history, settings):
        settings.LLM_BASE_URL, settings.LLM_CONNECT_TIMEOUT_SECONDS = "http://127.0.0.1:9/v1", 1
        ncr = NCR.objects.get(defect=report_defect("WO-24119-10", 9, "Sensor bore oversize 18.026 mm"))
        run_worker()
        ncr.triage.refresh_from_db()
        assert ncr.triage.status == "ready" and ncr.triage.narrative == "" and ncr.triage.categories

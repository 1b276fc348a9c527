import datetime
import re

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from instructions.models import Execution, Step, WorkOrder
from plexcopilot.models import Employee, WorkerHeartbeat
from quality.defects import defect_report_create
from quality.models import NCR, DraftStatus, NCRSource
from tests.quality.conftest import desk_client, run_worker

pytestmark = pytest.mark.django_db


def report_defect(barcode: str, step_order: int, description: str, category: str = "dimensional"):
    work_order = WorkOrder.objects.get(barcode=barcode)
    operator = Employee.objects.get(badge_id="100101")
    version = work_order.operation.instructions.get().current_version
    execution = Execution.objects.create(work_order=work_order, version=version, started_by=operator)
    step = Step.objects.get(version=version, order=step_order)
    return defect_report_create(
        execution=execution,
        step=step,
        reporter=operator,
        station=None,
        description=description,
        category=category,
        quantity=4,
        photo=None,
    )


class TestNcrTriage:
    def test_it_opens_an_ncr_with_a_pending_draft_queued_in_the_database(self, history):
        defect = report_defect("WO-24119-10", 9, "Sensor bore 18.024 mm oversize, bore size trending up")
        ncr = NCR.objects.get(defect=defect)
        assert (ncr.source, ncr.part.number, ncr.operation.sequence, ncr.step_key) == (
            NCRSource.FLOOR,
            "HSG-3315",
            10,
            defect.step_key,
        )
        assert ncr.triage.status == DraftStatus.PENDING
        queued = DBTaskResult.objects.get(id=ncr.triage.task_id)
        assert queued.status == "READY" and queued.task_path.endswith("ncr_triage_task")

    def test_it_drafts_category_root_cause_containment_and_affected_work_through_the_worker(self, history):
        defect = report_defect(
            "WO-24119-10", 9, "Sensor bore oversize 18.025 mm on 4 parts; insert past its part count"
        )
        run_worker()
        draft = NCR.objects.get(defect=defect).triage
        assert draft.status == DraftStatus.READY, draft.error
        assert draft.categories[0]["code"] == "dimensional"
        assert draft.root_causes[0]["code"] == "TOOL-WEAR"
        assert 0 < draft.root_causes[0]["confidence"] <= 1
        evidence = NCR.objects.filter(pk__in=draft.root_causes[0]["evidence"])
        assert evidence and all(e.root_cause_code == "TOOL-WEAR" for e in evidence)
        assert draft.containment and draft.containment[0]["evidence"]
        assert {wo.barcode for wo in draft.affected_work_orders.all()} == {"WO-24119-10", "WO-24126-10"}

    def test_it_shows_drafting_then_the_filled_draft_on_the_engineers_page(self, history):
        ncr = NCR.objects.get(
            defect=report_defect("WO-24117-20", 11, "Weld nut spun at 41 N·m in proof torque")
        )
        client = desk_client("300301")
        WorkerHeartbeat.objects.create(worker_id="worker-1", seen_at=timezone.now())  # a worker is running
        page = client.get(f"/quality/ncrs/{ncr.pk}/").content.decode()
        assert "Drafting…" in page and 'hx-trigger="every 2s"' in page
        assert "Still waiting for the background worker" not in page
        run_worker()
        partial = client.get(f"/quality/ncrs/{ncr.pk}/", headers={"HX-Request": "true"}).content.decode()
        assert partial.lstrip().startswith('<section class="card" id="triage"')
        assert "hx-trigger" not in partial and "Most similar past NCRs" in partial
        assert "weld" in partial and "NCR-H" in partial

    def test_it_keeps_the_draft_pending_and_says_so_while_the_worker_is_down(self, history):
        ncr = NCR.objects.get(defect=report_defect("WO-24120-10", 10, "Porosity in the fillet weld"))
        type(ncr.triage).objects.filter(pk=ncr.triage.pk).update(
            requested_at=timezone.now() - datetime.timedelta(minutes=10)
        )
        page = desk_client("300301").get(f"/quality/ncrs/{ncr.pk}/").content.decode()
        assert "Still waiting for the background worker" in page and "nothing is lost" in page
        # one message naming one command (it said run_worker in one box and db_worker in the next: walk finding)
        assert page.count("Still waiting for the background worker") == 1 and "db_worker" not in page
        assert "manage.py run_worker" in page and "queued 10" in page
        ncr.triage.refresh_from_db()
        assert ncr.triage.status == DraftStatus.PENDING
        DBTaskResult.objects.filter(id=ncr.triage.task_id).update(status="RUNNING")
        WorkerHeartbeat.objects.create(worker_id="worker-1", seen_at=timezone.now())  # the worker is back
        page = desk_client("300301").get(f"/quality/ncrs/{ncr.pk}/").content.decode()
        assert (
            "Drafting…" in page and "Still waiting for the background worker" not in page
        )  # claimed: slow, not down
        DBTaskResult.objects.filter(id=ncr.triage.task_id).update(status="READY")
        run_worker()  # the worker comes back: the queued request is still there and gets drafted
        ncr.triage.refresh_from_db()
        assert ncr.triage.status == DraftStatus.READY and ncr.triage.categories[0]["code"] == "weld"

    def test_it_keeps_a_failed_draft_with_its_reason_and_can_queue_it_again(self, history, monkeypatch):
        ncr = NCR.objects.get(defect=report_defect("WO-24120-10", 10, "Porosity in the fillet weld"))

        def broken(**kwargs):
            raise RuntimeError("history unreadable")

        monkeypatch.setattr("quality.triage_drafts.ncr_history_cases", broken)
        run_worker()
        ncr.triage.refresh_from_db()
        assert ncr.triage.status == DraftStatus.FAILED and "history unreadable" in ncr.triage.error
        monkeypatch.undo()
        client = desk_client("300301")
        assert "could not be made" in client.get(f"/quality/ncrs/{ncr.pk}/").content.decode()
        client.post(f"/quality/ncrs/{ncr.pk}/retriage/")
        run_worker()
        ncr.triage.refresh_from_db()
        assert ncr.triage.status == DraftStatus.READY

    def test_it_opens_ncrs_for_earlier_defect_reports_once(self, history):
        from quality.models import DefectReport

        client = desk_client("300301")
        waiting = DefectReport.objects.filter(ncr__isnull=True).count()
        assert waiting == 18 and f"{waiting} defect report(s)" in client.get("/quality/").content.decode()
        client.post("/quality/ncrs/open-missing/")
        client.post("/quality/ncrs/open-missing/")
        assert NCR.objects.filter(source=NCRSource.FLOOR).count() == waiting
        run_worker()
        assert (
            not NCR.objects.filter(source=NCRSource.FLOOR).exclude(triage__status=DraftStatus.READY).exists()
        )

    def test_it_shows_similarity_as_a_share_of_a_perfect_match(self, history):
        ncr = NCR.objects.get(
            defect=report_defect("WO-24117-20", 11, "Weld nut spun at 41 N·m in proof torque")
        )
        run_worker()
        page = desk_client("300301").get(f"/quality/ncrs/{ncr.pk}/").content.decode()
        shares = [int(v) for v in re.findall(r"</a></td><td>(\d+)%</td>", page)]
        assert shares and all(0 < v <= 100 for v in shares)

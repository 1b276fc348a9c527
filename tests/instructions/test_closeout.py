"""The end of a run: quantities, close-out, the work order closing, Plex told through the outbox; hand-offs."""

import html

import pytest

from instructions.models import (
    Execution,
    ExecutionStatus,
    ProductionReport,
    RunHandoff,
    StepCompletion,
    WorkOrder,
    WorkOrderStatus,
)
from plex.models import OutboxItem
from plexcopilot.models import AuditEvent
from tests.actors import at, start, station_client

pytestmark = pytest.mark.django_db(transaction=True)  # domain events are delivered on commit


def finish_run(client, barcode="WO-1-10") -> tuple[str, Execution]:
    url = start(client, barcode)
    client.post(url + "done/")
    client.post(at(url, 2) + "measure/", {"value": "26"})
    client.post(at(url, 2) + "done/")
    client.post(at(url, 3) + "done/")
    response = client.post(at(url, 4) + "done/")
    execution = Execution.objects.get(pk=int(url.split("/")[3]))
    assert execution.status == ExecutionStatus.COMPLETE
    assert response["Location"] == f"/station/run/{execution.pk}/closeout/"
    return url, execution


@pytest.fixture
def plex_on(settings, plant):
    settings.PLEX_BASE_URL = "http://plex.invalid"
    WorkOrder.objects.filter(pk=plant.work_order.pk).update(plex_job_id="job-77")


class TestCloseOut:
    def test_it_records_good_and_scrap_with_a_reason_and_writes_a_production_record(self, plant, plex_on):
        client = station_client(plant.station, plant.expert)
        _url, execution = finish_run(client)
        closeout = f"/station/run/{execution.pk}/closeout/"
        page = client.get(closeout).content.decode()
        assert "Good parts" in page and "Scrap reason" in page

        refused = client.post(closeout, {"good": "58", "scrap": "2", "scrap_reason": ""})
        assert refused.status_code == 422
        assert "Choose a scrap reason" in refused.content.decode()
        assert not ProductionReport.objects.exists()

        client.post(closeout, {"good": "58", "scrap": "2", "scrap_reason": "split"})
        report = ProductionReport.objects.get()
        assert (report.good, report.scrap, report.scrap_reason, report.reported_by) == (
            58,
            2,
            "split",
            plant.expert,
        )
        assert not report.closed_work_order
        assert WorkOrder.objects.get(pk=plant.work_order.pk).status == WorkOrderStatus.IN_PROGRESS
        item = OutboxItem.objects.get(kind="production")
        assert item.payload["goodQuantity"] == 58 and item.payload["scrapQuantity"] == 2
        assert item.payload["jobId"] == "job-77" and item.idempotency_key == f"production:report:{report.pk}"
        assert AuditEvent.objects.filter(action="execution.close_out").count() == 1
        done = client.get(closeout).content.decode()
        assert "42 parts still to make" in done

    def test_it_closes_the_run_once_when_submitted_twice(self, plant):
        client = station_client(plant.station, plant.expert)
        _url, execution = finish_run(client)
        closeout = f"/station/run/{execution.pk}/closeout/"
        client.post(closeout, {"good": "10", "scrap": "0"})
        client.post(closeout, {"good": "99", "scrap": "0"})
        assert list(ProductionReport.objects.values_list("good", flat=True)) == [10]

    def test_a_finished_run_is_not_restarted_by_a_tap_and_the_work_order_closes_at_its_quantity(
        self, plant, plex_on
    ):
        client = station_client(plant.station, plant.expert)
        _url, first = finish_run(client)
        # Scanning the finished work order again opens its close-out, not step 1 of a fresh run.
        again = client.post("/station/scan/", {"code": "WO-1-10"})
        assert again["Location"] == f"/station/run/{first.pk}/closeout/"
        assert Execution.objects.count() == 1
        client.post(f"/station/run/{first.pk}/closeout/", {"good": "60", "scrap": "0"})
        assert client.post("/station/scan/", {"code": "WO-1-10"})["Location"].endswith("/closeout/")

        # A new run is its own deliberate action on the close-out screen.
        assert (
            "Start a new run (40 to go)" in client.get(f"/station/run/{first.pk}/closeout/").content.decode()
        )
        second_url = client.post(f"/station/work-order/{plant.work_order.pk}/new-run/")["Location"]
        assert second_url.endswith("/1/") and Execution.objects.count() == 2
        _url, second = finish_run(client)
        client.post(
            f"/station/run/{second.pk}/closeout/", {"good": "40", "scrap": "1", "scrap_reason": "setup"}
        )

        assert WorkOrder.objects.get(pk=plant.work_order.pk).status == WorkOrderStatus.COMPLETE
        assert ProductionReport.objects.get(execution=second).closed_work_order
        assert OutboxItem.objects.filter(kind="production").count() == 2
        assert OutboxItem.objects.get(kind="job_complete").payload == {
            "jobId": "job-77",
            "status": "Complete",
        }
        refused = client.post("/station/scan/", {"code": "WO-1-10"})
        assert refused.status_code == 422 and "cannot be started" in refused.content.decode()

    def test_a_good_count_past_the_order_is_refused_once_and_taken_when_that_count_is_confirmed(self, plant):
        """5000 good on a work order of 100 closed it without a word (walkthrough finding): a keypad slip must be
        caught, and a real over-run still recorded when the operator confirms that very count."""
        client = station_client(plant.station, plant.expert)
        _url, execution = finish_run(client)
        closeout = f"/station/run/{execution.pk}/closeout/"
        refused = client.post(closeout, {"good": "5000", "scrap": "0"})
        page = refused.content.decode()
        assert refused.status_code == 422 and not ProductionReport.objects.exists()
        assert "5000 good parts reported for 100 ordered, with this run's 5000." in html.unescape(page)
        assert 'name="confirm_good" value="5000"' in page and 'value="5000"' in page  # the count kept
        other = client.post(closeout, {"good": "500", "scrap": "0", "confirm_good": "5000"})  # another count
        assert other.status_code == 422 and not ProductionReport.objects.exists()
        assert 'name="confirm_good" value="500"' in other.content.decode()
        no_reason = client.post(
            closeout, {"good": "500", "scrap": "2", "confirm_good": "500"}
        )  # another refusal
        assert (
            no_reason.status_code == 422 and 'name="confirm_good" value="500"' in no_reason.content.decode()
        )
        assert client.post(closeout, {"good": "500", "scrap": "0", "confirm_good": "500"}).status_code == 302
        report = ProductionReport.objects.get()
        assert report.good == 500 and report.closed_work_order
        event = AuditEvent.objects.get(action="execution.close_out")
        assert event.data["over_ordered"] is True and event.data["total_good"] == 500

    def test_it_refuses_a_close_out_before_the_last_step(self, plant):
        client = station_client(plant.station, plant.expert)
        url = start(client, "WO-1-10")
        execution = Execution.objects.get()
        response = client.post(f"/station/run/{execution.pk}/closeout/", {"good": "5"})
        assert response.status_code == 302 and response["Location"] == url
        assert not ProductionReport.objects.exists()


class TestHandOff:
    def test_a_second_operator_sees_a_hand_off_screen_and_the_run_records_who_did_which_step(self, plant):
        first = station_client(plant.station, plant.certified)
        url = start(first, "WO-1-10")
        first.post(url + "done/")
        first.post(at(url, 2) + "measure/", {"value": "26.1"})

        second = station_client(plant.station, plant.expert)
        assert start(second, "WO-1-10") == at(url, 2)
        screen = second.get(at(url, 2)).content.decode()
        assert "is running this work order" in screen and "Take over at step 2" in screen
        assert "26.1" in screen  # her reading is shown as hers, not silently adopted
        refused = second.post(at(url, 2) + "done/")
        assert refused.status_code == 409
        assert StepCompletion.objects.count() == 1

        execution = Execution.objects.get()
        second.post(f"/station/run/{execution.pk}/handoff/")
        handoff = RunHandoff.objects.get()
        assert (handoff.from_employee, handoff.to_employee, handoff.at_step) == (
            plant.certified,
            plant.expert,
            2,
        )
        assert second.post(at(url, 2) + "done/").status_code == 200
        who = dict(StepCompletion.objects.values_list("step__order", "completed_by"))
        assert who == {1: plant.certified.pk, 2: plant.expert.pk}
        # The first operator coming back is now the one who must take it over again.
        assert "is running this work order" in first.get(at(url, 3)).content.decode()

    def test_the_take_over_names_and_opens_the_first_step_not_done_not_the_step_last_looked_at(self, plant):
        first = station_client(plant.station, plant.certified)
        url = start(first, "WO-1-10")
        first.post(url + "done/")
        first.post(at(url, 2) + "measure/", {"value": "26.1"})
        first.post(at(url, 2) + "done/")
        first.post(at(url, 3) + "done/")
        first.get(at(url, 2))  # she looks back at step 2; steps 1-3 are done, step 4 is next
        execution = Execution.objects.get()
        assert execution.current_order == 2

        second = station_client(plant.station, plant.expert)
        screen = second.get(start(second, "WO-1-10")).content.decode()
        assert "WO-1-10</span> is at step 4." in screen and "Take over at step 4" in screen
        assert "at step 2" not in screen
        response = second.post(f"/station/run/{execution.pk}/handoff/")
        assert response["Location"] == at(url, 4)
        assert RunHandoff.objects.get().at_step == 4
        assert AuditEvent.objects.get(action="execution.hand_off").summary.endswith("WO-1-10 at step 4")

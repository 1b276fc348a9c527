import pytest

from instructions.models import Execution, WorkOrder, WorkOrderStatus
from tests.actors import at, start, station_client

pytestmark = pytest.mark.django_db


class TestStationScan:
    def test_it_opens_the_instruction_for_a_scanned_barcode(self, plant):
        client = station_client(plant.station, plant.certified)
        url = start(client, "WO-1-10")
        execution = Execution.objects.get(work_order=plant.work_order)
        assert url == f"/station/run/{execution.pk}/1/"
        assert execution.version == plant.version
        page = client.get(url).content.decode()
        assert "Check the die set" in page
        assert WorkOrder.objects.get(pk=plant.work_order.pk).status == WorkOrderStatus.IN_PROGRESS

    def test_it_accepts_scanner_noise_and_lower_case(self, plant):
        client = station_client(plant.station, plant.certified)
        assert start(client, "  wo-1-10\r\n").startswith("/station/run/")

    def test_it_accepts_a_typed_work_order_number(self, plant):
        client = station_client(plant.station, plant.certified)
        assert start(client, "WO-1").startswith("/station/run/")

    def test_it_explains_an_unknown_barcode(self, plant):
        client = station_client(plant.station, plant.certified)
        response = client.post("/station/scan/", {"code": "WO-999-10"})
        body = response.content.decode()
        assert response.status_code == 422
        assert "No work order found for “WO-999-10”" in body
        assert "WO-999-10" in body

    @pytest.mark.parametrize(
        "raw", ["\x1b[2~WO-1-10", "WO 1 10 ;;", "<script>alert(1)</script>", "x" * 300, "é"]
    )
    def test_it_explains_a_malformed_scan_and_escapes_it(self, plant, raw):
        client = station_client(plant.station, plant.certified)
        response = client.post("/station/scan/", {"code": raw})
        body = response.content.decode()
        assert response.status_code == 422
        assert "could not be read" in body
        assert "<script>alert(1)</script>" not in body
        assert not Execution.objects.exists()

    def test_it_refuses_a_work_order_of_another_work_center(self, plant):
        client = station_client(plant.other_station, plant.certified)
        response = client.post("/station/scan/", {"code": "WO-1-10"})
        assert response.status_code == 422
        assert "not at this station (WLD-T1)" in response.content.decode()

    def test_it_refuses_a_work_order_on_hold(self, plant):
        WorkOrder.objects.filter(pk=plant.work_order.pk).update(status=WorkOrderStatus.ON_HOLD)
        client = station_client(plant.station, plant.certified)
        response = client.post("/station/scan/", {"code": "WO-1-10"})
        assert response.status_code == 422
        assert "on hold" in response.content.decode()

    def test_it_resumes_on_another_tablet_at_the_same_step(self, plant):
        first = station_client(plant.station, plant.certified)
        url = start(first, "WO-1-10")
        first.post(url + "done/")
        second = station_client(plant.station, plant.expert)
        resumed = start(second, "WO-1-10")
        assert resumed == at(url, 2)
        assert Execution.objects.count() == 1

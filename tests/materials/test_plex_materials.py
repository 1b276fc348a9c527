import pytest

from instructions.models import WorkCenter
from materials.models import BomLine, LineSideLocation, Lot
from plex.fake_data import fake_id
from plex.fake_server import FakePlex
from plex.sync import plex_sync
from tests.plex.conftest import make_client

pytestmark = pytest.mark.django_db


def test_boms_and_line_side_containers_come_from_plex():
    with FakePlex() as fake, make_client(fake) as client:
        plex_sync(client=client, resources=["workcenters", "parts", "part_operations", "jobs"])
        LineSideLocation.objects.create(
            work_center=WorkCenter.objects.get(code="PRS-250"),
            code="LS-PRS-250",
            plex_location=fake_id("location", "LS-PRS-250"),
        )
        run = plex_sync(client=client, resources=["boms", "containers"])
        assert run.status == "ok", run.errors.values_list("message", flat=True)
        lines = {
            line.component.number: line for line in BomLine.objects.select_related("component", "operation")
        }
        assert set(lines) == {"CL-340-2", "NUT-M8"}
        assert float(lines["CL-340-2"].quantity_per) == 1.8
        assert lines["CL-340-2"].component.unit == "kg"
        lot = Lot.objects.get()
        assert (lot.lot_number, float(lot.quantity), lot.location.code) == ("H24-0871", 1250.0, "LS-PRS-250")
        # The container is consumed in Plex: the lot goes.
        fake.data.containers.clear()
        plex_sync(client=client, resources=["containers"])
        assert not Lot.objects.exists()
        # A malformed BOM line is reported, the rest applied.
        fake.data.boms[1]["quantity"] = "lots"
        run = plex_sync(client=client, resources=["boms"])
        assert run.status == "partial"

from django.utils import timezone

from labor.models import Punch
from plex.models import OutboxItem, PlexRecord
from tests.actors import station_client


def test_it_queues_station_clock_punches_for_plex(plant, settings, django_capture_on_commit_callbacks):
    settings.PLEX_BASE_URL = "http://127.0.0.1:9/"  # enqueueing only; nothing is sent in this test
    wc = plant.station.work_center
    wc.plex_workcenter_id = "wc-press-1"
    wc.save()
    plant.certified.plex_employee_id = "emp-77"
    plant.certified.save()
    PlexRecord.objects.create(resource="employee-account", plex_id="emp-77", digest="x",
                              data={"accountId": "acc-77"}, last_seen_at=timezone.now())  # fmt: skip
    client = station_client(plant.station, plant.certified)
    with django_capture_on_commit_callbacks(execute=True):  # plex hears the punches after commit
        client.post("/labor/station/clock-in/")
        client.post("/labor/station/clock-out/")
    items = {i.kind: i for i in OutboxItem.objects.all()}
    assert items["clock_in"].payload == {"workcenterId": "wc-press-1", "accountId": "acc-77"}
    assert items["clock_out"].payload["workcenterId"] == "wc-press-1"
    clock_in = Punch.objects.get(kind="clock_in")
    assert items["clock_in"].idempotency_key == f"labor-punch:{clock_in.pk}"


def test_it_queues_nothing_when_plex_is_off(plant, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        station_client(plant.station, plant.certified).post("/labor/station/clock-in/")
    assert Punch.objects.count() == 1 and not OutboxItem.objects.exists()

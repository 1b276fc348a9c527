import datetime

from django.utils import timezone

from labor.models import Punch
from plexcopilot.models import AuditEvent
from tests.actors import station_client


def test_it_clocks_in_and_out_at_the_station(plant):
    client = station_client(plant.station, plant.certified)
    page = client.get("/labor/station/")
    assert b"Clock in at PRS-T1" in page.content
    response = client.post("/labor/station/clock-in/")
    assert response.status_code == 200 and b"Clocked in at PRS-T1" in response.content
    assert b"data-since=" in response.content
    response = client.post("/labor/station/clock-out/")
    assert b"Clocked out after" in response.content
    assert list(Punch.objects.values_list("kind", flat=True)) == ["clock_in", "clock_out"]
    assert AuditEvent.objects.filter(action="punch.clock_in").exists()


def test_it_keeps_the_timer_across_reloads_and_tablet_swaps(plant):
    first = station_client(plant.station, plant.certified)
    first.post("/labor/station/clock-in/")
    clock_in = Punch.objects.get(kind="clock_in")
    first.post(f"/labor/station/job/{plant.work_order.pk}/on/")
    other_tablet = station_client(plant.station, plant.certified)
    page = other_tablet.get("/labor/station/").content.decode()
    assert "Clocked in at <strong>PRS-T1</strong>" in page
    assert timezone.localtime(clock_in.at).isoformat()[:19] in page
    assert 'Job off <span class="code">WO-1-10</span>' in page  # the number kept whole on the button


def test_it_moves_the_clock_to_another_work_center(plant):
    station_client(plant.station, plant.certified).post("/labor/station/clock-in/")
    weld = station_client(plant.other_station, plant.certified)
    assert b"Move here" in weld.get("/labor/station/").content
    response = weld.post("/labor/station/clock-in/")
    assert b"Moved from PRS-T1 and clocked in at WLD-T1" in response.content
    assert [(p.kind, p.work_center.code) for p in Punch.objects.all()] == [
        ("clock_in", "PRS-T1"), ("clock_out", "PRS-T1"), ("clock_in", "WLD-T1")]  # fmt: skip


def test_it_explains_what_to_do_when_a_punch_makes_no_sense(plant):
    client = station_client(plant.station, plant.certified)
    response = client.post("/labor/station/clock-out/")
    assert response.status_code == 422 and b"not clocked in" in response.content
    response = client.post(f"/labor/station/job/{plant.work_order.pk}/on/")
    assert response.status_code == 422 and b"Clock in first" in response.content
    client.post("/labor/station/clock-in/")
    assert client.post("/labor/station/clock-in/").status_code == 422
    client.post(f"/labor/station/job/{plant.work_order.pk}/on/")
    response = client.post(f"/labor/station/job/{plant.work_order.pk}/on/")
    assert response.status_code == 422 and b"already on" in response.content
    assert client.post("/labor/station/clock-sideways/").status_code == 404
    assert Punch.objects.count() == 2


def test_it_stops_open_jobs_at_clock_out(plant):
    client = station_client(plant.station, plant.certified)
    client.post("/labor/station/clock-in/")
    client.post(f"/labor/station/job/{plant.work_order.pk}/on/")
    response = client.post("/labor/station/clock-out/")
    assert b"Stopped WO-1-10" in response.content
    assert list(Punch.objects.values_list("kind", flat=True)) == [
        "clock_in",
        "job_on",
        "job_off",
        "clock_out",
    ]


def test_it_flags_an_uncertified_operator_booking_the_job(plant):
    client = station_client(plant.station, plant.expired)
    client.post("/labor/station/clock-in/")
    client.post(f"/labor/station/job/{plant.work_order.pk}/on/")
    from labor.models import LaborFlag

    assert LaborFlag.objects.filter(rule="uncertified", employee=plant.expired).exists()


def test_it_sends_a_signed_out_tablet_to_the_station_list(plant, client):
    response = client.get("/labor/station/")
    assert response.status_code == 302 and response["Location"] == "/station/"


def test_it_warns_an_operator_booking_a_job_with_an_expired_certification(plant):
    client = station_client(plant.station, plant.expired)
    client.post("/labor/station/clock-in/")
    response = client.post(f"/labor/station/job/{plant.work_order.pk}/on/")
    from django.utils.formats import date_format

    last_valid = date_format(timezone.localdate() - datetime.timedelta(days=3), "SHORT_DATE_FORMAT")
    text = response.content.decode()
    assert f"Your PRESS-T certification has expired: its last valid day was {last_valid}." in text
    assert "will need a supervisor&#x27;s override" in text
    assert "expired on" not in text


def test_it_names_a_missing_certification_in_the_operators_language(plant):
    from plexcopilot.models import Employee

    Employee.objects.filter(pk=plant.uncertified.pk).update(language="es")
    client = station_client(plant.station, plant.uncertified)
    client.post("/labor/station/clock-in/")
    response = client.post(f"/labor/station/job/{plant.work_order.pk}/on/")
    text = response.content.decode()
    assert "No tiene registrada la certificación PRESS-T." in text
    assert "missing" not in text


def test_it_is_reachable_from_the_station_home_and_the_desk_dashboard(plant):
    assert (
        b'href="/labor/station/"'
        in station_client(plant.station, plant.certified).get("/station/home/").content
    )
    from tests.labor.conftest import desk_client

    assert b'href="/labor/"' in desk_client(plant.supervisor).get("/").content


def test_it_says_how_long_in_hours_and_minutes_as_the_clock_on_the_page_counts(plant):
    """A job stopped after three minutes said "after 0.0 h" under a clock showing "0 h 03 min" (walk finding)."""
    import time_machine

    with time_machine.travel(datetime.datetime(2026, 3, 10, 11, 0, tzinfo=datetime.UTC), tick=False) as clock:
        client = station_client(plant.station, plant.certified)
        client.post("/labor/station/clock-in/")
        client.post(f"/labor/station/job/{plant.work_order.pk}/on/")
        clock.shift(datetime.timedelta(minutes=3, seconds=20))
        response = client.post(f"/labor/station/job/{plant.work_order.pk}/off/")
        assert "Job off: WO-1-10 after 0 h 03 min." in response.content.decode()
        clock.shift(datetime.timedelta(minutes=2))  # within the station idle timeout
        response = client.post("/labor/station/clock-out/")
        assert "Clocked out after 0 h 05 min." in response.content.decode()

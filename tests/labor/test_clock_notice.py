"""The run page warns an operator whose time on the job is not recorded (labor's notice through
instructions.station_hooks), with a button that clocks in here and puts the run's work order on (or, clocked in
here, starts the job) and comes back to the step, which says what happened; the run goes on."""

import pytest

from instructions.models import WorkOrder
from labor.models import Punch
from plexcopilot.models import AuditEvent
from tests.actors import at, start, station_client

pytestmark = pytest.mark.django_db

WARNING = "You are not clocked in: your time on this job is not recorded."


def test_it_warns_an_operator_not_clocked_in_and_lets_the_run_go_on(plant):
    client = station_client(plant.station, plant.certified)
    url = start(client, "WO-1-10")
    page = client.get(url).content.decode()
    assert 'data-testid="notice-clock"' in page and WARNING in page
    assert 'data-testid="notice-clock-action"' in page and "Clock in at PRS-T1" in page
    assert (
        f'action="/labor/station/clock-in/job/{plant.work_order.pk}/?back={url.replace("/", "%2F")}"' in page
    )
    done = client.post(url + "done/")  # not blocked: the plant decides its labor policy
    assert done.status_code == 200 and "Step 1 done." in done.content.decode()
    assert WARNING in done.content.decode()  # the next step says it too


def test_it_says_nothing_to_an_operator_clocked_in_here(plant):
    client = station_client(plant.station, plant.certified)
    client.post("/labor/station/clock-in/")
    page = client.get(start(client, "WO-1-10")).content.decode()
    assert 'data-testid="notice-clock"' not in page and "not clocked in" not in page


def test_it_says_where_an_operator_clocked_in_elsewhere_is(plant):
    station_client(plant.other_station, plant.certified).post("/labor/station/clock-in/")
    client = station_client(plant.station, plant.certified)
    page = client.get(start(client, "WO-1-10")).content.decode()
    assert "You are clocked in at WLD-T1, not at PRS-T1: your time on this job is not recorded here." in page
    assert 'data-testid="notice-clock-action"' in page and "Clock in at PRS-T1" in page


def test_its_button_clocks_in_here_and_returns_to_the_step(plant):
    station_client(plant.other_station, plant.certified).post("/labor/station/clock-in/")
    client = station_client(plant.station, plant.certified)
    url = at(start(client, "WO-1-10"), 2)
    client.get(url)
    response = client.post(f"/labor/station/clock-in/?back={url}")
    assert response.status_code == 302 and response["Location"] == url
    assert [(p.kind, p.work_center.code) for p in Punch.objects.order_by("id")] == [
        ("clock_in", "WLD-T1"), ("clock_out", "WLD-T1"), ("clock_in", "PRS-T1")]  # fmt: skip
    # clock-in's own audit, nothing new
    assert AuditEvent.objects.filter(action="punch.clock_in").count() == 2
    assert 'data-testid="notice-clock"' not in client.get(url).content.decode()
    # a double tap: back to the step, no new punch
    again = client.post(f"/labor/station/clock-in/?back={url}")
    assert again.status_code == 302 and again["Location"] == url and Punch.objects.count() == 3


def test_its_button_never_returns_off_the_station(plant):
    client = station_client(plant.station, plant.certified)
    response = client.post("/labor/station/clock-in/?back=https://evil.example/station/run/1/1/")
    assert response.status_code == 200 and "Clocked in at PRS-T1." in response.content.decode()


def test_it_speaks_the_operators_language(plant):
    plant.certified.language = "es"
    plant.certified.save()
    client = station_client(plant.station, plant.certified)
    page = client.get(start(client, "WO-1-10")).content.decode()
    assert "No ha registrado su entrada: su tiempo en este trabajo no queda registrado." in page
    assert "Registrar entrada en PRS-T1" in page
    assert WARNING not in page


def test_its_button_also_puts_this_work_order_on_in_one_tap(plant):
    client = station_client(plant.station, plant.certified)
    url = start(client, "WO-1-10")
    page = client.get(url).content.decode()
    action = f"/labor/station/clock-in/job/{plant.work_order.pk}/"
    assert f'action="{action}?back={url.replace("/", "%2F")}"' in page
    response = client.post(f"{action}?back={url}")
    assert response.status_code == 302 and response["Location"] == url
    assert [(p.kind, p.work_center.code, p.work_order_id) for p in Punch.objects.order_by("id")] == [
        ("clock_in", "PRS-T1", None), ("job_on", "PRS-T1", plant.work_order.pk)]  # fmt: skip
    assert AuditEvent.objects.filter(action="punch.job_on").count() == 1
    page = client.get(url).content.decode()
    assert "station-notice" not in page
    assert "Clocked in at PRS-T1. Job on: WO-1-10." in page  # said once, on the step it came back to
    assert "Clocked in at PRS-T1." not in client.get(url).content.decode()


def test_it_offers_to_start_the_job_to_an_operator_clocked_in_here_without_it(plant):
    client = station_client(plant.station, plant.certified)
    client.post("/labor/station/clock-in/")
    url = start(client, "WO-1-10")
    page = client.get(url).content.decode()
    assert 'data-testid="notice-job"' in page and "Your time on WO-1-10 is not being recorded." in page
    assert "Start job WO-1-10" in page
    job_url = f"/labor/station/job/{plant.work_order.pk}/on/"
    assert f'action="{job_url}?back={url.replace("/", "%2F")}"' in page
    response = client.post(f"{job_url}?back={url}")
    assert response.status_code == 302 and response["Location"] == url
    assert Punch.objects.filter(kind="job_on", work_order=plant.work_order).count() == 1
    page = client.get(url).content.decode()
    assert "station-notice" not in page and "Job on: WO-1-10." in page


def test_the_step_page_says_which_job_a_move_stopped(plant):
    weld_order = WorkOrder.objects.create(number="WO-1", barcode="WO-1-20", part=plant.work_order.part,
                                          operation=plant.work_order.part.operations.get(sequence=20), quantity=100)  # fmt: skip
    weld = station_client(plant.other_station, plant.certified)
    weld.post("/labor/station/clock-in/")
    weld.post(f"/labor/station/job/{weld_order.pk}/on/")
    client = station_client(plant.station, plant.certified)
    url = start(client, "WO-1-10")
    client.post(f"/labor/station/clock-in/job/{plant.work_order.pk}/?back={url}")
    page = client.get(url).content.decode()
    assert "Moved from WLD-T1 and clocked in at PRS-T1. Stopped WO-1-20. Job on: WO-1-10." in page
    assert [(p.kind, p.work_order_id) for p in Punch.objects.filter(kind__startswith="job").order_by("id")] == [
        ("job_on", weld_order.pk), ("job_off", weld_order.pk), ("job_on", plant.work_order.pk)]  # fmt: skip


def test_the_step_page_says_why_the_job_could_not_start(plant):
    weld_order = WorkOrder.objects.create(number="WO-1", barcode="WO-1-20", part=plant.work_order.part,
                                          operation=plant.work_order.part.operations.get(sequence=20), quantity=100)  # fmt: skip
    client = station_client(plant.station, plant.certified)
    url = start(client, "WO-1-10")
    client.post("/labor/station/clock-in/")
    response = client.post(f"/labor/station/job/{weld_order.pk}/on/?back={url}")
    assert response.status_code == 302 and response["Location"] == url
    assert "WO-1-20 runs at WLD-T1, not here." in client.get(url).content.decode()


def test_its_job_notice_and_what_the_move_stopped_speak_the_operators_language(plant):
    plant.certified.language = "es"
    plant.certified.save()
    client = station_client(plant.station, plant.certified)
    client.post("/labor/station/clock-in/")
    url = start(client, "WO-1-10")
    page = client.get(url).content.decode()
    assert "Su tiempo en WO-1-10 no se está registrando." in page and "Iniciar trabajo WO-1-10" in page
    weld_order = WorkOrder.objects.create(number="WO-1", barcode="WO-1-20", part=plant.work_order.part,
                                          operation=plant.work_order.part.operations.get(sequence=20), quantity=100)  # fmt: skip
    weld = station_client(plant.other_station, plant.certified)
    weld.post(f"/labor/station/clock-in/job/{weld_order.pk}/")
    client.post(f"/labor/station/clock-in/job/{plant.work_order.pk}/?back={url}")
    page = client.get(url).content.decode()
    assert "Se detuvo WO-1-20. Trabajo iniciado: WO-1-10." in page


def test_with_another_job_on_here_its_button_switches_to_this_one_in_one_tap(plant):
    """One job at a time at a station: "Start job" was refused ("Stop WO-2-10 before starting WO-1-10") with no
    way to stop the other job from the run page. The notice names the job the time goes to and switches."""
    other = WorkOrder.objects.create(number="WO-2", barcode="WO-2-10", part=plant.work_order.part,
                                     operation=plant.work_order.operation, quantity=50)  # fmt: skip
    client = station_client(plant.station, plant.certified)
    client.post(f"/labor/station/clock-in/job/{other.pk}/")
    url = start(client, "WO-1-10")
    page = client.get(url).content.decode()
    assert "Your time is on WO-2-10, not on WO-1-10." in page and "Switch to WO-1-10" in page
    switch_url = f"/labor/station/job/{plant.work_order.pk}/switch/"
    assert f'action="{switch_url}?back={url.replace("/", "%2F")}"' in page
    response = client.post(f"{switch_url}?back={url}")
    assert response.status_code == 302 and response["Location"] == url
    page = client.get(url).content.decode()
    assert "station-notice" not in page and "Stopped WO-2-10. Job on: WO-1-10." in page
    assert [(p.kind, p.work_order_id) for p in Punch.objects.filter(kind__startswith="job").order_by("id")] == [
        ("job_on", other.pk), ("job_off", other.pk), ("job_on", plant.work_order.pk)]  # fmt: skip
    assert AuditEvent.objects.filter(action="punch.job_off").count() == 1
    client.post(f"{switch_url}?back={url}")  # a double tap changes nothing and says so
    assert Punch.objects.filter(kind="job_on", work_order=plant.work_order).count() == 1
    assert "WO-1-10 is already on." in client.get(url).content.decode()


def test_its_switch_notice_speaks_the_operators_language(plant):
    plant.certified.language = "pl"
    plant.certified.save()
    other = WorkOrder.objects.create(number="WO-2", barcode="WO-2-10", part=plant.work_order.part,
                                     operation=plant.work_order.operation, quantity=50)  # fmt: skip
    client = station_client(plant.station, plant.certified)
    client.post(f"/labor/station/clock-in/job/{other.pk}/")
    page = client.get(start(client, "WO-1-10")).content.decode()
    assert "Twój czas jest rejestrowany przy WO-2-10, a nie przy WO-1-10." in page
    assert "Przełącz na WO-1-10" in page


def test_two_switch_taps_at_the_same_instant_punch_once(transactional_db):
    """Two taps of "Switch to" at once (a gloved double tap, PostgreSQL's read committed): both read WO-2-10 on
    and recorded two job-offs and two job-ons, counting the job's hours twice (review finding). The punch state
    is read under the employee's punch lock: the second tap sees the first's punches and says so."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connections

    from labor.errors import LaborError
    from labor.punches import clock_in, job_switch
    from tests.actors import build_plant

    plant = build_plant()
    other = WorkOrder.objects.create(number="WO-2", barcode="WO-2-10", part=plant.work_order.part,
                                     operation=plant.work_order.operation, quantity=50)  # fmt: skip
    clock_in(employee=plant.certified, station=plant.station, work_order=other)
    both_ready = threading.Barrier(2)

    def tap(_: int) -> str:
        try:
            both_ready.wait(timeout=10)
            return job_switch(employee=plant.certified, station=plant.station, work_order=plant.work_order)
        except LaborError as error:
            return str(error)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(2) as pool:
        said = sorted(pool.map(tap, [1, 2]))
    assert said == ["Stopped WO-2-10. Job on: WO-1-10.", "WO-1-10 is already on."], said
    jobs = [(p.kind, p.work_order_id) for p in Punch.objects.filter(kind__startswith="job").order_by("id")]
    assert jobs == [("job_on", other.pk), ("job_off", other.pk), ("job_on", plant.work_order.pk)]

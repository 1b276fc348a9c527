import datetime

import pytest

from labor.models import FlagStatus, LaborFlag, Punch
from labor.punch_checks import punches_validate
from plexcopilot.models import AuditEvent
from tests.conftest import AWKWARD
from tests.labor.conftest import desk_client, punch

H = datetime.timedelta(hours=1)


def raise_flag(plant, morning) -> LaborFlag:
    punch(plant.certified, "clock_out", morning, work_center=plant.station.work_center)
    punches_validate(start=morning - H)
    return LaborFlag.objects.get()


def test_it_lists_open_flags_with_reason_and_confidence(plant, morning):
    raise_flag(plant, morning)
    page = desk_client(plant.supervisor).get("/labor/flags/")
    assert page.status_code == 200
    assert b"Clock-out before clock-in" in page.content and b"95 %" in page.content


def test_it_accepts_and_dismisses_with_a_recorded_decision(plant, morning):
    flag = raise_flag(plant, morning)
    client = desk_client(plant.supervisor)
    response = client.post(
        f"/labor/flags/{flag.pk}/resolve/", {"action": "dismiss", "note": ""}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 422 and b"Say why" in response.content
    response = client.post(f"/labor/flags/{flag.pk}/resolve/", {"action": "accept", "note": "Talked to him"},
                           HTTP_HX_REQUEST="true")  # fmt: skip
    assert response.status_code == 200 and b"Accepted" in response.content
    flag.refresh_from_db()
    assert flag.status == FlagStatus.ACCEPTED and flag.resolved_by == plant.supervisor.user
    assert AuditEvent.objects.filter(action="labor_flag.accepted").exists()
    response = client.post(f"/labor/flags/{flag.pk}/resolve/", {"action": "dismiss", "note": "again"})
    assert response.status_code == 422 and b"already accepted" in response.content


def test_it_corrects_from_the_queue_with_a_new_punch(plant, morning):
    flag = raise_flag(plant, morning)
    original = flag.punch
    client = desk_client(plant.supervisor)
    response = client.post(f"/labor/flags/{flag.pk}/resolve/", {"action": "correct", "mode": "replace",
                           "at": "not a time", "note": ""})  # fmt: skip
    assert response.status_code == 422 and b"Check the correction" in response.content
    new_at = (morning + 8 * H).astimezone(datetime.UTC)
    from django.utils import timezone

    local = timezone.localtime(new_at).strftime("%Y-%m-%dT%H:%M")
    response = client.post(
        f"/labor/flags/{flag.pk}/resolve/", {"action": "correct", "mode": "replace", "at": local}
    )
    assert response.status_code == 302
    correction = Punch.objects.get(replaces=original)
    assert correction.at == new_at and Punch.objects.get(pk=original.pk).at == morning
    assert LaborFlag.objects.get(pk=flag.pk).status == FlagStatus.CORRECTED


@pytest.mark.parametrize("plant_at", ["2026-03-10T12:00", *AWKWARD], indirect=True)
def test_it_rechecks_punches_on_request(plant_at, plant, morning):
    # A clock-out with no clock-in, late yesterday evening: in the past at any hour of today.
    punch(plant.certified, "clock_out", morning + 14 * H, work_center=plant.station.work_center)
    response = desk_client(plant.supervisor).post("/labor/flags/validate/")
    assert response.status_code == 302 and "checked=1" in response["Location"]


def test_it_keeps_the_queue_to_supervisors(plant):
    assert desk_client(plant.certified).get("/labor/flags/").status_code == 403
    assert desk_client(plant.quality).get("/labor/flags/").status_code == 403


def test_it_shows_a_refused_decision_on_the_full_page_without_htmx(plant, morning):
    flag = raise_flag(plant, morning)
    response = desk_client(plant.supervisor).post(f"/labor/flags/{flag.pk}/resolve/", {"action": "dismiss"})
    assert response.status_code == 422
    assert (
        b"<h1>Punch flags</h1>" in response.content and b"Say why the flag is dismissed" in response.content
    )

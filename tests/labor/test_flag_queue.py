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
    note = "Badge reader at gate 2 was down; " + "x" * 467  # the 500 characters the form allows
    response = client.post(
        f"/labor/flags/{flag.pk}/resolve/",
        {"action": "correct", "mode": "replace", "at": local, "note": note},
    )
    assert response.status_code == 302
    correction = Punch.objects.get(replaces=original)
    assert correction.at == new_at and Punch.objects.get(pk=original.pk).at == morning
    assert LaborFlag.objects.get(pk=flag.pk).status == FlagStatus.CORRECTED
    # The whole note is on the corrected punch too (it was cut at 300 characters).
    assert len(note) == 500 and correction.note == note
    assert LaborFlag.objects.get(pk=flag.pk).resolution_note == note


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


def _local(at: datetime.datetime) -> str:
    from django.utils import timezone

    return timezone.localtime(at).strftime("%Y-%m-%dT%H:%M")


def missed_clock_in(plant, morning) -> LaborFlag:
    return LaborFlag.objects.create(employee=plant.certified, rule="missed_clock_in", key="mci", day=morning.date(),
                                    confidence=0.8, reason="Scheduled but no clock-in")  # fmt: skip


def test_a_correction_is_refused_away_from_the_flagged_shift_naming_the_times_allowed(plant, morning):
    flag = missed_clock_in(plant, morning)
    client = desk_client(plant.supervisor)
    day_before_noon = morning - 18 * H  # 12:00 the day before the flagged day (06:00)
    for at in ("1999-01-01T06:00", _local(day_before_noon - datetime.timedelta(minutes=1))):
        response = client.post(f"/labor/flags/{flag.pk}/resolve/", {"action": "correct", "mode": "add",
                               "kind": "clock_in", "at": at, "note": ""})  # fmt: skip
        assert response.status_code == 422, at
        assert b"is not on the flagged shift" in response.content
        assert f"between {day_before_noon:%a %Y-%m-%d} 12:00 and".encode() in response.content
    response = client.post(f"/labor/flags/{flag.pk}/resolve/", {"action": "correct", "mode": "add",
                           "kind": "clock_in", "at": "2099-01-01T06:00"})  # fmt: skip
    assert response.status_code == 422 and b"cannot be in the future: for this flag" in response.content
    assert not Punch.objects.exists() and LaborFlag.objects.get(pk=flag.pk).status == FlagStatus.OPEN
    response = client.post(f"/labor/flags/{flag.pk}/resolve/", {"action": "correct", "mode": "add",
                           "kind": "clock_in", "at": _local(morning + datetime.timedelta(minutes=4))})  # fmt: skip
    assert response.status_code == 302
    assert Punch.objects.get().at == morning + datetime.timedelta(minutes=4)
    flag.refresh_from_db()
    assert flag.status == FlagStatus.CORRECTED and flag.resolution_note == "missing punch added"


@pytest.mark.parametrize("plant_at", ["2026-03-10T12:00"], indirect=True)
def test_a_correction_may_cross_midnight_into_the_day_after(plant_at, plant, morning):
    flag = missed_clock_in(plant, morning)
    from labor.punch_flags import flag_correct

    at = morning + 20 * H  # 02:00 the morning after the flagged day: a night shift's clock-out
    correction = flag_correct(flag=flag, user=plant.supervisor.user, mode="add", kind="clock_out", at=at,
                              note="Left at 2, forgot to punch")  # fmt: skip
    assert correction.at == at
    assert LaborFlag.objects.get(pk=flag.pk).resolution_note == "Left at 2, forgot to punch"


@pytest.mark.parametrize("htmx", [True, False])
def test_a_refused_correction_keeps_what_was_typed_with_the_correct_section_open(plant, morning, htmx):
    flag = missed_clock_in(plant, morning)
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    response = desk_client(plant.supervisor).post(
        f"/labor/flags/{flag.pk}/resolve/",
        {
            "action": "correct",
            "mode": "add",
            "kind": "job_on",
            "at": "2030-01-01T06:00",
            "note": "Llegó a las 6, olvidó checar",
        },  # fmt: skip
        **headers,
    )
    page = response.content.decode()
    assert response.status_code == 422 and "cannot be in the future" in page
    assert 'value="Llegó a las 6, olvidó checar"' in page
    assert 'name="at" value="2030-01-01T06:00"' in page
    assert "<details open>" in page
    assert '<option value="add" selected>' in page and '<option value="job_on" selected>' in page
    assert '<option value="clock_in" selected>' not in page  # the rule's default gave way to the choice made
    assert not Punch.objects.exists()


def test_an_untouched_row_starts_closed_with_the_rules_default(plant, morning):
    missed_clock_in(plant, morning)
    page = desk_client(plant.supervisor).get("/labor/flags/").content.decode()
    assert "<details open>" not in page and '<option value="clock_in" selected>' in page


@pytest.mark.parametrize("plant_at", ["2026-03-11T18:00"], indirect=True)
def test_it_corrects_the_clock_out_of_a_night_shift_worked_into_a_double(plant_at, plant):
    """Shift C from Tue 22:00, then on through day shift A: the forgotten clock-out is at Wed 14:00."""
    from labor.punch_flags import flag_correct
    from labor.selectors import shift_get

    tz = plant_at.tzinfo
    clock_in = datetime.datetime(2026, 3, 10, 22, 0, tzinfo=tz)
    punch(plant.certified, "clock_in", clock_in, work_center=plant.station.work_center)
    punches_validate(start=clock_in - H)
    flag = LaborFlag.objects.get(rule="missed_clock_out")
    assert flag.day == datetime.date(2026, 3, 10) and shift_get("C").starts == datetime.time(22)
    client = desk_client(plant.supervisor)
    after_the_double = datetime.datetime(2026, 3, 11, 15, 1, tzinfo=tz)
    response = client.post(f"/labor/flags/{flag.pk}/resolve/", {"action": "correct", "mode": "add",
                           "kind": "clock_out", "at": _local(after_the_double)})  # fmt: skip
    page = response.content.decode()
    assert response.status_code == 422 and "is not on the flagged shift" in page
    assert "between Mon 2026-03-09 12:00 and Wed 2026-03-11 15:00" in page
    assert "an hour after the end of a double shift worked on from the flagged day&#x27;s last shift" in page
    clock_out = datetime.datetime(2026, 3, 11, 14, 7, tzinfo=tz)
    correction = flag_correct(flag=flag, user=plant.supervisor.user, mode="add", kind="clock_out", at=clock_out,
                              note="Stayed on for A, forgot to punch out")  # fmt: skip
    assert Punch.objects.get(pk=correction.pk).at == clock_out
    assert LaborFlag.objects.get(pk=flag.pk).status == FlagStatus.CORRECTED


def test_a_move_takes_the_punch_of_the_kind_chosen_and_refuses_a_kind_the_flag_has_not(plant, morning):
    """A clock-out recorded before the clock-in (a terminal with a wrong clock): moving "Clock in" moves the
    clock-in that followed it, not the flagged clock-out; a kind the flag has no punch of is refused."""
    from django.test import Client

    from tests.actors import desk_login

    center = plant.station.work_center
    clock_out = punch(plant.certified, "clock_out", morning + 7 * H + datetime.timedelta(minutes=55),
                      work_center=center)  # fmt: skip
    clock_in = punch(plant.certified, "clock_in", morning + 8 * H, work_center=center)
    punches_validate(start=morning - H)
    flag = LaborFlag.objects.get(rule="clock_out_before_in", punch=clock_out)
    client = Client()
    assert desk_login(client, plant.supervisor.user.username, "desk-pass-123")
    url = f"/labor/flags/{flag.pk}/resolve/"
    refused = {
        "action": "correct",
        "mode": "replace",
        "kind": "job_on",
        "at": _local(morning),
        "note": "Kept",
    }
    response = client.post(url, refused, HTTP_HX_REQUEST="true")
    page = response.content.decode()
    assert response.status_code == 422 and "This flag has no job on punch to move" in page
    assert 'value="Kept"' in page and '<option value="job_on" selected>' in page and "<details open>" in page
    assert not Punch.objects.filter(replaces__isnull=False).exists()
    response = client.post(url, {"action": "correct", "mode": "replace", "kind": "clock_in", "at": _local(morning)},
                           HTTP_HX_REQUEST="true")  # fmt: skip
    assert response.status_code == 200 and "New punch: Clock in" in response.content.decode()
    correction = Punch.objects.get(replaces__isnull=False)
    assert correction.replaces == clock_in and correction.kind == "clock_in" and correction.at == morning
    assert not Punch.objects.filter(replaces=clock_out).exists()
    audit = AuditEvent.objects.get(action="labor_flag.corrected")
    assert audit.data["replaces"] == clock_in.pk and audit.data["replaces_kind"] == "clock_in"
    assert f"moved the clock in punch {clock_in.pk} of 14:00" in audit.summary


def test_a_job_left_on_at_clock_out_can_have_its_clock_out_moved(plant, morning):
    from labor.punch_flags import flag_correct

    center = plant.station.work_center
    punch(plant.certified, "clock_in", morning, work_center=center)
    job_on = punch(plant.certified, "job_on", morning + H, work_center=center)
    clock_out = punch(plant.certified, "clock_out", morning + 8 * H, work_center=center)
    punches_validate(start=morning - H)
    flag = LaborFlag.objects.get(rule="job_open_at_clock_out", punch=job_on)
    correction = flag_correct(flag=flag, user=plant.supervisor.user, mode="replace", kind="clock_out",
                              at=morning + 9 * H)  # fmt: skip
    assert correction.replaces == clock_out and correction.kind == "clock_out"


@pytest.mark.parametrize("htmx", [True, False])
def test_an_over_long_note_is_refused_with_its_length_and_kept_whole(plant, morning, htmx):
    flag = raise_flag(plant, morning)
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    note = "Talked to him: the clock at door 3 was down from 05:50 to 06:20, maintenance confirmed. " * 6
    response = desk_client(plant.supervisor).post(
        f"/labor/flags/{flag.pk}/resolve/", {"action": "accept", "note": note}, **headers
    )
    page = response.content.decode()
    assert response.status_code == 422 and "note: 527 characters; 500 at most. Nothing was cut" in page
    start = page.index('name="note"')
    field = page[page.rindex("<", 0, start) : page.index(">", start) + 1]
    assert f'value="{note}"' in field and "maxlength" not in field and 'data-limit="500"' in field
    flag.refresh_from_db()
    assert flag.status == FlagStatus.OPEN

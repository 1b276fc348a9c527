from plexcopilot.models import AuditEvent, Employee
from tests.actors import make_employee


def test_it_sets_a_pin_from_the_admin_and_keeps_only_its_hash(plant, admin_client):
    employee = plant.certified
    url = f"/admin/plexcopilot/employee/{employee.pk}/change/"
    page = admin_client.get(url)
    assert (
        page.status_code == 200
        and b"new_pin" in page.content
        and employee.pin_hash.encode() not in page.content
    )
    data = {"user": employee.user_id, "badge_id": employee.badge_id, "first_name": "Test", "last_name": "X",
            "language": "en", "role": "operator", "shift": "A", "active": "on", "plex_employee_id": "",
            "new_pin": "12ab", "certifications-TOTAL_FORMS": "0", "certifications-INITIAL_FORMS": "0"}  # fmt: skip
    response = admin_client.post(url, data)
    assert response.status_code == 200 and b"A PIN is 4 to 12 digits" in response.content
    response = admin_client.post(url, {**data, "new_pin": "975310"})
    assert response.status_code == 302, response.content[:2000]
    employee = Employee.objects.get(pk=employee.pk)
    assert employee.check_pin("975310") and "975310" not in employee.pin_hash
    assert AuditEvent.objects.filter(action="employee.pin_set").exists()


def test_it_lists_the_labor_models_in_the_admin(plant, admin_client):
    make_employee("530001")
    assert admin_client.get("/admin/plexcopilot/employee/").status_code == 200
    for model in (
        "punch",
        "laborflag",
        "crewplan",
        "andoncall",
        "handover",
        "shift",
        "scheduledjob",
    ):
        assert admin_client.get(f"/admin/labor/{model}/").status_code == 200, model


def test_the_shift_list_says_the_plant_runs_on_the_built_in_pattern_until_shifts_are_defined(
    plant, admin_client
):
    """The demo's shift list read '0 shifts', and adding shift A to set its grace left the plant with shift A
    only (review finding): the page says so before anyone adds one."""
    page = admin_client.get("/admin/labor/shift/").content.decode()
    assert "the plant runs on the built-in pattern (A 06:00–14:00, B 14:00–22:00, C 22:00–06:00)" in page
    assert "Defining a shift replaces the whole pattern" in page
    from labor.models import Shift

    Shift.objects.create(code="A", name="Day", starts="06:00", ends="14:00")
    page = admin_client.get("/admin/labor/shift/").content.decode()
    assert "the plant runs on the built-in pattern" not in page
    assert (
        "No shift covers 14:00–06:00: the built-in pattern no longer applies" in page
    )  # walkthrough finding
    Shift.objects.create(code="C", name="Night", starts="22:00", ends="06:00")
    assert "No shift covers 14:00–22:00:" in admin_client.get("/admin/labor/shift/").content.decode()
    Shift.objects.create(code="B", name="Late", starts="14:00", ends="21:30")
    assert "No shift covers 21:30–22:00:" in admin_client.get("/admin/labor/shift/").content.decode()
    Shift.objects.filter(code="B").update(ends="22:00")
    assert "No shift covers" not in admin_client.get("/admin/labor/shift/").content.decode()


def test_labor_rates_and_shift_hours_out_of_range_are_refused_with_a_plain_message(admin_client):
    """A negative hourly rate saved in the admin ("OP2 (-5/h)", walkthrough finding) costs every job wrongly."""
    from labor_analytics.models import LaborGrade

    grade = LaborGrade.objects.create(code="OP2", name="Operator 2", hourly_rate="28.00")
    url = f"/admin/labor_analytics/laborgrade/{grade.pk}/change/"
    response = admin_client.post(
        url, {"code": "OP2", "name": "Operator 2", "hourly_rate": "-5", "plex_id": ""}
    )
    assert response.status_code == 200 and "A rate is more than 0 per hour." in response.content.decode()
    grade.refresh_from_db()
    assert str(grade.hourly_rate) == "28.00"
    shift = {"code": "A", "name": "Day", "starts": "06:00", "ends": "14:00", "grace_minutes": ""}
    response = admin_client.post("/admin/labor/shift/add/", {**shift, "paid_hours": "25"})
    assert response.status_code == 200 and "A shift pays at most 24 hours." in response.content.decode()

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

"""The employee grade's admin form (an autocomplete employee field) refuses an id no employee can have with the
form's own message: Django's autocomplete widget looked the posted value up to re-render it and raised (500)."""

from decimal import Decimal

import pytest

from labor_analytics.models import EmployeeGrade, LaborGrade


@pytest.mark.parametrize("employee", ["twelve", "bad\x00value", "99999999999999999999", "-1", "999999"])
def test_a_malformed_employee_id_is_refused_with_a_message(plant, admin_client, employee):
    grade = LaborGrade.objects.create(code="G1", name="Grade one", hourly_rate=Decimal("21.50"))
    record = EmployeeGrade.objects.create(employee=plant.certified, grade=grade)
    url = f"/admin/labor_analytics/employeegrade/{record.pk}/change/"
    response = admin_client.post(url, {"employee": employee, "grade": grade.pk})
    assert response.status_code == 200
    assert b"errorlist" in response.content  # "Select a valid choice", "Null characters are not allowed"
    assert EmployeeGrade.objects.get(pk=record.pk).employee_id == plant.certified.pk

"""The cost table names the crew size in words that read right: "1 person", "3 people" (walk finding P3)."""

from types import SimpleNamespace

from django.template.loader import render_to_string


def row(people: int) -> str:
    work_order = SimpleNamespace(
        number="WO-1", operation=SimpleNamespace(sequence=10, work_center=SimpleNamespace(code="WC"))
    )
    cost = SimpleNamespace(
        work_order=work_order, people=people, units=10, units_basis="reported", variance_pct=None
    )
    return render_to_string("labor_analytics/_cost_table.html", {"jobs": [cost]})


def test_one_person_and_three_people():
    assert "WC · 1 person<" in row(1)
    assert "WC · 3 people<" in row(3)

import pytest
from django.core.management import call_command

from labor.models import CrewPlan, EmployeeCertification, Handover, LaborFlag, Punch
from tests.conftest import AWKWARD


@pytest.mark.parametrize("plant_at", ["2026-03-10T12:00", *AWKWARD], indirect=True)
def test_it_shows_flags_a_crew_plan_and_a_handover_out_of_the_box(plant_at, demo_plant, capsys):
    call_command("load_demo_labor")
    assert "new_flags:" in capsys.readouterr().out
    rules = set(LaborFlag.objects.values_list("rule", flat=True))
    assert {"uncertified", "clock_out_before_in", "overlapping_jobs", "job_not_clocked_in",
            "labor_on_down_work_center", "late_in"} <= rules  # fmt: skip
    plan = CrewPlan.objects.get()
    assignments = list(plan.assignments.select_related("job__work_order__operation", "employee"))
    assert assignments, "the demo's crew plan has nobody on it"
    for a in assignments:  # each person placed holds a current, non-trainee certification for the job
        needed = a.job.work_order.operation.required_certification_id
        assert needed is None or EmployeeCertification.objects.filter(
            employee=a.employee, certification_type_id=needed, level__in=["certified", "expert"],
            valid_until__gte=plan.day,
        ).exists(), (a.employee, a.job.work_order)  # fmt: skip
    assert "Andon" in Handover.objects.get().text
    punches = Punch.objects.count()
    call_command("load_demo_labor")
    assert Punch.objects.count() == punches
    assert CrewPlan.objects.count() == 1 and Handover.objects.count() == 1

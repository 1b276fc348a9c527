"""Two drafts of one shift accepted at the same moment (two supervisors, two tabs): one crew plan stays accepted."""

import contextlib
import datetime
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from labor import crew_plans
from labor.models import CrewPlan, PlanStatus
from tests.actors import make_employee
from tests.threads import in_thread

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SQLite serialises every write anyway"
)


@pytest.mark.django_db(transaction=True)
def test_two_drafts_of_one_shift_accepted_at_once_leave_one_accepted(monkeypatch):
    day = datetime.date(2026, 3, 10)
    first, second = (
        CrewPlan.objects.create(day=day, shift="Z") for _ in range(2)
    )  # a shift with no rules to break
    user = make_employee("200291", role="supervisor").user
    first_audited, go_on = threading.Event(), threading.Event()
    audit = crew_plans.audit_record

    def audit_then_wait(**kwargs):  # the first acceptance is written, not committed yet
        event = audit(**kwargs)
        if kwargs["obj"].pk == first.pk:
            first_audited.set()
            go_on.wait(timeout=5)
        return event

    monkeypatch.setattr(crew_plans, "audit_record", audit_then_wait)
    with ThreadPoolExecutor(2) as pool:
        one = pool.submit(in_thread(lambda: crew_plans.crew_plan_accept(plan=first, user=user)))
        assert first_audited.wait(timeout=20)
        two = pool.submit(in_thread(lambda: crew_plans.crew_plan_accept(plan=second, user=user)))
        with contextlib.suppress(TimeoutError):  # it waits for the first acceptance to commit
            two.result(timeout=3)
        go_on.set()
        one.result(timeout=30), two.result(timeout=30)
    statuses = dict(CrewPlan.objects.values_list("pk", "status"))
    assert statuses == {first.pk: PlanStatus.DRAFT, second.pk: PlanStatus.ACCEPTED}

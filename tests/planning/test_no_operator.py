"""Work planned without an operator, seen by everyone it concerns: the operator-absence what-if counts it as a KPI
beside today's plan, ranks and explains it; releasing it needs an explicit acknowledgement (audited); the
board, the floor's dispatch list and the station's next-job list carry a NO OPERATOR badge with the
certification."""

from types import SimpleNamespace

import pytest
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse
from django.utils import translation

from instructions.models import WorkCenter
from planning import selectors
from planning.models import Plan, PlanStatus
from planning.release import plan_release, plan_release_system
from planning.templatetags.planning_tags import next_jobs
from planning.whatif import Trigger, kpi_rows, scenarios_generate, schedule_build
from plexcopilot.models import AuditEvent
from plexcopilot.signatures import SignatureRefused
from tests.actors import make_employee, one_operator_press

pytestmark = pytest.mark.django_db

ACKNOWLEDGED = "acknowledged 2 operation(s) without an operator (PRESS-X)"


@pytest.fixture
def absence(clock):
    """Ana Only, on the day shift, is the one person who holds PRESS-X; two press jobs need it. Today's plan
    (released v1) has her; then she is absent: three scenarios of the "operator absence" what-if."""
    ana = one_operator_press()
    today = schedule_build(time_limit=2)
    plan_release_system(plan=today, reason="test")
    trigger = Trigger(
        kind="absence", summary="Ana Only absent today (asked by Pat Novak)", absent_ids={ana.pk}
    )
    return SimpleNamespace(
        wc=WorkCenter.objects.get(code="PRS-X"),
        today=today,
        scenarios=scenarios_generate(trigger, time_limit=2),
    )


def _client(role: str, badge: str) -> Client:
    client = Client()
    client.force_login(make_employee(badge, role).user)
    return client


def test_it_counts_the_operations_without_an_operator_beside_todays_plan_and_says_why(absence):
    assert absence.today.kpis["no_operator"] == 0
    assert len(absence.scenarios) == 3
    for plan in absence.scenarios:
        assert plan.kpis["no_operator"] == 2 and plan.kpis["today"]["no_operator"] == 0
        assert kpi_rows(plan)[0] == {"label": "Operations without an operator", "value": 2, "today": 0}
        assert plan.slots.filter(no_operator=True).count() == 2
        first, second = plan.rationale.split(". ")[:2]
        assert first == "Ana Only absent today (asked by Pat Novak)"
        assert second == (
            "Without an operator: 2 operation(s) need PRESS-X and no one holding PRESS-X is on shift at any time "
            "of this plan (Ana Only holds it and is absent), so they cannot run as planned and the KPIs count "
            "them as if they could; staff them or move the work before releasing"
        ), plan.rationale


def test_releasing_it_needs_an_acknowledgement_that_goes_into_the_audit_trail(absence):
    planner = make_employee("810001", "planner")
    best = absence.scenarios[0]
    with pytest.raises(SignatureRefused, match="2 operation\\(s\\) in this plan have no operator"):
        plan_release(plan=best, user=planner.user, password="desk-pass-123")
    best.refresh_from_db()
    assert best.status == PlanStatus.DRAFT and selectors.plan_released().version == 1
    refused = AuditEvent.objects.filter(action="schedule.release_refused").latest("id")
    assert "no one holding PRESS-X is on shift" in refused.summary
    plan = plan_release(plan=best, user=planner.user, password="desk-pass-123", acknowledge_no_operator=True)
    assert plan.version == 2 and plan.status == PlanStatus.RELEASED
    audit = AuditEvent.objects.filter(action="schedule.release").latest("id")
    assert ACKNOWLEDGED in audit.summary
    assert audit.data["acknowledged_without_operator"] == {"PRESS-X": 2}


def test_the_release_form_asks_for_the_acknowledgement_and_refuses_without_it(absence):
    client = _client("planner", "820001")
    best = absence.scenarios[0]
    page = client.get(reverse("planning-scenario", args=[best.pk])).content.decode()
    assert 'data-testid="no-operator-warning"' in page and 'name="acknowledge_no_operator"' in page
    assert "Operations without an operator" in page
    sign = reverse("planning-scenario-sign", args=[best.pk])
    refused = client.post(sign, {"password": "desk-pass-123"})
    assert refused.status_code == 422
    body = refused.content.decode()
    assert 'data-testid="sign-error"' in body and "Tick the box to confirm" in body
    assert Plan.objects.get(pk=best.pk).status == PlanStatus.DRAFT
    assert selectors.plan_released().version == 1
    released = client.post(sign, {"password": "desk-pass-123", "acknowledge_no_operator": "on"})
    assert released.status_code == 302
    assert selectors.plan_released().pk == best.pk
    assert ACKNOWLEDGED in AuditEvent.objects.filter(action="schedule.release").latest("id").summary


def test_a_plan_with_its_operators_is_released_without_the_box(absence):
    client = _client("planner", "830001")
    question = scenarios_generate(Trigger(kind="question", summary="Planner's question"), time_limit=2)[0]
    assert question.kpis["no_operator"] == 0
    page = client.get(reverse("planning-scenario", args=[question.pk])).content.decode()
    assert "acknowledge_no_operator" not in page and "no-operator-warning" not in page
    sign = reverse("planning-scenario-sign", args=[question.pk])
    assert client.post(sign, {"password": "desk-pass-123"}).status_code == 302


def test_the_board_the_dispatch_list_and_the_station_show_the_badge_with_the_certification(absence):
    planner = make_employee("840001", "planner")
    plan_release(plan=absence.scenarios[0], user=planner.user, password="desk-pass-123",
                 acknowledge_no_operator=True)  # fmt: skip
    board = _client("planner", "840002").get(reverse("planning-board")).content.decode()
    assert 'data-testid="board-no-operator"' in board and ">NO OPERATOR</text>" in board
    floor = _client("operator", "840003").get(reverse("planning-dispatch", args=["PRS-X"])).content.decode()
    assert floor.count('data-testid="no-operator"') == 2
    assert floor.count("needs PRESS-X: no one holding it is on shift") == 2
    assert floor.count('class="no-operator"') == 2
    station = SimpleNamespace(work_center_id=absence.wc.pk)
    with translation.override("es"):
        tablet = render_to_string("planning/_next_jobs.html", next_jobs(station))
    assert tablet.count('data-testid="no-operator"') == 2
    assert "SIN OPERADOR" in tablet and "requiere PRESS-X: nadie que la tenga está en turno" in tablet


def test_the_dispatch_list_has_no_badge_when_the_operator_is_there(absence):
    floor = _client("operator", "850001").get(reverse("planning-dispatch", args=["PRS-X"])).content.decode()
    assert "J-1" in floor and "NO OPERATOR" not in floor


def test_a_recorded_absence_is_named_in_any_what_if_and_in_the_weekly_plan(clock):
    """Ana's absence is recorded (labor's absence list), not asked about: a Hold what-if on another question and
    the weekly plan still say who holds the missing certification and is away."""
    import datetime

    from django.utils import timezone

    from labor.models import Absence

    ana = one_operator_press()
    today = timezone.localdate()
    Absence.objects.create(employee=ana, first_day=today - datetime.timedelta(days=1),
                           last_day=today + datetime.timedelta(days=10))  # fmt: skip
    weekly = schedule_build(time_limit=2)
    assert "(Ana Only holds it and is absent)" in weekly.rationale, weekly.rationale
    start = timezone.now() + datetime.timedelta(hours=1)
    trigger = Trigger(kind="hold", summary="PRS-X on Hold for 2 h", work_center="PRS-X",
                      start=start, end=start + datetime.timedelta(hours=2))  # fmt: skip
    [first, *_] = scenarios_generate(trigger, time_limit=2)
    assert "no one holding PRESS-X is on shift" in first.rationale
    assert "(Ana Only holds it and is absent)" in first.rationale, first.rationale

"""Board, scenario, sign and dispatch pages by role."""

import pytest
from django.test import Client
from django.urls import reverse

from planning import selectors
from planning.models import Plan, PlanStatus
from tests.actors import make_employee

pytestmark = pytest.mark.django_db(transaction=True)


def _client(role: str, badge: str) -> Client:
    employee = make_employee(badge, role)
    client = Client()
    client.force_login(employee.user)
    return client


@pytest.mark.parametrize(("role", "status"), [("planner", 200), ("supervisor", 200), ("admin", 200),
                                              ("operator", 403), ("quality", 403)])  # fmt: skip
def test_board_by_role(demo_schedule, role, status):
    response = _client(role, "900001").get(reverse("planning-board"))
    assert response.status_code == status
    if status == 200:
        body = response.content.decode()
        assert 'data-testid="gantt"' in body and "now-line" in body and 'class="setup"' in body
        assert "downtime-pm" in body


def test_dispatch_list_for_every_signed_in_role(demo_schedule):
    for n, role in enumerate(["operator", "quality", "planner"]):
        response = _client(role, f"91000{n}").get(reverse("planning-dispatch", args=["WLD-PW2"]))
        assert response.status_code == 200 and b"DEMO-" in response.content
    assert Client().get(reverse("planning-dispatch", args=["WLD-PW2"])).status_code == 302
    assert _client("planner", "919999").get(reverse("planning-dispatch", args=["NOPE"])).status_code == 404


def test_whatif_then_sign_through_the_pages(demo_schedule, clock):
    client = _client("planner", "920001")
    wc = selectors.plan_released().slots.first().work_center
    response = client.post(reverse("planning-whatif"), {"kind": "hold", "work_center": wc.pk, "hours": "3"})
    assert response.status_code == 302
    drafts = list(Plan.objects.filter(status=PlanStatus.DRAFT).order_by("rank"))
    assert len(drafts) == 3
    page = client.get(reverse("planning-scenario", args=[drafts[0].pk]))
    assert page.status_code == 200 and b"Today's plan" in page.content
    bad = client.post(reverse("planning-scenario-sign", args=[drafts[0].pk]), {"password": "nope"})
    assert bad.status_code == 422 and b"Password not recognised" in bad.content
    ok = client.post(reverse("planning-scenario-sign", args=[drafts[0].pk]), {"password": "desk-pass-123"})
    assert ok.status_code == 302
    assert selectors.plan_released().pk == drafts[0].pk
    assert _client("operator", "920002").post(reverse("planning-whatif"), {"kind": "hold"}).status_code == 403


def test_whatif_form_errors_are_shown(demo_schedule):
    response = _client("planner", "930001").post(reverse("planning-whatif"), {"kind": "hold"})
    assert response.status_code == 422 and b"Choose the work center" in response.content

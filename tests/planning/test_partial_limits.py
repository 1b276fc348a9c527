"""When Hall's condition is only partly enforced (more certifications people share than `MAX_SHARED`, more sets
than `MAX_GROUPS`), the planner is told: in the plan's rationale, on the board and on the scenario page, and
it is logged."""

import datetime
import logging

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from instructions.models import Operation, Part, WorkCenter
from labor.models import EmployeeCertification
from planning import limits
from planning.models import PlanJob
from planning.problem import build_problem, plan_origin
from planning.release import plan_release_system
from planning.whatif import Trigger, scenarios_generate, schedule_build
from plexcopilot.models import CertificationType
from tests.actors import make_employee

pytestmark = pytest.mark.django_db


@pytest.fixture
def shared(clock):
    """One person on shift A holds PRESS-X and WELD-X; a press job and a weld job need one each."""
    person = make_employee("720001")
    person.shift = "A"
    person.save()
    for code in ("PRESS-X", "WELD-X"):
        cert = CertificationType.objects.create(code=code, name=code)
        EmployeeCertification.objects.create(
            employee=person, certification_type=cert, level="certified",
            valid_until=timezone.localdate() + datetime.timedelta(days=90),
        )  # fmt: skip
        wc = WorkCenter.objects.create(code=f"WC-{code}", name=code)
        part = Part.objects.create(number=f"P-{code}", revision="A", name=code)
        Operation.objects.create(
            part=part, sequence=10, name="Run", work_center=wc, required_certification=cert
        )
        PlanJob.objects.create(number=f"J-{code}", part=part, quantity=60,
                               due=timezone.now() + datetime.timedelta(days=3))  # fmt: skip


def test_within_the_caps_nothing_is_said(shared):
    problem, _ = build_problem(plan_origin())
    assert set(problem.operator_groups) == {("PRESS-X", "WELD-X")}
    assert problem.warnings == []
    plan = schedule_build(time_limit=2)
    assert plan.kpis["warnings"] == [] and "partly enforced" not in plan.rationale


def test_more_shared_certifications_than_checked_together_is_said_and_logged(shared, monkeypatch, caplog):
    monkeypatch.setattr(limits, "MAX_SHARED", 1)
    with caplog.at_level(logging.WARNING, logger="planning.limits"):
        problem, _ = build_problem(plan_origin())
    assert problem.operator_groups == {}
    sentence = (
        "Operator limits are only partly enforced: people hold 2 certifications in common, more than the 1 "
        "checked together, so WELD-X may be planned as if a person who holds one of them could also run a "
        "second operation at once. Check the crews for those certifications before releasing"
    )
    assert problem.warnings == [sentence]
    assert sentence in caplog.text
    plan = schedule_build(time_limit=2)
    assert plan.kpis["warnings"] == [sentence] and f"{sentence}." in plan.rationale
    plan_release_system(plan=plan, reason="test")
    planner = Client()
    planner.force_login(make_employee("820009", "planner").user)
    board = planner.get(reverse("planning-board")).content.decode()
    assert board.count('data-testid="plan-warning"') == 1 and "only partly enforced" in board
    for scenario in scenarios_generate(Trigger(kind="question", summary="Planner's question"), time_limit=1):
        assert f"{sentence}." in scenario.rationale
        page = planner.get(reverse("planning-scenario", args=[scenario.pk])).content.decode()
        assert 'data-testid="plan-warning"' in page


def test_more_sets_than_kept_is_said(shared, monkeypatch):
    monkeypatch.setattr(limits, "MAX_GROUPS", 0)
    problem, _ = build_problem(plan_origin())
    assert problem.operator_groups == {}
    assert problem.warnings == [
        "Operator limits are only partly enforced: 1 sets of certifications people share limit the plan, and "
        "only the 0 smallest are kept, so 1 (e.g. PRESS-X+WELD-X) may be planned as if a person could run two "
        "operations at once. Check those crews before releasing"
    ]

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


def _drafts() -> list[Plan]:
    """The newest open what-if's scenarios (other what-ifs' sets stay open beside it)."""
    newest = Plan.objects.filter(status=PlanStatus.DRAFT).order_by("-pk").first()
    if newest is None:
        return []
    return list(Plan.objects.filter(status=PlanStatus.DRAFT, trigger_key=newest.trigger_key).order_by("rank"))


def _ask(client: Client, **question: object) -> int:
    """Ask the board's what-if form; returns the response status."""
    return client.post(reverse("planning-whatif"), question).status_code


def _sign(client: Client, plan: Plan) -> int:
    return client.post(
        reverse("planning-scenario-sign", args=[plan.pk]), {"password": "desk-pass-123"}
    ).status_code


def test_a_planners_hold_is_an_assumption_of_its_scenarios_until_one_is_released(demo_schedule, clock):
    from planning.models import Downtime
    from plexcopilot.models import AuditEvent

    client = _client("planner", "940001")
    wc = selectors.plan_released().slots.first().work_center
    before = Downtime.objects.count()
    assert _ask(client, kind="hold", work_center=wc.pk, hours="3") == 302
    hold_drafts = _drafts()
    assert Downtime.objects.count() == before  # asked, not reported: nothing recorded yet
    window = hold_drafts[0].assumptions["downtime"][0]
    assert window["work_center"] == wc.code and window["kind"] == "hold"
    # another question does not inherit the first one's Hold
    absent = make_employee("940002", "operator", first="Absent")
    assert _ask(client, kind="absence", employee=absent.pk) == 302
    absence_drafts = _drafts()
    assert all(not p.assumptions for p in absence_drafts) and Downtime.objects.count() == before
    assert not any("on Hold" in p.rationale for p in absence_drafts)
    # ask the Hold again and release one of its scenarios: now the window is recorded, and the audit says so
    _ask(client, kind="hold", work_center=wc.pk, hours="3")
    best = _drafts()[0]
    assert _sign(client, best) == 302
    recorded = Downtime.objects.get(work_center=wc, note__contains="asked by Test 940001")
    assert recorded.kind == "hold" and recorded.start.isoformat() == best.assumptions["downtime"][0]["start"]
    release = AuditEvent.objects.filter(action="schedule.release").latest("pk")
    assert "what-if made real" in release.summary and release.data["assumptions"] == best.assumptions


def test_a_rush_order_asked_about_joins_the_plan_only_with_its_own_scenario(demo_schedule, clock):
    from instructions.models import Part
    from planning.models import PlanJob

    client = _client("planner", "950001")
    part = Part.objects.filter(operations__isnull=False).distinct().order_by("number").first()
    assert _ask(client, kind="rush", part=part.pk, quantity="40", due_hours="24") == 302
    rush = PlanJob.objects.get(number__startswith="RUSH-")
    assert not rush.open and all(p.slots.filter(job=rush).exists() for p in _drafts())
    # an absence question now: its scenarios leave the rush order out, and releasing one keeps it out
    absent = make_employee("950002", "operator", first="Absent")
    _ask(client, kind="absence", employee=absent.pk)
    absence = _drafts()[0]
    assert not absence.slots.filter(job=rush).exists()
    assert _sign(client, absence) == 302
    rush.refresh_from_db()
    assert not rush.open and not selectors.plan_released().slots.filter(job=rush).exists()
    # released with its own scenario, the rush order is a real job from then on
    _ask(client, kind="rush", part=part.pk, quantity="40", due_hours="24")
    second = PlanJob.objects.filter(number__startswith="RUSH-").exclude(pk=rush.pk).get()
    best = _drafts()[0]
    assert _sign(client, best) == 302
    second.refresh_from_db()
    assert second.open and selectors.plan_released().slots.filter(job=second).exists()


def test_a_material_shortage_asked_about_holds_its_jobs_back_only_in_its_own_scenarios(demo_schedule, clock):
    from django.utils import timezone

    from instructions.models import Part
    from planning.models import PlanJob
    from plexcopilot.models import AuditEvent

    client = _client("planner", "960001")
    part = Part.objects.get(number="HSG-3315")
    jobs = set(PlanJob.objects.filter(open=True, part=part).values_list("pk", flat=True))
    assert _ask(client, kind="shortage", short_part=part.pk, available_hours="30") == 302
    drafts = _drafts()
    assert len(drafts) == 3 and all("Material for HSG-3315 short until" in p.trigger for p in drafts)
    ready_at = timezone.now() + timezone.timedelta(hours=30)
    for plan in drafts:  # no operation of those jobs starts before the material would be there
        assert {m["job"] for m in plan.assumptions["material"]} == jobs
        first = plan.slots.filter(job__in=jobs).order_by("start").first()
        assert first.start >= ready_at - timezone.timedelta(minutes=1)
    assert not PlanJob.objects.filter(
        pk__in=jobs, material_ready_at__isnull=False
    ).exists()  # asked, not recorded
    # not inherited by another question's scenarios
    assert _ask(client, kind="absence", employee=make_employee("960002", "operator").pk) == 302
    assert all("material" not in p.assumptions for p in _drafts())
    # released with its own scenario, the jobs wait for the material from then on
    _ask(client, kind="shortage", short_part=part.pk, available_hours="30")
    best = _drafts()[0]
    assert _sign(client, best) == 302
    waiting = PlanJob.objects.filter(pk__in=jobs).values_list("material_ready_at", flat=True)
    assert all(at is not None and abs((at - ready_at).total_seconds()) < 120 for at in waiting)
    release = AuditEvent.objects.filter(action="schedule.release").latest("pk")
    assert "what-if made real" in release.summary and "material at" in release.summary


def test_a_material_shortage_question_names_what_is_missing(demo_schedule):
    from instructions.models import Part

    client = _client("planner", "961001")
    response = client.post(reverse("planning-whatif"), {"kind": "shortage", "available_hours": "4"})
    assert response.status_code == 422 and b"Choose the part whose material is short." in response.content
    idle = Part.objects.create(number="NOJOB-1", revision="A", name="No job planned")
    response = client.post(reverse("planning-whatif"), {"kind": "shortage", "short_part": idle.pk})
    body = response.content.decode()
    assert response.status_code == 422 and "Enter in how many hours the material would be there." in body
    response = client.post(reverse("planning-whatif"), {"kind": "shortage", "short_part": idle.pk,
                                                        "available_hours": "4"})  # fmt: skip
    assert response.status_code == 422 and "No open job of NOJOB-1 is planned" in response.content.decode()
    assert not Plan.objects.filter(status=PlanStatus.DRAFT).exists()


def test_signing_a_scenario_a_newer_whatif_replaced_says_why_and_what_to_do(demo_schedule, clock):
    """Finding P3-11: the second planner's what-if discarded the drafts the first one was reviewing; signing one
    said only that the scenario was discarded, not why or what to do. (Since P2-a only the same what-if asked
    again replaces a set: here the same work center's Hold, for longer.)"""
    import datetime
    import html

    from planning.release import plan_release
    from plexcopilot.signatures import SignatureRefused

    reviewer = make_employee("970001", "planner")
    first, second = Client(), _client("planner", "970002")
    first.force_login(reviewer.user)
    wc = selectors.plan_released().slots.first().work_center
    assert _ask(first, kind="hold", work_center=wc.pk, hours="3") == 302
    reviewed = _drafts()[0]
    clock.shift(datetime.timedelta(minutes=5))
    assert _ask(second, kind="hold", work_center=wc.pk, hours="5") == 302
    replaced = (
        f'This scenario was replaced by a newer what-if at Mon 00:25: "{wc.code} is on Hold from Mon 00:25 to Mon '
        '05:25 (asked by Test 970002)". Review the new scenarios on the schedule board.'
    )
    response = first.post(
        reverse("planning-scenario-sign", args=[reviewed.pk]), {"password": "desk-pass-123"}
    )
    assert response.status_code == 422 and replaced in html.unescape(response.content.decode())
    assert 'role="alert" tabindex="-1" autofocus data-testid="scenario-closed"' in response.content.decode()
    assert replaced in html.unescape(
        first.get(reverse("planning-scenario", args=[reviewed.pk])).content.decode()
    )
    # the service says the same, before it looks at the password (a refusal that costs no attempt)
    with pytest.raises(SignatureRefused, match="replaced by a newer what-if"):
        plan_release(plan=reviewed, user=reviewer.user, password="wrong")
    assert len(_drafts()) == 3 and selectors.plan_released().version == 1
    # once a scenario of the newer what-if is released, the old one says that instead
    assert _sign(second, _drafts()[0]) == 302
    page = html.unescape(first.get(reverse("planning-scenario", args=[reviewed.pk])).content.decode())
    assert "replaced by a newer what-if at Mon 00:25" in page and "Review the new scenarios" not in page
    assert "It was closed when v2 (" in page and "was released by Test 970002 at Mon 00:25" in page


def test_released_versions_name_the_signer(demo_schedule, clock):
    planner = make_employee("971001", "planner", first="Pat")
    client = Client()
    client.force_login(planner.user)
    wc = selectors.plan_released().slots.first().work_center
    _ask(client, kind="hold", work_center=wc.pk, hours="3")
    assert _sign(client, _drafts()[0]) == 302
    body = client.get(reverse("planning-board")).content.decode()
    assert "<td>Pat 971001</td>" in body and "<td>971001</td>" not in body
    assert "<td>demo loader</td>" in body  # v1, released by the demo loader, has no signer


def test_an_absence_whatif_reads_as_the_planners_question(demo_schedule, clock):
    client = _client("planner", "972001")
    absent = make_employee("972002", "operator", first="Hannah")
    assert _ask(client, kind="absence", employee=absent.pk) == 302
    asked = "Hannah 972002 absent today (asked by Test 972001)"
    assert all(p.trigger == asked and p.rationale.startswith(f"{asked}. ") for p in _drafts())

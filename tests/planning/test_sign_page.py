"""The scenario page and its sign form (plant walkthrough findings):
P2-d the page and the release's audit say where the job sequence goes — queued for Plex, or kept local while the
     Plex integration is off (it said "Plex gets the job sequence" and no outbox item was written);
P2-e a refused signature shows its error at the top of the sign form, focused, and keeps the badge typed (never the
     PIN or password); a refused what-if question names its errors at the top of the form;
P2-f badge and PIN have visible labels;
P2-b the scenario's Gantt draws the Hold its what-if assumes, labelled, on that work center's row."""

import datetime
import html
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from planning.models import Plan, PlanJob, PlanSlot, PlanStatus
from plex.models import OutboxItem
from plexcopilot.models import AuditEvent
from tests.actors import PIN, make_employee

pytestmark = pytest.mark.django_db


@pytest.fixture
def scenario(plant, clock):
    """A what-if scenario on the test plant's press, assuming the press is on Hold 04:49–12:49."""
    order = plant.work_order
    center = order.operation.work_center
    now = timezone.now()
    hold_start, hold_end = (
        now + datetime.timedelta(hours=4, minutes=29),
        now + datetime.timedelta(hours=12, minutes=29),
    )
    plan = Plan.objects.create(
        label="Repair in place", rank=1, origin=now, created_at=now, trigger_key="asked:wc:PRS-T1",
        trigger=f"{center.code} is on Hold from Mon 04:49 to Mon 12:49 (asked by Pat)",
        assumptions={"downtime": [{"work_center": center.code, "kind": "hold", "start": hold_start.isoformat(),
                                   "end": hold_end.isoformat(), "note": "asked by Pat"}]},
    )  # fmt: skip
    job = PlanJob.objects.create(
        number="JOB-A", part=order.part, quantity=5, due=now + datetime.timedelta(days=1)
    )
    start = now + datetime.timedelta(hours=13)
    PlanSlot.objects.create(plan=plan, job=job, operation=order.operation, work_center=center, setup_start=start,
                            start=start, end=start + datetime.timedelta(minutes=50))  # fmt: skip
    client = Client()
    client.force_login(make_employee("990001", "planner", first="Pat").user)
    return plan, client


def _page(client: Client, plan: Plan) -> str:
    return html.unescape(client.get(reverse("planning-scenario", args=[plan.pk])).content.decode())


def _sign(client: Client, plan: Plan, **data: str):
    return client.post(reverse("planning-scenario-sign", args=[plan.pk]), data)


def test_with_the_plex_integration_off_the_sequence_is_kept_local_and_says_so(scenario, settings):
    settings.PLEX_BASE_URL = ""
    plan, client = scenario
    page = _page(client, plan)
    assert "The Plex integration is off, so the job sequence is kept local: nothing is sent to Plex." in page
    assert "Plex gets the job sequence" not in page
    assert _sign(client, plan, password="desk-pass-123").status_code == 302
    assert not OutboxItem.objects.exists()
    event = AuditEvent.objects.get(action="schedule.release")
    assert event.summary.endswith("; job sequence kept local: the Plex integration is off")
    assert event.data["plex"] is False


def test_with_the_plex_integration_on_the_sequence_is_queued_and_says_so(
    scenario, settings, django_capture_on_commit_callbacks
):
    settings.PLEX_BASE_URL = "http://127.0.0.1:9/"
    plan, client = scenario
    assert "each job's sequence is queued for Plex (one write-back per job" in _page(client, plan)
    with django_capture_on_commit_callbacks(execute=True):
        assert _sign(client, plan, password="desk-pass-123").status_code == 302
    assert OutboxItem.objects.filter(kind="schedule_sequence").count() == 1
    summary = AuditEvent.objects.get(action="schedule.release").summary
    assert summary.endswith("; job sequence queued for Plex (one write-back per job)")


def test_a_refused_signature_is_shown_at_the_top_of_the_sign_form_and_keeps_the_badge(scenario):
    plan, client = scenario
    response = _sign(client, plan, badge="990001", pin="0000")
    body = response.content.decode()
    assert response.status_code == 422
    form = re.search(r'<form method="post" action="([^"]*/sign/[^"]*)"[^>]*>(.*?)</form>', body, re.S)
    assert form.group(1) == reverse(
        "planning-scenario-sign", args=[plan.pk]
    )  # no #fragment: it stops autofocus
    error = re.search(r"<p [^>]*data-testid=\"sign-error\"[^>]*>", form.group(2)).group(0)
    assert "autofocus" in error and 'tabindex="-1"' in error and 'role="alert"' in error
    assert form.group(2).index('data-testid="sign-error"') < form.group(2).index('name="password"')
    assert re.search(r'<input name="badge" value="990001"', body)  # the badge typed is kept
    assert PIN not in body and 'value="0000"' not in body  # the PIN never comes back
    assert Plan.objects.get(pk=plan.pk).status == PlanStatus.DRAFT


def test_badge_and_pin_have_visible_labels(scenario):
    plan, client = scenario
    page = _page(client, plan)
    assert re.search(r"<label>Badge <input name=\"badge\"", page)
    assert re.search(r"<label>PIN <input type=\"password\" name=\"pin\"", page)
    assert 'aria-label="Badge"' not in page and 'aria-label="PIN"' not in page


def test_a_refused_what_if_names_its_errors_at_the_top_of_the_form(scenario):
    _plan, client = scenario
    response = client.post(reverse("planning-whatif"), {"kind": "hold", "hours": "3"})
    body = html.unescape(response.content.decode())
    assert response.status_code == 422
    form = re.search(
        r'<form method="post" action="([^"]*)"[^>]*data-testid="whatif-form"[^>]*>(.*?)</form>', body, re.S
    )
    assert form.group(1) == reverse("planning-whatif")
    summary = re.search(r'<div [^>]*data-testid="whatif-error"[^>]*>(.*?)</div>', form.group(2), re.S)
    assert "autofocus" in summary.group(
        0
    ) and "Choose the work center that would be on Hold or down." in summary.group(1)
    assert form.group(2).index('data-testid="whatif-error"') < form.group(2).index('name="kind"')


def test_the_scenario_gantt_draws_the_hold_its_what_if_assumes(scenario):
    plan, client = scenario
    page = _page(client, plan)
    blocks = re.findall(r'<rect class="downtime downtime-hold assumed"[^>]*>(.*?)</rect>', page)
    assert len(blocks) == 1
    assert "Assumed by this what-if: Work center on Hold Mon 09 04:49–Mon 09 12:49" in blocks[0]
    assert "HOLD (what-if) 04:49–12:49</text>" in page
    # released, the window is the plant's (recorded on release): it is not drawn twice as an assumption
    assert _sign(client, plan, password="desk-pass-123").status_code == 302
    page = _page(client, plan)
    assert "downtime-hold assumed" not in page and page.count('class="downtime downtime-hold"') == 1

"""The supervisor's journey in a real browser, against a real ASGI server (daphne) so websockets work.

Queue → diff with evidence → a wrong password changes nothing → signature → the station that has
the old version open shows the reload banner within 5 s → new work opens the new version →
`verify_audit` passes, and fails on a tampered copy of the database.
"""

import os

import pytest
from django.core.management import call_command

from instructions.models import ChangeProposal, ProposalStatus, Signature, WorkInstruction, WorkOrder
from instructions.proposals import proposal_draft
from plexcopilot.models import AuditEvent, Employee
from quality.models import DefectReport
from tests.plexcopilot.test_verify_audit_command import verify_copies

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_supervisor_signs_a_change_and_the_station_gets_it(demo_plant, asgi_server, tablet, desk, screenshot,
                                                            tmp_path):  # fmt: skip
    instruction = WorkInstruction.objects.get(part__number="BRK-2040", operation__sequence=10)
    v1 = instruction.current_version
    inspect = v1.steps.get(title="Inspect pilots, punches and slug chutes")
    defect = DefectReport.objects.filter(
        part__number="BRK-2040", description__contains="Pierce punch"
    ).first()
    proposal = proposal_draft(
        instruction=instruction, base_version=v1, source="quality_engineer",
        edits=[{"op": "change", "key": inspect.key, "fields": {
            "text": inspect.text + " Replace any chipped pierce punch before the first hit.",
            "caution": "A chipped punch leaves a burr that cuts the belt webbing.",
        }}],
        rationale="Chipped pierce punch caused burrs on 14 pcs after a coil change.",
        evidence=[defect], proposed_by=Employee.objects.get(badge_id="300301").user,
    )  # fmt: skip
    first = WorkOrder.objects.get(barcode="WO-24123-10")
    WorkOrder.objects.create(number="WO-24130", barcode="WO-24130-10", part=first.part, operation=first.operation,
                             quantity=500)  # fmt: skip

    # The station has the instruction open on v1.
    station = tablet
    station.goto(f"{asgi_server}/station/ST-PRS-400/")
    station.get_by_test_id("badge").fill("100107")
    station.get_by_test_id("pin").fill("3870")
    station.get_by_role("button", name="Sign in").click()
    station.get_by_test_id("scan").fill("WO-24123-10")
    with station.expect_websocket(predicate=lambda ws: "/ws/instructions/" in ws.url):
        station.get_by_test_id("scan").press("Enter")
    station.wait_for_url("**/station/run/**/1/")
    assert "Version 1" in station.locator(".strip-head").inner_text()
    assert not station.get_by_test_id("reload-banner").is_visible()

    # The supervisor signs in at a desk and opens the queue from the dashboard.
    page = desk
    page.goto(f"{asgi_server}/accounts/login/")
    page.locator("input[name=username]").fill("200201")
    page.locator("input[name=password]").fill("northfield-demo")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("link", name="Approval queue").first.click()
    row = page.get_by_test_id("queue").locator("tr", has_text="Stamp and pierce")
    assert "Quality engineer" in row.inner_text()
    screenshot(page, "supervisor-queue")
    row.get_by_role("link", name="Review").click()

    # The diff: the changed step side by side, the untouched ones collapsed, the evidence listed.
    changed = page.locator('.diff-step[data-status="changed"]')
    assert changed.count() == 1
    assert "Replace any chipped pierce punch" in " ".join(changed.locator(".diff-new ins").all_inner_texts())
    assert "Pierce punch found chipped" in page.locator(".evidence-list").first.inner_text()
    screenshot(page, "supervisor-proposal-diff")

    # A wrong password: a clear message, nothing signed, the refusal logged.
    page.get_by_test_id("sign-password").fill("not-my-password")
    page.get_by_test_id("sign").click()
    assert "Password not recognised" in page.get_by_test_id("sign-error").inner_text()
    assert not Signature.objects.exists()
    assert ChangeProposal.objects.get(pk=proposal.pk).status == ProposalStatus.PENDING
    assert AuditEvent.objects.filter(action="signature.refused", object_id=str(proposal.pk)).exists()
    screenshot(page, "supervisor-sign-refused")

    page.get_by_test_id("sign-password").fill("northfield-demo")
    page.get_by_test_id("sign").click()
    page.get_by_text("Approved and published as v2").wait_for()
    assert "APPROVED AND PUBLISHED" in page.get_by_test_id("proposal-status").inner_text()
    assert "Rosa Delgado" in page.get_by_test_id("signatures").inner_text()
    screenshot(page, "supervisor-approved")

    # The station with v1 open shows the reload banner within 5 seconds.
    banner = station.get_by_test_id("reload-banner")
    banner.wait_for(timeout=5_000)
    assert "Version 2 of this instruction is now released" in banner.inner_text()
    screenshot(station, "station-reload-banner")
    station.get_by_test_id("reload-banner-go").click()
    station.get_by_test_id("scan").fill("WO-24130-10")
    station.get_by_test_id("scan").press("Enter")
    station.wait_for_url("**/station/run/**/1/")
    assert "Version 2" in station.locator(".strip-head").inner_text()
    station.locator(".strip-step[title^='Inspect pilots']").click()
    station.locator("h1", has_text="Inspect pilots").wait_for()
    assert (
        "Replace any chipped pierce punch before the first hit." in station.locator(".step-text").inner_text()
    )
    screenshot(station, "station-new-version")

    # History answers who, when, why and who approved.
    page.goto(f"{asgi_server}/governance/instructions/{instruction.pk}/history/")
    history = page.get_by_test_id("history").inner_text()
    assert "Rosa Delgado (supervisor) — Approved for release" in history and "IN EFFECT" in history
    screenshot(page, "supervisor-history")

    # The audit trail holds, and a tampered copy of the database is caught.
    call_command("verify_audit")
    if not os.environ.get("DATABASE_URL"):
        approval = AuditEvent.objects.get(action="proposal.approve", object_id=str(proposal.pk))
        intact, tampered = verify_copies(tmp_path, approval.pk)
        assert intact.returncode == 0 and tampered.returncode == 1
        assert f"event {approval.pk} was altered" in tampered.stderr

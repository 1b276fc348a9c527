"""After a supervisor signs a change proposal, the outcome is on screen where they look, the sign form is gone,
and a second press of Sign says who already signed and when instead of signing twice."""

import pytest

from instructions.models import Signature, WorkInstruction
from instructions.proposals import proposal_draft
from plexcopilot.models import Employee
from tests.browser.station_checks import LANDSCAPE, desk_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

IN_VIEW = (
    """e => { const r = e.getBoundingClientRect(); return r.top >= 0 && r.bottom <= window.innerHeight; }"""
)


def test_after_signing_the_outcome_is_in_view_and_the_sign_form_is_gone(demo_plant, live_server, browser,
                                                                         screenshot):  # fmt: skip
    instruction = WorkInstruction.objects.get(part__number="BRK-2040", operation__sequence=10)
    v1 = instruction.current_version
    step = v1.steps.filter(safety_critical=True).first()
    proposal = proposal_draft(
        instruction=instruction, base_version=v1, source="quality_engineer",
        edits=[{"op": "change", "key": step.key, "fields": {"caution": "Never reach past the light curtain."}}],
        rationale="Near miss at the curtain.", evidence=[],
        proposed_by=Employee.objects.get(badge_id="300301").user,
    )  # fmt: skip
    assert proposal.is_safety_critical  # a supervisor's signature alone does not release it

    page = desk_page(browser, live_server.url, "200201", LANDSCAPE)
    page.goto(f"{live_server.url}/governance/proposals/{proposal.pk}/")
    left_open = page.context.new_page()  # the same proposal in a second tab, its sign form still there
    left_open.goto(f"{live_server.url}/governance/proposals/{proposal.pk}/")
    page.get_by_test_id("sign-password").fill("northfield-demo")
    page.evaluate("() => window.scrollTo(0, document.body.scrollHeight)")  # the signer is down at the form
    page.get_by_test_id("sign").click()
    outcome = page.get_by_text("Signature recorded. Still needed")
    outcome.wait_for()
    page.wait_for_load_state("networkidle")
    screenshot(page, "supervisor-signed-safety-critical")
    assert outcome.evaluate(IN_VIEW), page.evaluate("() => [window.scrollY, window.innerHeight]")
    assert page.get_by_test_id("sign").count() == 0  # no second signature offered
    signed = page.get_by_test_id("signed-by-you")
    assert "You signed this proposal" in signed.inner_text()  # where the form was
    assert Signature.objects.filter(proposal=proposal).count() == 1

    # The tab left open: Sign again answers who signed and when, on screen, and signs nothing.
    left_open.get_by_test_id("sign-password").fill("northfield-demo")
    left_open.evaluate("() => window.scrollTo(0, document.body.scrollHeight)")
    left_open.get_by_test_id("sign").click()
    again = left_open.get_by_text("Already signed by Rosa Delgado at")
    again.wait_for()
    left_open.wait_for_load_state("networkidle")
    assert again.evaluate(IN_VIEW) and left_open.get_by_test_id("sign").count() == 0
    assert Signature.objects.filter(proposal=proposal).count() == 1

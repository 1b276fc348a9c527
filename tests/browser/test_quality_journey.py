"""The quality engineer's journey in a real browser: a defect from the floor becomes an NCR whose triage
draft fills in while the page is open, the engineer accepts and edits it, contains the NCR and reads the trends."""

import pytest
from playwright.sync_api import expect

from quality.models import NCR, TriageDecision
from tests.quality.conftest import HISTORY, run_worker
from tests.quality.test_ncr_triage import report_defect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_quality_engineer_journey(live_server, browser, screenshot):
    from instructions.demo import demo_plant_load
    from quality.ncr_import import ncr_history_import

    demo_plant_load()
    with HISTORY.open(encoding="utf-8", newline="") as handle:
        ncr_history_import(lines=handle, actor=None, create_codes=True)
    defect = report_defect(
        "WO-24117-20", 11, "Weld nut spun at 44 N·m during proof torque, projections not fused"
    )
    ncr = NCR.objects.get(defect=defect)

    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", "300301")
    page.fill("input[name=password]", "northfield-demo")
    page.get_by_role("button", name="Sign in").click()
    page.click("text=Quality: NCRs and trends")
    expect(page.locator("h1")).to_have_text("Quality: NCR queue")
    row = page.locator("tr", has_text=ncr.number)
    expect(row).to_contain_text("drafting…")
    row.get_by_role("link", name=ncr.number).click()
    expect(page.locator("#triage-pending")).to_be_visible()

    run_worker()  # the background worker picks the draft up while the page is open
    expect(page.locator("#triage")).to_contain_text("Most similar past NCRs", timeout=10_000)
    expect(page.locator("#triage-category")).to_contain_text("weld")
    weld = page.locator("#triage-category .candidates > li", has=page.locator("strong", has_text="weld"))
    weld.get_by_role("button", name="Accept").click()  # any drafted candidate can be accepted
    expect(page.locator("#triage-category .decision")).to_contain_text("Accepted: weld")
    page.locator("#triage-root_cause input[list=root-cause-codes]").fill("MAINT-EQUIP")
    page.locator("#triage-root_cause").get_by_role("button", name="Save edit").click()
    expect(page.locator("#triage-root_cause .decision")).to_contain_text("Edited: MAINT-EQUIP")
    screenshot(page, "quality-ncr-triage")

    page.fill("textarea[name=containment]", "Quarantined WO-24117-20 totes; 100% proof torque")
    page.get_by_role("button", name="Save and mark “Contained”").click()
    expect(page.locator(".lifecycle .is-current")).to_have_text("Contained")
    assert TriageDecision.objects.filter(draft__ncr=ncr).count() == 2

    page.get_by_role("link", name="NCR queue").click()
    expect(page.locator("tr", has_text=ncr.number)).to_contain_text("Contained")
    screenshot(page, "quality-queue")

    page.click("text=Defect trends")
    page.select_option("select[name=part]", label="BRK-2040 — Seat-belt anchor bracket")
    expect(page.locator("#defect-trend rect").first).to_be_attached()
    expect(page.locator("h2").first).to_contain_text("BRK-2040")
    screenshot(page, "quality-trends")
    context.close()

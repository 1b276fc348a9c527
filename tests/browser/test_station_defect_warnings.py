"""A step with several recent defects on the part: one summary line, the rest a tap away, and the step's own
instruction still on the first screen of a 10-inch tablet in both orientations."""

import datetime

import pytest
from django.utils import timezone

from instructions.models import AdaptationLog, Step, WorkOrder
from plexcopilot.models import Employee
from quality.models import DefectReport
from tests.browser.station_checks import LANDSCAPE, PORTRAIT, assert_actions_on_screen, station_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DEFECTS = [  # (hours ago, category, quantity, description): the first is the newest
    (5, "dimensional", 14, "Clamp bolt 3 found at 150 N·m after the first hit; die shifted 0.4 mm."),
    (30, "dimensional", 8, "Hole position off by 0.3 mm on 8 pcs after the die was re-clamped."),
    (80, "surface", 22, "Scratches along the flange on 22 pcs; a clamp bolt head rubbed the strip."),
    (200, "dimensional", 5, "Bend angle 91.5° on 5 pcs; clamp bolts 5 and 6 under torque."),
]


def defects_on_torque_step() -> Step:
    """Four recent defects on BRK-2040 at the die-clamp torque step (step 4 of WO-24123-10)."""
    work_order = WorkOrder.objects.get(barcode="WO-24123-10")
    step = Step.objects.filter(
        version__instruction__part=work_order.part,
        version__instruction__operation=work_order.operation,
        order=4,
    ).latest("version__number")
    reporter = Employee.objects.get(badge_id="100101")
    for hours, category, quantity, description in DEFECTS:
        DefectReport.objects.create(
            part=work_order.part, operation=work_order.operation, version=step.version, step=step,
            step_key=step.key, reported_by=reporter, category=category, quantity=quantity,
            description=description, created_at=timezone.now() - datetime.timedelta(hours=hours),
        )  # fmt: skip
    return step


def open_step_4(browser, url: str, viewport):
    page = station_page(browser, url, viewport)  # Dwayne Porter, trainee: every caution and "why" expanded
    page.get_by_test_id("scan").fill("WO-24123-10")
    page.get_by_test_id("scan").press("Enter")
    page.wait_for_url("**/station/run/**/1/")
    page.goto(page.url.rsplit("/", 2)[0] + "/4/")
    return page


@pytest.mark.parametrize("orientation", ["landscape", "portrait"])
def test_several_recent_defects_leave_the_instruction_on_the_first_screen(
    live_server, demo_plant, browser, screenshot, orientation
):
    from instructions.models import Station
    from labor.punches import clock_in

    defects_on_torque_step()
    # Clocked in and on the job, as at work: the "not clocked in" row has its own layout test (test_station_layout).
    clock_in(employee=Employee.objects.get(badge_id="100107"), station=Station.objects.get(code="ST-PRS-400"),
             work_order=WorkOrder.objects.get(barcode="WO-24123-10"))  # fmt: skip
    page = open_step_4(browser, live_server.url, LANDSCAPE if orientation == "landscape" else PORTRAIT)

    summary = page.get_by_test_id("defects-summary")
    assert "4 recent defects on this step" in summary.inner_text()
    assert "Clamp bolt 3 found at 150 N·m" in summary.inner_text()  # the newest one, named
    older = page.locator(".defects details")
    assert older.count() == 1 and older.get_attribute("open") is None
    assert not page.get_by_text("Bend angle 91.5°").is_visible()

    found = page.evaluate(
        """() => {
            const r = document.querySelector('.step-text').getBoundingClientRect();
            return {top: r.top, barTop: document.querySelector('.actionbar').getBoundingClientRect().top,
                    stripBottom: document.querySelector('.strip').getBoundingClientRect().bottom,
                    scrolled: window.scrollY + document.getElementById('step-panel').scrollTop};
        }"""
    )
    screenshot(page, f"station-{orientation}-several-defects")
    assert found["scrolled"] == 0
    # Its first line is on screen: below the strip, and above the action bar by at least a line of text.
    assert found["stripBottom"] <= found["top"] <= found["barTop"] - 32, found

    toggle = page.locator(".defects details > summary")
    box = toggle.bounding_box()
    assert box["height"] >= 44 and box["width"] >= 44, box
    toggle.click()
    assert page.get_by_text("Bend angle 91.5°").is_visible()  # not capped: the whole list is a tap away
    assert_actions_on_screen(page)

    # The adaptation log still names every defect warned about, for the step.
    rule = next(r for r in AdaptationLog.objects.latest("at").rules if r["rule"] == "recent_defects")
    assert 4 in rule["steps"] and len(rule["defects"]) >= len(DEFECTS)

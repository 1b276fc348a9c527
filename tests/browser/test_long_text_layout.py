"""Long unbroken text typed by people (a rejection reason, an Andon note, a scanned barcode) wraps inside its box:
no page becomes wider than the screen. And a double-click on Reject sends one request, as Sign does."""

import pytest

from instructions.models import (
    ChangeProposal,
    ProposalStatus,
    Station,
    UnclearFlag,
    WorkInstruction,
    WorkOrder,
)
from instructions.proposals import proposal_draft
from labor.andon import andon_raise
from plexcopilot.models import Employee
from tests.browser.station_checks import LANDSCAPE, PORTRAIT, desk_page, station_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PAGE_WIDTH = "() => [document.documentElement.scrollWidth, window.innerWidth]"


def assert_fits(page) -> None:
    width, viewport = page.evaluate(PAGE_WIDTH)
    assert width <= viewport, f"the page is {width} px wide on a {viewport} px screen"


@pytest.mark.parametrize("viewport", [LANDSCAPE, PORTRAIT], ids=["landscape", "portrait"])
def test_a_double_clicked_reject_with_a_long_reason_sends_once_and_fits(
    live_server, demo_plant, browser, viewport
):
    instruction = WorkInstruction.objects.get(part__number="BRK-2040", operation__sequence=10)
    v1 = instruction.current_version
    step = v1.steps.order_by("order").first()
    proposal = proposal_draft(
        instruction=instruction, base_version=v1, source="quality_engineer",
        edits=[{"op": "change", "key": step.key, "fields": {"text": step.text + " Check twice."}}],
        rationale="Test.", evidence=[], proposed_by=Employee.objects.get(badge_id="300301").user,
    )  # fmt: skip
    page = desk_page(browser, live_server.url, "200201", viewport)
    page.goto(f"{live_server.url}/governance/proposals/{proposal.pk}/")
    posts = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" and "reject" in r.url else None)
    page.locator("details.reject summary").click()
    page.locator("textarea[name=reason]").fill("W" * 1000)
    page.get_by_test_id("reject").dblclick()
    # Wait for the outcome the person sees (htmx posts, then follows HX-Redirect to the detail page): the page's
    # load state was reached before the click, so waiting for it alone raced the server on a busy machine (CI).
    page.get_by_text("Proposal rejected; the reason is recorded.").wait_for(timeout=30_000)
    page.wait_for_load_state("networkidle")
    assert len(posts) == 1, posts
    assert ChangeProposal.objects.get(pk=proposal.pk).status == ProposalStatus.REJECTED
    page.reload()
    assert "W" * 100 in page.content()
    assert_fits(page)


def test_a_long_andon_note_keeps_the_board_on_screen(live_server, demo_plant, browser):
    station = Station.objects.get(code="ST-PRS-400")
    andon_raise(station=station, employee=Employee.objects.get(badge_id="100107"), category="maintenance",
                note="N" * 500)  # fmt: skip
    page = desk_page(browser, live_server.url, "200201", LANDSCAPE)
    page.goto(f"{live_server.url}/labor/andon/")
    assert "N" * 100 in page.content()
    assert_fits(page)
    # The board is swapped in again live when its websocket connects: measure the row that is there then.
    page.wait_for_load_state("networkidle")
    actions = None
    for _ in range(50):
        actions = page.locator(".andon-actions").first.bounding_box()
        if actions is not None:
            break
        page.wait_for_timeout(100)
    assert_fits(page)
    assert actions is not None and actions["x"] + actions["width"] <= LANDSCAPE["width"]
    # Only the free text breaks inside words: the urgency tag and "Waiting" stay whole ("Norma l", "Waitin g").
    split = page.evaluate("""() => [...document.querySelectorAll(
        '.andon-table .tag, .andon-table td[data-label="State"] strong')].filter(e => e.textContent.trim())
        .map(e => { const r = document.createRange(); r.selectNodeContents(e);
                    const tops = new Set([...r.getClientRects()].map(x => Math.round(x.top)));
                    return [e.textContent.trim(), tops.size]; })
        .filter(([, lines]) => lines > 1)""")
    assert split == [], split


@pytest.mark.parametrize("viewport", [LANDSCAPE, PORTRAIT], ids=["landscape", "portrait"])
def test_a_long_unclear_step_comment_keeps_the_floor_overview_on_screen(
    live_server, demo_plant, browser, viewport
):
    """A walkthrough found the supervisor's floor overview scrolling sideways under a 1,000-character comment."""
    instruction = WorkInstruction.objects.get(part__number="BRK-2040", operation__sequence=10)
    version = instruction.current_version
    UnclearFlag.objects.create(
        version=version, step=version.steps.order_by("order").first(),
        work_order=WorkOrder.objects.first(),
        raised_by=Employee.objects.get(badge_id="100107"), comment="C" * 1000,
    )  # fmt: skip
    page = desk_page(browser, live_server.url, "200201", viewport)
    page.goto(f"{live_server.url}/")
    assert "C" * 100 in page.content()
    assert_fits(page)


@pytest.mark.parametrize("viewport", [LANDSCAPE, PORTRAIT], ids=["landscape", "portrait"])
def test_a_long_scan_error_fits_the_station(live_server, demo_plant, browser, viewport):
    page = station_page(browser, live_server.url, viewport)
    page.get_by_test_id("scan").fill("X" * 5000)
    page.get_by_test_id("scan").press("Enter")
    page.locator(".alert-error").wait_for()
    assert_fits(page)

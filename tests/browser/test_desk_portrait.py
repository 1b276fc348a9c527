"""The desk pages on a portrait 10-inch tablet (800x1280): no sideways page scroll, every action button on screen."""

import pytest

from tests.browser.station_checks import LANDSCAPE, PORTRAIT, desk_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SUPERVISOR, QUALITY = "200201", "300301"

# Who opens which desk page, and the controls on it that must be reachable without scrolling sideways.
PAGES = [
    (SUPERVISOR, "/governance/queue/", ["[data-testid=queue] a.btn", "form.filters button"]),
    (
        SUPERVISOR,
        "/labor/andon/",
        ["[data-testid=acknowledge]", "[data-testid=resolve]", "input[name=resolution]"],
    ),
    (SUPERVISOR, "/audit/", ["[data-testid=verify-chain]", "main form button"]),
    (SUPERVISOR, "/labor/flags/", ["[data-testid=flag] button", "[data-testid=flag] summary"]),
    (QUALITY, "/copilot/library/", ["#library-table button"]),
]

# What sticks out past the viewport, named for the failure message.
OVERFLOWING = """() => [...document.querySelectorAll('body *')]
  .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
  .slice(0, 5).map(e => `${e.tagName}.${e.className} right=${Math.round(e.getBoundingClientRect().right)}`)"""

# The width a select needs to show its longest choice whole: a copy of it at its natural width.
SELECT_WIDTHS = """s => { const copy = s.cloneNode(true); copy.style.width = 'auto'; copy.style.flex = 'none';
  copy.style.display = 'inline-block'; s.parentNode.append(copy); const needed = copy.offsetWidth; copy.remove();
  return [s.offsetWidth, needed]; }"""


@pytest.fixture
def desk_demo(demo_plant, settings, tmp_path):
    """The demo's desk data: pending proposals, Andon calls, punch flags, the knowledge library, their audit trail."""
    from copilot.library_files import library_ingest_paths
    from labor.demo import labor_demo_load
    from quality.demo_proposals import demo_proposals_load

    settings.COPILOT_CHROMA_DIR = tmp_path / "chroma"
    settings.CHROMA_URL = ""
    demo_proposals_load()
    labor_demo_load()
    library_ingest_paths(paths=[settings.BASE_DIR / "demo" / "library"])


def test_every_desk_page_fits_a_portrait_tablet(desk_demo, live_server, browser, screenshot):
    pages = {badge: desk_page(browser, live_server.url, badge, PORTRAIT) for badge in (SUPERVISOR, QUALITY)}
    for badge, path, controls in PAGES:
        page = pages[badge]
        page.goto(f"{live_server.url}{path}")
        screenshot(page, "desk-portrait-" + path.strip("/").replace("/", "-"))
        scroll, client = page.evaluate(
            "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
        )
        assert scroll <= client, (path, scroll, client, page.evaluate(OVERFLOWING))
        for selector in controls:
            found = page.locator(selector).locator("visible=true")
            assert found.count(), (path, selector)  # the demo data fills the table
            for box in (found.nth(i).bounding_box() for i in range(found.count())):
                assert box and box["x"] >= 0 and box["x"] + box["width"] <= client, (path, selector, box)
                assert box["height"] >= 44, (path, selector, box)  # still a touch target


def test_the_approval_queue_status_filter_shows_its_whole_choice(desk_demo, live_server, browser, screenshot):
    page = desk_page(browser, live_server.url, SUPERVISOR, LANDSCAPE)
    page.goto(f"{live_server.url}/governance/queue/")
    screenshot(page, "desk-landscape-governance-queue")
    shown, needed = page.locator("select[name=status]").evaluate(SELECT_WIDTHS)  # "Pending approval" whole
    assert shown >= needed, (shown, needed)


@pytest.mark.parametrize("viewport", [PORTRAIT, LANDSCAPE], ids=["portrait", "landscape"])
def test_the_crew_plan_operator_choice_shows_whole_names(
    desk_demo, live_server, browser, screenshot, viewport
):
    page = desk_page(browser, live_server.url, SUPERVISOR, viewport)
    page.goto(f"{live_server.url}/labor/crew/")
    screenshot(page, f"desk-crew-{viewport['width']}x{viewport['height']}")
    choices = page.locator("[data-testid=crew-row] select")
    assert page.locator("[data-testid=crew-row] select[name=employee]").count()  # the demo plan is a draft
    client = page.evaluate("() => document.documentElement.clientWidth")
    for i in range(choices.count()):
        select = choices.nth(i)
        shown, needed = select.evaluate(SELECT_WIDTHS)
        assert shown >= needed, (select.get_attribute("aria-label"), shown, needed)
        box = select.bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= client and box["height"] >= 44, box
    assert page.evaluate("() => document.documentElement.scrollWidth") <= client, page.evaluate(OVERFLOWING)


# The rendered height of the Gantt's smallest texts: a job's number on its bar and the LATE / NO OPERATOR badges.
GANTT_TEXT_HEIGHTS = """() => [...document.querySelectorAll('svg.gantt text')]
  .map(t => [t.textContent, t.getBoundingClientRect().height])"""


def test_the_schedule_board_reads_on_a_portrait_tablet(demo_plant, live_server, browser, screenshot):
    """The Gantt keeps its texts at a readable size on an 800 px tablet (it scrolls sideways in its own box)
    instead of shrinking the whole week into the page width (day, work center and badge texts at 6-8 px)."""
    from planning.demo import PLANNER_BADGE, demo_schedule_load

    demo_schedule_load(time_limit=3)
    page = desk_page(browser, live_server.url, PLANNER_BADGE, PORTRAIT)
    page.goto(f"{live_server.url}/planning/")
    screenshot(page, "desk-portrait-planning-board")
    heights = page.evaluate(GANTT_TEXT_HEIGHTS)
    assert any(text == "PRS-400" for text, _ in heights), heights  # the work centers
    smallest = min(heights, key=lambda pair: pair[1])
    assert smallest[1] >= 12, smallest
    client = page.evaluate("() => document.documentElement.clientWidth")
    assert page.evaluate("() => document.documentElement.scrollWidth") <= client, page.evaluate(OVERFLOWING)
    box = page.locator("[data-testid=gantt]").bounding_box()
    assert box and box["width"] > client  # the week is wider than the tablet: its box scrolls, not the page


# Every control a desk user touches on a page: buttons, button links, choices, fields and disclosure toggles.
SMALL_CONTROLS = """() => [...document.querySelectorAll(`main button, main a.btn, main .back a, main select, main textarea, main summary,
    main input:not([type=hidden]):not([type=checkbox]):not([type=radio])`)]
  .filter(e => e.offsetParent).map(e => [e.tagName, (e.innerText || e.name || '').trim().slice(0, 40),
    Math.round(e.getBoundingClientRect().height)]).filter(([, , height]) => height < 44)"""


def test_every_control_and_disclosure_of_the_desk_pages_is_a_touch_target(desk_demo, live_server, browser):
    """A "Sign with badge and PIN instead", a version's step list or the hand-over's drafted items open from a
    summary line: it was 25 px high, a miss for a gloved finger (found by a probe over every desk page)."""
    from instructions.models import ChangeProposal, WorkInstruction

    instruction = WorkInstruction.objects.order_by("pk").first()
    proposal = ChangeProposal.objects.filter(status="pending").order_by("pk").first()
    assert instruction and proposal
    page = desk_page(browser, live_server.url, SUPERVISOR, PORTRAIT)
    summaries = 0
    for path in (
        f"/governance/instructions/{instruction.pk}/history/",
        f"/governance/proposals/{proposal.pk}/",
        "/labor/handover/",
        "/labor/crew/",
        "/labor/andon/",
        "/labor/flags/",
    ):
        page.goto(f"{live_server.url}{path}")
        summaries += page.locator("main summary").count()
        assert page.evaluate(SMALL_CONTROLS) == [], path
    assert summaries >= 3  # the pages above have their disclosures


def test_the_certification_matrix_keeps_each_row_named_when_it_scrolls_sideways(
    demo_plant, live_server, browser
):
    """Six certifications are wider than an 800 px tablet: the matrix scrolls in its box, and the names column
    stays where it is, so a cell far right is never read without its person (it scrolled away before)."""
    page = desk_page(browser, live_server.url, SUPERVISOR, PORTRAIT)
    page.goto(f"{live_server.url}/labor/certifications/")
    client = page.evaluate("() => document.documentElement.clientWidth")
    assert page.evaluate("() => document.documentElement.scrollWidth") <= client, page.evaluate(OVERFLOWING)
    name, last_code = page.locator(".matrix tbody th[scope=row]").first, page.locator(".matrix thead th").last
    before = name.bounding_box()
    page.locator(".matrix").evaluate("t => { t.closest('.scroll-x').scrollLeft = 10000; }")
    after, code = name.bounding_box(), last_code.bounding_box()
    assert before and after and code and abs(after["x"] - before["x"]) < 1, (before, after)
    assert code["x"] + code["width"] <= client  # the last certification came into view beside the names
    assert code["x"] >= after["x"] + after["width"]

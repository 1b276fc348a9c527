"""axe-core on the station screens: no serious or critical violations."""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def serious(page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [
        f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def test_station_screens_have_no_serious_or_critical_violations(live_server, demo_plant, tablet):
    page = tablet
    found = {}
    page.goto(f"{live_server.url}/station/ST-PRS-400/")
    found["signin"] = serious(page)
    page.get_by_test_id("badge").fill("100105")  # Marcus: expired, so the gate is on screen too
    page.get_by_test_id("pin").fill("2248")
    page.get_by_test_id("pin").press("Enter")
    page.get_by_test_id("scan").wait_for()
    found["home"] = serious(page)
    page.goto(f"{live_server.url}/labor/station/")
    found["labor"] = serious(page)
    page.goto(f"{live_server.url}/station/home/")
    page.get_by_test_id("scan").fill("WO-24123-10")
    page.get_by_test_id("scan").press("Enter")
    page.wait_for_url("**/station/run/**/1/")
    found["step"] = serious(page)
    page.goto(page.url.rsplit("/", 2)[0] + "/4/")
    found["gate-and-measure"] = serious(page)
    page.get_by_test_id("defect").click()
    found["defect-sheet"] = serious(page)
    assert {name: v for name, v in found.items() if v} == {}

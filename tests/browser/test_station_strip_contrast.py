"""The red defect sign on the step strip's markers is readable (WCAG AA) on every kind of marker, the dark-blue
current one too."""

import pytest

from tests.browser.station_checks import LANDSCAPE
from tests.browser.test_station_defect_warnings import defects_on_torque_step, open_step_4

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def luminance(rgb: tuple[float, float, float]) -> float:
    def channel(c: float) -> float:
        c /= 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(one, two) -> float:
    high, low = sorted((luminance(one), luminance(two)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_the_defect_sign_on_the_step_markers_meets_wcag_aa(live_server, demo_plant, browser):
    from axe_playwright_python.sync_playwright import Axe

    defects_on_torque_step()
    page = open_step_4(browser, live_server.url, LANDSCAPE)
    page.get_by_test_id("done").wait_for()
    # The sign is a glyph the size of small text: held to 4.5:1 against what is right behind it, on every
    # kind of marker (the current one is dark blue, a done one green).
    colours = page.evaluate(
        """() => [...document.querySelectorAll('.strip-step.has-defects')].map(a => {
            const sign = getComputedStyle(a, '::after');
            const own = sign.backgroundColor;
            const rgb = (c) => c.match(/[\\d.]+/g).slice(0, 4).map(Number);
            const back = rgb(own).length === 4 && rgb(own)[3] === 0 ? getComputedStyle(a).backgroundColor : own;
            return {current: a.classList.contains('is-current'), content: sign.content,
                    sign: rgb(sign.color).slice(0, 3), back: rgb(back).slice(0, 3)};
        })"""
    )
    assert any(c["current"] for c in colours), colours
    for c in colours:
        assert "⚠" in c["content"]
        assert contrast(c["sign"], c["back"]) >= 4.5, c
    results = Axe().run(page, options={"runOnly": ["color-contrast"]})
    assert results.response["violations"] == [], results.response["violations"]

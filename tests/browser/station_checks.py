"""What every station screen must hold to: the actions on screen without scrolling, glove-sized and apart."""

MIN_TARGET = 48
MIN_GAP = 8

LANDSCAPE = {"width": 1280, "height": 800}
PORTRAIT = {"width": 800, "height": 1280}


def tablet_page(browser, viewport: dict):
    """A new touch-screen page of the given size (English, 15 s timeouts)."""
    context = browser.new_context(viewport=viewport, has_touch=True, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(15_000)
    return page


def desk_page(browser, server: str, badge: str, viewport: dict):
    """A desk user of the demo plant signed in through the desk form."""
    page = tablet_page(browser, viewport)
    page.goto(f"{server}/accounts/login/")
    page.locator("input[name=username]").fill(badge)
    page.locator("input[name=password]").fill("northfield-demo")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    return page


def station_page(browser, server: str, viewport: dict, *, station: str = "ST-PRS-400", badge: str = "100107",
                 pin: str = "3870"):  # fmt: skip
    """An operator of the demo plant (Dwayne Porter by default) signed in at a station tablet, on its home page."""
    page = tablet_page(browser, viewport)
    page.goto(f"{server}/station/{station}/")
    page.get_by_test_id("badge").fill(badge)
    page.get_by_test_id("pin").fill(pin)
    page.get_by_test_id("pin").press("Enter")
    page.wait_for_url("**/station/home/")
    return page


def assert_actions_on_screen(page) -> None:
    """Every button of the action bar (a measured step's Record too) lies inside the viewport without scrolling,
    is >= 48 px and >= 8 px apart."""
    boxes = page.evaluate(
        """() => {
            const bar = document.querySelector('.actionbar');
            if (!bar) return null;
            return [...bar.querySelectorAll('.btn')].filter(b => b.offsetParent).map(b => {
                const r = b.getBoundingClientRect();
                return {name: b.innerText.trim(), x: r.x, y: r.y, w: r.width, h: r.height};
            });
        }"""
    )
    assert boxes, "no action bar on this screen"
    viewport = page.viewport_size
    assert page.evaluate("() => window.scrollY") == 0
    for box in boxes:
        assert box["w"] >= MIN_TARGET and box["h"] >= MIN_TARGET, f"{box['name']} is {box['w']}x{box['h']}"
        assert box["y"] >= 0 and box["y"] + box["h"] <= viewport["height"], f"{box['name']} is off screen"
        assert box["x"] >= 0 and box["x"] + box["w"] <= viewport["width"], f"{box['name']} is off screen"
    ordered = sorted(boxes, key=lambda b: b["x"])
    for left, right in zip(ordered, ordered[1:], strict=False):
        if abs(left["y"] - right["y"]) < MIN_TARGET:
            assert right["x"] - (left["x"] + left["w"]) >= MIN_GAP, (
                f"{left['name']} and {right['name']} touch"
            )


def assert_current_step_in_strip(page) -> None:
    box = page.locator(".strip-step.is-current").bounding_box()
    strip = page.locator(".strip-steps").bounding_box()
    assert box is not None and strip is not None
    assert box["x"] >= strip["x"] - 1 and box["x"] + box["width"] <= strip["x"] + strip["width"] + 1


def assert_reading_on_screen(page) -> None:
    """A measured step's reading field is whole on the first screen (not under the action bar, nothing scrolled:
    neither the page nor the step panel), glove-sized, and focused, so a wedge gauge's digits and Enter land in it.
    The spec it is checked against is on screen too."""
    found = page.evaluate(
        """() => {
            const field = document.querySelector('[data-testid=measure]');
            if (!field) return null;
            const box = (el) => { const r = el.getBoundingClientRect(); return {x: r.x, y: r.y, w: r.width, h: r.height}; };
            const panel = document.getElementById('step-panel');
            const spec = document.querySelector('[data-testid=reading-spec]');
            const bar = document.querySelector('.actionbar');
            return {
                // a field in the step panel must end above the sticky bar, one in the bar just on screen
                bottom: bar && !bar.contains(field) ? bar.getBoundingClientRect().top : window.innerHeight,
                field: box(field), spec: spec && box(spec), strip: box(document.querySelector('.strip')),
                pageScroll: window.scrollY, panelScroll: panel ? panel.scrollTop : 0,
                focused: document.activeElement === field,
                covered: (() => {  // what is drawn at the field's centre: the field itself, or something over it
                    const r = field.getBoundingClientRect();
                    const top = document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2);
                    return !(top === field || field.contains(top) || (field.labels[0] && field.labels[0].contains(top)));
                })(),
            };
        }"""
    )
    assert found, "no reading field on this step"
    viewport = page.viewport_size
    assert found["pageScroll"] == 0 and found["panelScroll"] == 0, "the screen was scrolled"
    for name in ("field", "spec"):
        box = found[name]
        assert box, f"no {name} on screen"
        assert box["y"] >= found["strip"]["y"] + found["strip"]["h"] and box["y"] + box["h"] <= min(
            found["bottom"], viewport["height"]
        ), f"the reading {name} is off screen: {box} in {viewport}"
        assert box["x"] >= 0 and box["x"] + box["w"] <= viewport["width"], (
            f"the reading {name} is off screen: {box}"
        )
    assert found["field"]["h"] >= MIN_TARGET and found["field"]["w"] >= 4 * MIN_TARGET, (
        f"small field {found['field']}"
    )
    assert not found["covered"], "something covers the reading field"
    assert found["focused"], "the reading field is not focused: a wedge gauge would type into nothing"

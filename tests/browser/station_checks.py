"""What every station screen must hold to: the actions on screen without scrolling, glove-sized and apart."""

MIN_TARGET = 48
MIN_GAP = 8

LANDSCAPE = {"width": 1280, "height": 800}
PORTRAIT = {"width": 800, "height": 1280}


def assert_actions_on_screen(page) -> None:
    """Every button of the action bar lies inside the viewport without scrolling, is >= 48 px and >= 8 px apart."""
    boxes = page.evaluate(
        """() => {
            const bar = document.querySelector('.actionbar');
            if (!bar) return null;
            return [...bar.querySelectorAll('.bar-buttons .btn')].filter(b => b.offsetParent).map(b => {
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

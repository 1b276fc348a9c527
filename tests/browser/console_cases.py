"""Pages that misbehave, for tests/browser/test_console_fixture.py, which runs this file in a pytest of its own
(it is not collected by the suite: the name does not start with test_). Each case serves its page through a
route, so no server or database is needed."""

import pytest

pytestmark = pytest.mark.browser

ORIGIN = "http://console.probe"


def serve(page, html: str, scripts: dict[str, str] | None = None) -> None:
    scripts = scripts or {}

    def answer(route):
        path = route.request.url.removeprefix(ORIGIN)
        if path == "/":
            route.fulfill(status=200, content_type="text/html", body=html)
        elif path in scripts:
            route.fulfill(status=200, content_type="text/javascript", body=scripts[path])
        else:
            route.fulfill(status=404, content_type="text/plain", body="not found")

    page.route(f"{ORIGIN}/**", answer)
    page.goto(f"{ORIGIN}/")


def test_a_page_that_logs_an_error(browser):
    page = browser.new_page()
    serve(page, "<!doctype html><title>x</title><script>console.error('boom from the page')</script>")


def test_a_page_that_throws(browser):
    page = browser.new_page()
    serve(page, "<!doctype html><title>x</title><script>null.nothing()</script>")


def test_a_page_that_loads_a_script_twice(browser):
    page = browser.new_page()
    scripts = {
        "/ext/ws.min.js": "window.loaded = (window.loaded || 0) + 1",
        "/ext/ws.js": "window.loaded += 1",
    }
    serve(
        page,
        '<!doctype html><title>x</title><script src="/ext/ws.min.js"></script><script src="/ext/ws.js"></script>',
        scripts,
    )


def test_a_page_whose_resource_is_missing(browser):
    page = browser.new_page()
    serve(page, '<!doctype html><title>x</title><img src="/missing.png" alt="">')


def test_an_error_logged_after_the_last_step_of_the_test(browser):
    page = browser.new_page()
    serve(page, "<!doctype html><title>x</title><script>setTimeout(() => console.error('late'), 50)</script>")


def test_an_error_the_test_provokes_on_purpose(browser, console):
    console.expect(r"boom on purpose")
    page = browser.new_page()
    serve(page, "<!doctype html><title>x</title><script>console.error('boom on purpose')</script>")


def test_a_form_answered_with_422_and_shown(browser):
    """The app's deliberate answers (a form re-rendered with its message) are not errors; a 403 is."""
    page = browser.new_page()
    serve(page, "<!doctype html><title>x</title>")
    page.route(f"{ORIGIN}/form", lambda route: route.fulfill(status=422, body="<p>needed</p>"))
    assert page.evaluate("() => fetch('/form').then((r) => r.status)") == 422


def test_a_forbidden_fetch(browser):
    page = browser.new_page()
    serve(page, "<!doctype html><title>x</title>")
    page.route(f"{ORIGIN}/photo", lambda route: route.fulfill(status=403, body="no"))
    assert page.evaluate("() => fetch('/photo').then((r) => r.status)") == 403


def test_a_clean_page(browser):
    page = browser.new_page()
    serve(
        page, "<!doctype html><title>x</title><script>console.log('fine'); console.warn('fine too')</script>"
    )
    assert page.title() == "x"

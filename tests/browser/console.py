"""Every browser test fails on a console error or an uncaught page error, on any page it opened.

`browser` (conftest) hands out a `ConsoleBrowser`: every context it makes reports its pages' console messages of
type "error" (htmx's own errors such as `htmx:oobErrorNoTarget`, failed resource loads, refused websocket
handshakes) and their uncaught exceptions to one `ConsoleLog` per test. A script the page loads twice (by the same
file name, minified or not: the websocket extension included once by the base template and again by a fragment)
is reported as a console error by a small init script, on full loads and on htmx swaps alike.

After the test body passes, the hook in conftest lets the pages settle, then fails the test with what was
logged. A test that provokes an error on purpose says so with `console.expect(pattern)`. The app's deliberate
401/409/422 answers, which Chromium logs as failed loads, are not errors (see ANSWERED).
"""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass, field
from typing import Any

SETTLE_MS = 150
# Chromium logs every 4xx answer as "Failed to load resource". These three are answers the app gives on purpose
# and the page shows: 401 the sign-in page with "Badge or PIN not recognised", 422 a form re-rendered with its
# message, 409 a conflict page (hand-off, version switch). Any other 4xx/5xx (403, 404, 500 …) stays an error.
ANSWERED = re.compile(
    r"^console\.error: Failed to load resource: the server responded with a status of (401|409|422) "
)

# Runs in every page before its own scripts: a second script with the same file name is an error.
DUPLICATE_SCRIPTS = """
(() => {
  const seen = new Map();
  const name = (src) => {
    try { return new URL(src, location.href).pathname.replace(/\\.min\\.js$/, ".js"); } catch (e) { return src; }
  };
  const check = (script) => {
    if (!script.src) return;
    const key = name(script.src);
    if (seen.has(key) && seen.get(key) !== script) console.error("script loaded twice on one page: " + key);
    else seen.set(key, script);
  };
  new MutationObserver((records) => records.forEach((record) => record.addedNodes.forEach((node) => {
    if (node.tagName === "SCRIPT") check(node);
    else if (node.querySelectorAll) node.querySelectorAll("script[src]").forEach(check);
  }))).observe(document, { childList: true, subtree: true });
})();
"""


@dataclass
class ConsoleLog:
    """What the pages of one test said at error level, and the patterns the test expects."""

    errors: list[str] = field(default_factory=list)
    expected: list[re.Pattern[str]] = field(default_factory=list)
    reported: int = 0

    def expect(self, pattern: str) -> None:
        """Errors matching `pattern` (a regular expression, searched) are part of what the test provokes."""
        self.expected.append(re.compile(pattern))

    def on_console(self, message: Any) -> None:
        if message.type == "error":
            where = message.location.get("url", "") if isinstance(message.location, dict) else ""
            self.errors.append(f"console.error: {message.text}" + (f"  [{where}]" if where else ""))

    def on_page_error(self, error: Any) -> None:
        self.errors.append(f"page error: {error}")

    def on_web_error(self, web_error: Any) -> None:
        self.on_page_error(web_error.error)

    def unexpected(self) -> list[str]:
        return [
            e for e in self.errors if not ANSWERED.search(e) and not any(p.search(e) for p in self.expected)
        ]

    def new_problems(self) -> list[str]:
        """Unexpected errors not yet reported (the call phase reports first, teardown whatever came later)."""
        problems = self.unexpected()
        fresh, self.reported = problems[self.reported :], len(problems)
        return fresh

    def watch(self, context: Any) -> Any:
        context.add_init_script(DUPLICATE_SCRIPTS)
        context.on("console", self.on_console)
        context.on("weberror", self.on_web_error)
        return context


class ConsoleBrowser:
    """A Playwright Browser whose contexts (and the pages they open) report to a ConsoleLog."""

    def __init__(self, browser: Any, log: ConsoleLog) -> None:
        self._browser = browser
        self.console = log
        self.contexts: list[Any] = []

    def new_context(self, **options: Any) -> Any:
        context = self.console.watch(self._browser.new_context(**options))
        self.contexts.append(context)
        return context

    def new_page(self, **options: Any) -> Any:
        return self.new_context(**options).new_page()

    def settle(self) -> None:
        """Give every open page a moment and a round trip, so what it logged has reached the test."""
        for context in self.contexts:
            for page in list(getattr(context, "pages", [])):
                # A closed or navigating page has nothing more to say.
                with contextlib.suppress(Exception):
                    page.evaluate(f"() => new Promise((done) => setTimeout(done, {SETTLE_MS}))")

    def __getattr__(self, name: str) -> Any:
        return getattr(self._browser, name)


def failure(problems: list[str]) -> str:
    return "the browser console was not clean:\n  " + "\n  ".join(problems)

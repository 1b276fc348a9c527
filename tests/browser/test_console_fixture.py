"""The console check is real: a pytest of its own runs pages that misbehave (tests/browser/console_cases.py)
through the same `browser` fixture, and every case that logs an error, throws, loads a script twice or misses a
resource fails, while a clean page and an error the test expects pass."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent.parent


def test_the_browser_fixture_fails_a_test_on_any_console_error(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "PYTEST_ADDOPTS")}
    env["DATABASE_TEST_NAME"] = str(tmp_path / "console-cases.sqlite3")  # never the outer run's test database
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "tests/browser/console_cases.py", "-p", "no:cacheprovider",
         "--no-migrations", "-q", "-rA"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    outcomes = {
        name: outcome for outcome, name in re.findall(r"^(PASSED|FAILED|ERROR) \S+::(\w+)", run.stdout, re.M)
    }
    assert outcomes == {
        "test_a_page_that_logs_an_error": "FAILED",
        "test_a_page_that_throws": "FAILED",
        "test_a_page_that_loads_a_script_twice": "FAILED",
        "test_a_page_whose_resource_is_missing": "FAILED",
        "test_an_error_logged_after_the_last_step_of_the_test": "FAILED",
        "test_an_error_the_test_provokes_on_purpose": "PASSED",
        "test_a_form_answered_with_422_and_shown": "PASSED",
        "test_a_forbidden_fetch": "FAILED",
        "test_a_clean_page": "PASSED",
    }, run.stdout[-4000:] + run.stderr[-2000:]
    assert "console.error: boom from the page" in run.stdout
    assert "page error:" in run.stdout and "nothing" in run.stdout
    assert "script loaded twice on one page: /ext/ws.js" in run.stdout
    assert "status of 404" in run.stdout and "status of 403" in run.stdout and "late" in run.stdout

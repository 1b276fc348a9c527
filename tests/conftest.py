"""Shared actors and isolation for the whole suite."""

import datetime
import os
import zoneinfo

# Importing plexcopilot.asgi must not start the copilot warm-up thread in tests (tests/copilot/test_warmup.py
# calls it directly).
os.environ.setdefault("COPILOT_WARM_AT_START", "0")

import pytest  # noqa: E402
import time_machine  # noqa: E402
from django.core.cache import cache  # noqa: E402
from hypothesis import HealthCheck  # noqa: E402
from hypothesis import settings as hypothesis_settings  # noqa: E402

from tests.actors import Plant, build_plant  # noqa: E402

# Property tests judge behaviour, not speed: on a shared CI machine a slow example is not a failure.
hypothesis_settings.register_profile(
    "plexcopilot", deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
hypothesis_settings.load_profile("plexcopilot")

PLANT_TIME_ZONE = "America/Detroit"  # settings.TIME_ZONE's default; read before Django is set up


def pytest_addoption(parser):
    parser.addoption(
        "--plant-now",
        metavar="YYYY-MM-DDTHH:MM",
        help="run the whole session at this plant-local instant (the clock keeps ticking from there), "
        "e.g. 2026-03-09T00:05 for a Monday just after midnight the day after the spring DST change",
    )


def plant_instant(value: str) -> datetime.datetime:
    """A naive ISO date-time read in the plant's time zone (PLANT_TIME_ZONE env, like settings)."""
    import os

    zone = zoneinfo.ZoneInfo(os.environ.get("PLANT_TIME_ZONE", PLANT_TIME_ZONE))
    instant = datetime.datetime.fromisoformat(value)
    return instant if instant.tzinfo else instant.replace(tzinfo=zone)


def pytest_configure(config):
    value = config.getoption("--plant-now")
    if value:
        traveller = time_machine.travel(plant_instant(value), tick=True)
        traveller.start()
        config._plant_now_traveller = traveller


def pytest_unconfigure(config):
    traveller = getattr(config, "_plant_now_traveller", None)
    if traveller is not None:
        traveller.stop()


def pytest_report_header(config):
    value = config.getoption("--plant-now")
    if value:
        return f"plant clock: {plant_instant(value).isoformat()} (time-machine, ticking)"
    return None


# Plant-local instants where date arithmetic breaks: a Monday just after midnight (the day after the spring
# DST change, so "yesterday" was 23 hours long), the ambiguous hour of the autumn change, a month's last minutes.
AWKWARD = ["2026-03-09T00:05", "2026-11-01T01:30", "2026-03-31T23:55"]


@pytest.fixture
def plant_at(request):
    """Travel (time-machine, ticking) to the plant-local instant in request.param; list it before the
    fixtures that read the clock: `@pytest.mark.parametrize("plant_at", AWKWARD, indirect=True)`."""
    with time_machine.travel(plant_instant(request.param), tick=True):
        yield plant_instant(request.param)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    """A browser test (the `browser` fixture, tests/browser/console.py) whose body passed fails here if its
    pages logged an error, after letting them settle; one that failed gets what they logged in its report."""
    try:
        result = yield
    except BaseException:
        log = getattr(item, "browser_console", None)
        if log is not None and (problems := log.new_problems()):
            item.add_report_section("call", "browser console", "\n".join(problems))
        raise
    browser = getattr(item, "console_browser", None)
    if browser is not None:
        from tests.browser.console import failure

        browser.settle()
        if problems := browser.console.new_problems():
            pytest.fail(failure(problems), pytrace=False)
    return result


@pytest.fixture(autouse=True)
def _isolated(settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.AUDIT_HMAC_KEY = "test-audit-key"
    # django-axes stays on, as in production (a signature's password check once failed only with it on): sign in
    # with tests.actors.desk_login or force_login, since Client.login() passes axes no request.
    settings.AUDIT_CHECKPOINT_FILE = tmp_path / "audit-checkpoints.log"
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _taxonomy_after_flush(request):
    """The shipped defect categories and root-cause codes are rows a migration seeds. A transactional test
    (live server, browser, websockets) ends with a flush that removes them for every later test, and the
    taxonomy's per-process label cache cannot see a flush: put the seed back and drop the cache."""
    transactional = {"transactional_db", "live_server"} & set(request.fixturenames)
    if transactional:
        request.getfixturevalue(sorted(transactional)[0])
        from quality.models import SEED_CATEGORIES, SEED_ROOT_CAUSES, DefectCategory, RootCauseCode

        for code, label in SEED_CATEGORIES.items():
            DefectCategory.objects.get_or_create(code=code, defaults={"label": str(label), "source": "seed"})
        for code, text in SEED_ROOT_CAUSES.items():
            RootCauseCode.objects.get_or_create(code=code, defaults={"description": text, "source": "seed"})
    from quality import taxonomy

    taxonomy.forget()
    yield
    taxonomy.forget()


@pytest.fixture
def plant(db) -> Plant:
    """A small plant built for tests: one press station, one instruction with a torque check and a safety step."""
    return build_plant()


@pytest.fixture
def demo_plant(db):
    from instructions.demo import demo_plant_load

    return demo_plant_load()


@pytest.fixture(scope="session", autouse=True)
def _close_connection_pools(django_db_setup, django_db_blocker):
    """With PostgreSQL's connection pool the pooled connections must go before the test database is dropped."""
    yield
    from django.db import connections

    with django_db_blocker.unblock():
        for conn in connections.all(initialized_only=True):
            if hasattr(conn, "close_pool"):
                conn.close_pool()

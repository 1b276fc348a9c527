"""No module of an app grows past ~400 lines: a module holds one concept (issue 18).

`models.py` files are the exception the house style allows (one app's schema reads best in one place), listed
with their limit so they do not drift. LONG may only shrink: the test fails on a listed module that is back under
the limit (delete the line).
"""

from pathlib import Path

from tests.plexcopilot.test_app_dependencies import ALLOWED

ROOT = Path(__file__).resolve().parents[2]
LIMIT = 420  # "~400": a docstring more does not force a split

#: module -> its ceiling, with why it is longer than LIMIT.
LONG: dict[str, int] = {
    "instructions/models.py": 650,  # the instruction schema: versions, steps, checks, executions, proposals
}


def _lines(path: Path) -> int:
    return len(path.read_text(encoding="utf-8").splitlines())


def _modules() -> dict[str, int]:
    found = {}
    for app in ALLOWED:
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            found[path.relative_to(ROOT).as_posix()] = _lines(path)
    return found


def test_no_app_module_is_longer_than_the_limit():
    too_long = {name: n for name, n in _modules().items() if n > LONG.get(name, LIMIT)}
    assert not too_long, f"split these by concept (lines): {too_long}"


def test_the_list_of_long_modules_only_shrinks():
    modules = _modules()
    stale = sorted(name for name in LONG if modules.get(name, 0) <= LIMIT)
    assert not stale, f"back under {LIMIT} lines or gone, delete from LONG: {stale}"

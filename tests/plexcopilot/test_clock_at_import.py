"""No test module reads the clock when it is imported.

A date computed at import (`TOMORROW = timezone.localdate() + 1 day`) is taken at collection time: under
`--plant-now` the session's clock ticks on from there, so a run that crosses midnight (or a month's end, or a DST
change) compares "tomorrow" computed before it with dates computed after. Read the clock inside the test or a
fixture instead.
"""

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parent.parent
CLOCK_CALLS = {"now", "today", "localdate", "localtime", "utcnow", "time", "monotonic"}


def import_time_nodes(tree: ast.Module):
    """Every node that runs when the module is imported: module and class bodies, decorators, default values."""
    stack: list[ast.AST] = list(tree.body)
    while stack:
        node = stack.pop()
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            stack += node.decorator_list + node.args.defaults + [d for d in node.args.kw_defaults if d]
            continue
        if isinstance(node, ast.Lambda):
            continue
        if isinstance(node, ast.ClassDef):
            stack += node.decorator_list + node.bases + node.body
            continue
        yield node
        stack.extend(ast.iter_child_nodes(node))


def clock_reads_at_import(source: str) -> list[str]:
    found = []
    for node in import_time_nodes(ast.parse(source)):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name in CLOCK_CALLS:
                found.append(f"{node.lineno}: {ast.unparse(node)}")
    return found


def test_the_scanner_finds_clock_reads_at_import_and_ignores_them_inside_tests():
    source = """
import datetime
from django.utils import timezone
TOMORROW = timezone.localdate() + datetime.timedelta(days=1)
class TestX:
    NOW = timezone.now()
@pytest.mark.parametrize("day", [datetime.date.today()])
def test_a(day, when=datetime.datetime.now()):
    inside = timezone.now()
@pytest.fixture
def tomorrow():
    return timezone.localdate() + datetime.timedelta(days=1)
"""
    assert sorted(clock_reads_at_import(source)) == [
        "4: timezone.localdate()",
        "6: timezone.now()",
        "7: datetime.date.today()",
        "8: datetime.datetime.now()",
    ]


def test_no_test_module_reads_the_clock_at_import():
    offenders = {
        str(path.relative_to(TESTS)): found
        for path in sorted(TESTS.rglob("*.py"))
        if (found := clock_reads_at_import(path.read_text(encoding="utf-8")))
    }
    assert offenders == {}

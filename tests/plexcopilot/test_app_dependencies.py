"""The app dependency tree, enforced: which app may import which.

Read ALLOWED bottom-up: the core (`plexcopilot/`: identity (Employee, badge + PIN, roles), audit, signatures,
events, the LLM client, broadcast) imports no app; every other app imports only the apps listed beside it.
Anything one app must tell an app *above* it goes through `plexcopilot.events` (the subscriber registers in its
`AppConfig.ready()`).

EXISTING_DEBT names the imports that break the tree today, each with why it is still there. It may only shrink:
the test fails on any import outside ALLOWED that is not listed, and on a listed one that has gone (delete the
line, so the list stays true).
"""

import ast
from pathlib import Path

from django.apps import apps as django_apps

ROOT = Path(__file__).resolve().parents[2]

#: app -> the apps it may import (read models, selectors, services). Bottom of the tree first.
ALLOWED: dict[str, set[str]] = {
    "plexcopilot": set(),  # core: depends on no app
    "instructions": {"plexcopilot"},  # master data, work instructions, governance, the station flow
    "labor": {"plexcopilot", "instructions"},  # certifications, punches, crews, Andon, handover
    "languages": {"plexcopilot", "instructions", "labor"},  # translation of steps and answers
    "quality": {"plexcopilot", "instructions", "labor"},  # defects, NCRs, the feedback loop
    "copilot": {"plexcopilot", "instructions", "labor", "languages", "quality"},  # library, cited answers
    "planning": {"plexcopilot", "instructions", "labor"},  # scheduling
    "materials": {"plexcopilot", "instructions", "labor", "planning"},  # shortages, kanban
    "labor_analytics": {"plexcopilot", "instructions", "labor"},  # costs, variances, forecasts
    # The ERP integration, at the top: it hears the other apps' events and reads what it writes back.
    "plex": {"plexcopilot", "instructions", "labor", "quality", "materials", "planning", "labor_analytics"},
}

#: Core modules that are project wiring, not logic: they may name every app (URLs, websockets, settings).
CORE_WIRING = {"plexcopilot.urls", "plexcopilot.routing", "plexcopilot.asgi", "plexcopilot.settings"}

#: "importing module -> imported app" pairs outside ALLOWED that exist today. May only shrink.
EXISTING_DEBT: set[str] = {
    # Certifications are labor's: the station reads the operator's certification level to adapt the steps, and
    # the demo plant grants certifications (the Operation.required_certification key points at labor too).
    "instructions.adaptation -> labor",
    "instructions.demo -> labor",
}


def _app_modules() -> list[tuple[str, str, Path]]:
    """(app, dotted module, path) for every non-migration module of every project app."""
    found = []
    for app in ALLOWED:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            dotted = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
            found.append((app, dotted, path))
    return found


def _imported_apps(path: Path) -> set[str]:
    """Apps a module imports, counting a model fetched by name (`apps.get_model("quality", "NCR")`)."""
    tops = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            tops.add(node.module.split(".")[0])
        elif isinstance(node, ast.Import):
            tops.update(alias.name.split(".")[0] for alias in node.names)
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "get_model"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            tops.add(node.args[0].value.split(".")[0])
    return tops & ALLOWED.keys()


def _edges() -> set[str]:
    """Every "module -> app" import outside ALLOWED (and outside the core's wiring)."""
    edges = set()
    for app, module, path in _app_modules():
        if module in CORE_WIRING:
            continue
        for other in _imported_apps(path) - {app}:
            if other not in ALLOWED[app]:
                edges.add(f"{module} -> {other}")
    return edges


def test_it_declares_every_installed_project_app():
    project_apps = {
        config.name for config in django_apps.get_app_configs() if Path(config.path).parent == ROOT
    }
    assert project_apps == ALLOWED.keys()


def test_it_allows_no_cycle():
    visiting: set[str] = set()
    done: set[str] = set()

    def visit(app: str, trail: list[str]) -> None:
        assert app not in visiting, f"cycle in ALLOWED: {' -> '.join([*trail, app])}"
        if app in done:
            return
        visiting.add(app)
        for other in ALLOWED[app]:
            visit(other, [*trail, app])
        visiting.discard(app)
        done.add(app)

    for app in ALLOWED:
        visit(app, [])


def test_it_keeps_the_core_free_of_apps():
    assert ALLOWED["plexcopilot"] == set()
    assert not {edge for edge in EXISTING_DEBT if edge.startswith("plexcopilot.")}


def test_it_adds_no_import_outside_the_tree():
    new = _edges() - EXISTING_DEBT
    assert not new, (
        "Imports against the app tree (see ALLOWED): announce an event from plexcopilot.events instead, "
        f"or move the code to the app that owns it: {sorted(new)}"
    )


def test_it_keeps_the_debt_list_true():
    paid = EXISTING_DEBT - _edges()
    assert not paid, f"These imports are gone: delete them from EXISTING_DEBT: {sorted(paid)}"

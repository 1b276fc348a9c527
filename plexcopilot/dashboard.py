"""The desk home page shows what each app puts on it: apps register a tile provider in `AppConfig.ready()`.

    # instructions/apps.py
    dashboard.tile_register("flags", selectors.dashboard_flags)

The core renders `dashboard.html` with `{name: provider()}` and never imports the apps behind the tiles.
"""

from collections.abc import Callable
from typing import Any

_tiles: dict[str, Callable[[], Any]] = {}


def tile_register(name: str, provider: Callable[[], Any]) -> None:
    """`provider()` returns what the dashboard template reads under `name`."""
    _tiles[name] = provider


def tiles() -> dict[str, Any]:
    return {name: provider() for name, provider in _tiles.items()}

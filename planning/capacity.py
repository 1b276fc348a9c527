"""Capacities that change over time, for the CP-SAT model: operators per shift and plant-wide utility caps.

Both are a cumulative whose capacity is a step function of time. CP-SAT's `add_cumulative` takes one constant
capacity, so the model uses the highest step as capacity and, inside every lower step, a fixed interval that
occupies the difference (the usual reservation trick).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

Window = tuple[int, int, int]  # (start, end, capacity) in minutes from the plan's origin


@dataclass
class Utility:
    """A plant-wide limit on one utility (e.g. kW): a work center draws `draw[wc]` while it is busy (setup
    included); together they stay within `cap` at any time (None: no all-day cap) and within each window's cap
    inside it (e.g. a lower cap in the tariff's peak hours)."""

    draw: dict[str, int]
    cap: int | None = None
    windows: list[Window] = field(default_factory=list)


def profile(windows: Iterable[Window], combine: Callable[[list[int]], int]) -> list[Window]:
    """Non-overlapping steps from possibly overlapping windows; `combine` merges the capacities that cover one
    step (sum for shifts whose crews overlap, min for caps)."""
    windows = [w for w in windows if w[1] > w[0]]
    points = sorted({t for s, e, _ in windows for t in (s, e)})
    steps: list[Window] = []
    for a, b in zip(points, points[1:], strict=False):
        covering = [c for s, e, c in windows if s <= a and b <= e]
        if not covering:
            continue
        value = combine(covering)
        if steps and steps[-1][1] == a and steps[-1][2] == value:
            steps[-1] = (steps[-1][0], b, value)
        else:
            steps.append((a, b, value))
    return steps


def add_stepped_cumulative(
    m: cp_model.CpModel,
    items: list[tuple[cp_model.IntervalVar, int]],
    base: int,
    steps: list[Window],
    horizon: int,
    name: str,
) -> None:
    """At most `base` of the items' demand at once outside `steps` (non-overlapping), at most the step's
    capacity inside one."""
    if not items:
        return
    top = max([base, *(c for _, _, c in steps)])
    intervals = [iv for iv, _ in items]
    demands = [d for _, d in items]
    for n, (s, e, c) in enumerate(steps):
        s, e = max(0, s), min(horizon, e)
        if c < top and e > s:
            intervals.append(m.new_fixed_size_interval_var(s, e - s, f"{name}-step{n}"))
            demands.append(top - max(0, c))
    m.add_cumulative(intervals, demands, max(0, top))

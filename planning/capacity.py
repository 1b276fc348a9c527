"""Capacities that change over time, for the CP-SAT model: operators per shift and plant-wide utility caps.

Both are a cumulative whose capacity is a step function of time. CP-SAT's `add_cumulative` takes one constant
capacity, so the model uses the highest step as capacity and, inside every lower step (and around them
when the base is lower), a fixed interval that occupies the difference (the usual reservation trick). `Headroom` is the
same step function for code that books work one operation at a time (the dispatching fallback, the plan checker).
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

Window = tuple[int, int, int]  # (start, end, capacity) in minutes from the plan's origin
NEVER = 10**12  # "no later time changes anything": the end of the last step of a step function


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


def capacity_profile(base: int | None, steps: Iterable[Window], until: int) -> tuple[list[Window], int]:
    """A capacity over time as non-overlapping windows, and the value everywhere else: each step's capacity
    inside it, `base` (None: unlimited) around the steps up to `until` (the end of the planning horizon); before
    the plan's origin and past the horizon the highest of them, as the plan knows no calendar there (work past
    the horizon is the overtime KPI)."""
    steps = sorted(steps)
    unlimited = NEVER if base is None else base
    top = max([unlimited, *(c for _, _, c in steps)])
    out: list[Window] = []
    at = 0
    for s, e, c in steps:
        if at < min(s, until):
            out.append((at, min(s, until), unlimited))
        out.append((s, e, c))
        at = max(at, e)
    if at < until:
        out.append((at, until, unlimited))
    return out, top


def raised_to_started_work(
    base: int | None, steps: list[Window], started: Iterable[Window], until: int
) -> list[Window]:
    """`steps` raised, wherever started work alone needs more (`started`: (start, end, demand) of operations
    that hold their place), to what that work needs: it is a fact the plan cannot change (someone called in
    sick after two operations started, a plan released before a limit existed), so it must not make every plan
    infeasible; nothing else of that capacity starts until it is back within it. Unchanged when nothing is over."""
    need = profile(started, sum)
    if not need:
        return steps
    windows, top = capacity_profile(base, steps, until)

    def value(table: list[Window], t: int, elsewhere: int) -> int:
        return next((c for s, e, c in table if s <= t < e), elsewhere)

    points = sorted({t for s, e, _ in [*windows, *need] for t in (s, e)})
    segments = [
        (a, b, value(windows, a, top), value(need, a, 0)) for a, b in zip(points, points[1:], strict=False)
    ]
    if all(needed <= capacity for _, _, capacity, needed in segments):
        return steps
    out: list[Window] = []
    for a, b, capacity, needed in segments:
        c = max(capacity, needed)
        if out and out[-1][1] == a and out[-1][2] == c:
            out[-1] = (out[-1][0], b, c)
        else:
            out.append((a, b, c))
    return out


def add_stepped_cumulative(
    m: cp_model.CpModel,
    items: list[tuple[cp_model.IntervalVar, int]],
    base: int,
    steps: list[Window],
    horizon: int,
    name: str,
    until: int | None = None,
) -> None:
    """At most `base` of the items' demand at once outside `steps` (non-overlapping) until `until`, at most the
    step's capacity inside one (`capacity_profile`); `horizon` is the model's."""
    if not items:
        return
    windows, top = capacity_profile(base, steps, horizon if until is None else until)
    intervals = [iv for iv, _ in items]
    demands = [d for _, d in items]
    for n, (s, e, c) in enumerate(windows):
        s, e = max(0, s), min(horizon, e)
        if c < top and e > s:
            intervals.append(m.new_fixed_size_interval_var(s, e - s, f"{name}-step{n}"))
            demands.append(top - max(0, c))
    m.add_cumulative(intervals, demands, max(0, top))


class Headroom:
    """What is left of a capacity that steps over time once work is booked: `elsewhere` outside the windows,
    the window's capacity inside one. A step function kept as sorted breakpoints."""

    def __init__(self, windows: Iterable[Window], elsewhere: int) -> None:
        self.times: list[int] = [-NEVER]
        self.left: list[int] = [elsewhere]
        for s, e, c in sorted(windows):
            self._split(s)
            self._split(e)
            for i in range(bisect.bisect_left(self.times, s), bisect.bisect_left(self.times, e)):
                self.left[i] = c

    def _split(self, at: int) -> None:
        i = bisect.bisect_right(self.times, at) - 1
        if self.times[i] != at:
            self.times.insert(i + 1, at)
            self.left.insert(i + 1, self.left[i])

    def book(self, start: int, end: int, amount: int) -> None:
        """Take `amount` over [start, end) (a negative amount gives it back)."""
        if end <= start or not amount:
            return
        self._split(start)
        self._split(end)
        for i in range(bisect.bisect_left(self.times, start), bisect.bisect_left(self.times, end)):
            self.left[i] -= amount

    def at(self, t: int) -> int:
        return self.left[bisect.bisect_right(self.times, t) - 1]

    def clash(self, start: int, end: int, amount: int) -> tuple[int, int] | None:
        """None if `amount` fits over [start, end); else (where it first does not fit, when that stretch ends:
        the earliest a start could fit, NEVER if nothing after it changes)."""
        i = bisect.bisect_right(self.times, start) - 1
        while i < len(self.times) and self.times[i] < end:
            if self.left[i] < amount:
                later = self.times[i + 1] if i + 1 < len(self.times) else NEVER
                return max(start, self.times[i]), later
            i += 1
        return None

    def changes(self, start: int, end: int) -> list[int]:
        """The breakpoints inside (start, end)."""
        lo, hi = bisect.bisect_right(self.times, start), bisect.bisect_left(self.times, end)
        return self.times[lo:hi]

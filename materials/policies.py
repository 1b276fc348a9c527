"""Replenishment policies replayed by `replenishment_eval`: the app's buffer policy and the two baselines.

Every policy sees, at the end of period t, the demand of periods up to and including t and the inventory position
(net stock + on order); it returns units to order. Protection interval: an order placed now is on hand for the
demand of period t + L, so the position after ordering must cover the next L periods' demand.
"""

import math
from dataclasses import dataclass, field

import numpy as np

from materials.replay import History

Z_95 = 1.6448536269514722
CHUNK = 256


def _history_slice(history: History, item: int, t: int, window: int | None = None) -> np.ndarray:
    start = int(history.first[item])
    if window is not None:
        start = max(start, t + 1 - window)
    return history.demand[item, start : t + 1]


@dataclass
class MinMax:
    """Baseline: reorder point min = mean demand x lead time; when the position is at or below it, order up to
    max = min + mean demand x lead time (the "max is twice min" rule). Mean over all past periods."""

    name: str = "min_max"

    def order_quantities(self, t: int, history: History, position: np.ndarray) -> np.ndarray:
        start = history.first
        counts = np.maximum(t + 1 - start, 0)
        cumulative = np.cumsum(history.demand[:, : t + 1], axis=1)
        before = np.where(start > 0, cumulative[np.arange(len(start)), np.maximum(start - 1, 0)], 0.0)
        before = np.where(start > 0, before, 0.0)
        total = cumulative[:, t] - before
        mean = np.divide(total, counts, out=np.zeros_like(total), where=counts > 0)
        lead = np.maximum(history.lead[:, t], 1)
        low = mean * lead
        high = low + mean * lead
        return np.where((mean > 0) & (position <= low), high - position, 0.0)


@dataclass
class CrostonSBA:
    """Baseline: Croston's method with the Syntetos-Boylan correction (alpha 0.1) for the per-period demand rate;
    order up to S = rate x L + z(95 %) x RMSE x sqrt(L), RMSE from the one-step-ahead forecast errors."""

    alpha: float = 0.1
    name: str = "croston_sba"
    _state: dict[str, np.ndarray] = field(default_factory=dict)
    _seen: int = -1

    def _update(self, t: int, history: History) -> None:
        n_items = history.demand.shape[0]
        s = self._state
        if not s:
            s.update(
                size=np.zeros(n_items),
                interval=np.zeros(n_items),
                since=np.zeros(n_items),
                rate=np.zeros(n_items),
                mse=np.zeros(n_items),
                errors=np.zeros(n_items),
                started=np.zeros(n_items, dtype=bool),
            )
        a = self.alpha
        for col in range(self._seen + 1, t + 1):
            live = history.active[:, col] & (col >= history.first)
            demand = history.demand[:, col]
            error = demand - s["rate"]
            counts = s["errors"] + live
            early = counts <= 1 / a
            mse_early = s["mse"] + (error**2 - s["mse"]) / np.maximum(counts, 1)
            mse_late = (1 - a) * s["mse"] + a * error**2
            s["mse"] = np.where(live, np.where(early, mse_early, mse_late), s["mse"])
            s["errors"] = counts
            s["since"] = np.where(live, s["since"] + 1, s["since"])
            occurs = live & (demand > 0)
            first = occurs & ~s["started"]
            later = occurs & s["started"]
            s["size"] = np.where(
                first, demand, np.where(later, s["size"] + a * (demand - s["size"]), s["size"])
            )
            s["interval"] = np.where(
                first,
                s["since"],
                np.where(later, s["interval"] + a * (s["since"] - s["interval"]), s["interval"]),
            )
            s["started"] = s["started"] | occurs
            s["since"] = np.where(occurs, 0, s["since"])
            rate = (1 - a / 2) * s["size"] / np.maximum(s["interval"], 1)
            s["rate"] = np.where(s["started"], rate, 0.0)
        self._seen = t

    def order_quantities(self, t: int, history: History, position: np.ndarray) -> np.ndarray:
        self._update(t, history)
        lead = np.maximum(history.lead[:, t], 1)
        level = self._state["rate"] * lead + Z_95 * np.sqrt(self._state["mse"] * lead)
        return np.where(self._state["started"] & (position < level), level - position, 0.0)


def min_max_value(t: int, history: History, window: int) -> np.ndarray:
    """Per item, the average on-hand value the plant's min/max rule (as `MinMax`, with today's mean demand, lead
    time, MOQ and cost) would have held over the last `window` past periods: a replay on demand up to t only,
    started in its steady state (position at max, net stock max - mean x L, mean x L spread over the pipeline)."""
    n_items = history.demand.shape[0]
    start = np.maximum(history.first, t + 1 - window)
    length = np.maximum(t + 1 - start, 0)
    cumulative = np.concatenate(
        [np.zeros((n_items, 1)), np.cumsum(history.demand[:, : t + 1], axis=1)], axis=1
    )
    rows = np.arange(n_items)
    seen = np.maximum(t + 1 - history.first, 0)
    mean = np.divide(
        cumulative[rows, t + 1] - cumulative[rows, history.first],
        seen,
        out=np.zeros(n_items),
        where=seen > 0,
    )
    lead = np.maximum(history.lead[:, t], 1)
    moq, cost = history.moq[:, t], history.cost[:, t]
    low, high = mean * lead, 2 * mean * lead
    span = int(length.max()) if n_items else 0
    pipeline = np.zeros((n_items, span + int(lead.max()) + 2))
    steps = np.arange(pipeline.shape[1])[None, :]
    pipeline += np.where((steps >= 1) & (steps < lead[:, None] + 1), mean[:, None], 0.0)
    net = high - low
    total = np.zeros(n_items)
    for k in range(span):
        live = k < length
        net = net + pipeline[:, k]
        demand = np.where(live, history.demand[rows, np.minimum(start + k, t)], 0.0)
        net = np.where(live, net - demand, net)
        total += np.where(live, np.maximum(net, 0.0) * cost, 0.0)
        position = net + pipeline[:, k + 1 :].sum(axis=1)
        order = np.where(live & (mean > 0) & (position <= low), high - position, 0.0)
        order = np.where(order > 1e-9, np.maximum(order, moq), 0.0)
        np.add.at(pipeline, (rows, np.minimum(k + lead, pipeline.shape[1] - 1)), order)
    return np.divide(total, length, out=np.zeros(n_items), where=length > 0)


@dataclass
class BufferPolicy:
    """The app's policy: order-up-to levels from each item's own empirical lead-time demand, allocated across items
    for the most fill the min/max rule's money buys.

    For every item, the lead-time demand distribution is the set of sums over past windows of L consecutive periods
    (the last `window` periods; an i.i.d. bootstrap of single periods when there are fewer than `min_windows`
    windows). For a level S the expected units short per period are E(D_L - S)+ - E(D_{L-1} - S)+ and the
    expected on hand E(S - D_L)+. The money: each period, what the plant's min/max rule would hold on the same past
    data (`min_max_value`) x `margin`, scaled by the calibration below. A single price lambda on stock value is
    set, each period, the smallest whose levels' expected stock value fits that budget; each item takes the level
    minimising short + lambda x unit cost x on hand, so the money goes where it buys the most fill (cheap, steady
    items get more cover than dear, erratic ones).
    """

    # Chosen on the development plant sets (seeds 1016, 1017; never the bench seed): margin and budget window, the
    # largest margin of 0.97/0.95/0.92 leaving >= 4 % value slack on both; spread: the smoothed bootstrap's width at
    # 10 observed demands (earlier work, same dev sets).
    margin: float = 0.92
    budget_window: int = 26
    window: int = 104
    min_windows: int = 26
    samples: int = 128
    grid: int = 40
    spread: float = 0.3
    overshoot_points: int = 4
    seed: int = 16
    # Calibration: the plant knows its own stock on hand. Over the last `calibration_window` periods, the ratio of
    # the model's expected stock value at the chosen levels to the value actually on hand scales the budget, so
    # what is really held (not what the model expects) tracks margin x the min/max rule's value.
    calibrate: bool = True
    calibration_window: int = 26
    name: str = "policy"
    _pipeline: np.ndarray | None = field(default=None, repr=False)
    _model_held: np.ndarray | None = field(default=None, repr=False)
    _pairs: list[tuple[float, float]] = field(default_factory=list, repr=False)
    _shadow: dict[str, np.ndarray] = field(default_factory=dict, repr=False)
    _shadow_seen: int = -1
    _shadow_rule: MinMax = field(default_factory=MinMax, repr=False)

    def _min_max_budget(self, t: int, history: History) -> float:
        """The plant's min/max rule replayed on the past periods only (same clock, MOQ and lead times as the
        replay, catching up from each item's first period): its average on-hand value over the last
        `budget_window` periods, items counted from two lead times after their first period."""
        n_items, width = history.demand.shape
        sh = self._shadow
        if not sh:
            sh.update(
                net=np.zeros(n_items),
                pipe=np.zeros((n_items, width + int(history.lead.max()) + 2)),
                value=np.zeros((n_items, width)),
                counted=np.zeros((n_items, width), dtype=bool),
            )
        rows = np.arange(n_items)
        for col in range(self._shadow_seen + 1, t + 1):
            live = history.active[:, col]
            sh["net"] += sh["pipe"][:, col]
            sh["net"] -= np.where(live, history.demand[:, col], 0.0)
            sh["value"][:, col] = np.maximum(sh["net"], 0.0) * history.cost[:, col]
            lead = np.maximum(history.lead[:, col], 1)
            sh["counted"][:, col] = live & (col >= history.first + 2 * lead)
            position = sh["net"] + sh["pipe"][:, col + 1 :].sum(axis=1)
            order = np.where(live, self._shadow_rule.order_quantities(col, history, position), 0.0)
            order = np.where(order > 1e-9, np.maximum(order, history.moq[:, col]), 0.0)
            np.add.at(sh["pipe"], (rows, col + lead), order)
        self._shadow_seen = max(self._shadow_seen, t)
        start = max(0, t + 1 - self.budget_window)
        counted = sh["counted"][:, start : t + 1]
        periods = int(counted.any(axis=0).sum())
        if periods == 0:
            return float(min_max_value(t, history, self.budget_window).sum())
        return float((sh["value"][:, start : t + 1] * counted).sum() / periods)

    def levels(self, t: int, history: History) -> np.ndarray:
        n_items = history.demand.shape[0]
        rng = np.random.default_rng(self.seed * 100_003 + t)
        lead_totals = np.zeros((n_items, self.samples))
        shorter = np.zeros((n_items, self.samples))
        means = np.zeros(n_items)
        for item in range(n_items):
            past = _history_slice(history, item, t, self.window)
            if past.size == 0 or not past.any():
                continue
            means[item] = past.mean()
            lead = max(int(history.lead[item, t]), 1)
            windows = past.size - lead + 1
            if windows >= self.min_windows:
                cumulative = np.concatenate([[0.0], np.cumsum(past)])
                starts = np.linspace(0, windows - 1, self.samples).round().astype(int)
                lead_totals[item] = cumulative[starts + lead] - cumulative[starts]
                shorter[item] = cumulative[starts + lead - 1] - cumulative[starts]
            else:
                draws = past[rng.integers(0, past.size, (self.samples, lead))]
                lead_totals[item] = draws.sum(axis=1)
                shorter[item] = draws[:, : lead - 1].sum(axis=1)
        if self.spread > 0:
            # Smoothed bootstrap: a common log-normal factor per sample widens the tail beyond the largest
            # window seen (a short history rarely holds its worst lead time).
            # The fewer demands seen, the wider (spread at 10 demands, shrinking with the square root).
            seen = np.array(
                [np.count_nonzero(_history_slice(history, item, t, self.window)) for item in range(n_items)]
            )
            width = np.minimum(self.spread * np.sqrt(10 / np.maximum(seen, 1)), 2 * self.spread)[:, None]
            factor = np.exp(rng.normal(0, 1, (n_items, self.samples)) * width - width**2 / 2)
            lead_totals = lead_totals * factor
            shorter = shorter * factor
        levels = np.quantile(lead_totals, np.linspace(0, 1, self.grid), axis=1).T  # items x grid
        # With a minimum order the position after ordering sits anywhere up to (MOQ - a period's demand) above the
        # level: average the curves over that overshoot (uniform), so MOQ stock is counted and not bought twice.
        overshoot = np.maximum(history.moq[:, t] - means, 0.0)
        offsets = (
            overshoot[:, None] * (np.arange(self.overshoot_points) + 0.5)[None, :] / self.overshoot_points
        )
        positions = levels[:, :, None] + offsets[:, None, :]  # items x grid x offsets
        short = np.zeros(levels.shape)
        on_hand = np.zeros(levels.shape)
        for first in range(0, n_items, CHUNK):  # items x grid x samples arrays, a chunk of items at a time
            part = slice(first, first + CHUNK)
            totals, partial = lead_totals[part, None, :], shorter[part, None, :]
            for k in range(self.overshoot_points):
                at = positions[part, :, k][:, :, None]
                short[part] += np.maximum(totals - at, 0).mean(axis=2) - np.maximum(partial - at, 0).mean(
                    axis=2
                )
                on_hand[part] += np.maximum(at - totals, 0).mean(axis=2)
        short = np.maximum(short / self.overshoot_points, 0.0)
        on_hand = on_hand / self.overshoot_points
        held = on_hand * np.maximum(history.cost[:, t], 1e-9)[:, None]
        budget = self.margin * self._min_max_budget(t, history) * self._scale()
        rows = np.arange(n_items)
        low, high = -12.0, 12.0  # log10 of the price on stock value: the smallest whose stock fits the budget
        for _ in range(40):
            middle = (low + high) / 2
            if held[rows, np.argmin(short + 10**middle * held, axis=1)].sum() <= budget:
                high = middle
            else:
                low = middle
        chosen = np.argmin(short + 10**high * held, axis=1)
        self._model_held = held[rows, chosen]
        return levels[rows, chosen]

    def _scale(self) -> float:
        model = sum(pair[0] for pair in self._pairs)
        real = sum(pair[1] for pair in self._pairs)
        if not self.calibrate or len(self._pairs) < 4 or model <= 0 or real <= 0:
            return 1.0
        return float(np.clip(model / real, 0.5, 2.0))

    def _observe(self, t: int, history: History, position: np.ndarray) -> None:
        """Stock on hand now = position - own orders still on their way (orders as placed: MOQ, arrival at
        t + max(L, 1)); paired with the model's expected value at the levels set last period, for items past
        two lead times since their first period."""
        n_items, width = history.demand.shape
        if self._pipeline is None:
            self._pipeline = np.zeros((n_items, width + int(history.lead.max()) + 2))
        if self._model_held is None:
            return
        lead = np.maximum(history.lead[:, t], 1)
        net = position - self._pipeline[:, t + 1 :].sum(axis=1)
        mature = history.active[:, t] & (t >= history.first + 2 * lead)
        if mature.any():
            real = (np.maximum(net, 0.0) * history.cost[:, t])[mature].sum()
            self._pairs.append((float(self._model_held[mature].sum()), float(real)))
            del self._pairs[: -self.calibration_window]

    def order_quantities(self, t: int, history: History, position: np.ndarray) -> np.ndarray:
        if self.calibrate:
            self._observe(t, history, position)
        level = self.levels(t, history)
        wanted = np.where(position < level, level - position, 0.0)
        if self.calibrate and self._pipeline is not None:
            placed = np.where(history.active[:, t], wanted, 0.0)
            placed = np.where(placed > 1e-9, np.maximum(placed, history.moq[:, t]), 0.0)
            due = t + np.maximum(history.lead[:, t], 1)
            np.add.at(self._pipeline, (np.arange(len(placed)), due), placed)
        return wanted


def all_policies(**params: float) -> list:
    return [BufferPolicy(**params), MinMax(), CrostonSBA()]  # type: ignore[arg-type]


__all__ = ["BufferPolicy", "CrostonSBA", "MinMax", "all_policies", "math", "min_max_value"]

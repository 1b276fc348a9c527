"""Replay of a demand history under a replenishment policy: the same clock, stock rules and figures for every policy.

Conventions (identical for the app's policy and both baselines; docs/materials.md explains them):
- Every item starts with nothing on hand and nothing on order at its first period. The first third of its periods
  (at least one) is warm-up: policies already order, but no figure counts them.
- A period: receipts due arrive first, then the period's demand is served from stock on hand. What cannot be served
  is back-ordered (net stock goes negative) and served first by later receipts; a back-ordered unit never counts as
  filled. Then the policy reviews, seeing demand up to and including this period and nothing later, and may order.
- An order placed at the end of period t with lead time L (that period's row) is on hand at the start of period
  t + max(L, 1). Orders are at least the item's MOQ.
- Unit fill rate = units served from stock in the period they were demanded / units demanded (evaluated periods,
  all items). Average on-hand value = mean over evaluated periods of the sum over items of max(net stock, 0) x unit
  cost at the period's end. Stockout periods = item-periods with demand not fully served. Orders = orders placed in
  evaluated periods.
"""

import csv
import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

import numpy as np

COLUMNS = ("item", "period", "demand", "lead_time", "moq", "unit_cost")


class DemandFileError(ValueError):
    pass


@dataclass
class History:
    """Items x periods matrices over the union of periods; `active` marks the cells the file has."""

    items: list[str]
    demand: np.ndarray
    lead: np.ndarray
    moq: np.ndarray
    cost: np.ndarray
    active: np.ndarray
    first: np.ndarray  # index of each item's first period
    eval_from: np.ndarray  # index of each item's first evaluated period


def load_rows(rows: Iterable[dict[str, str]]) -> History:
    by_item: dict[str, dict[int, tuple[float, int, float, float]]] = {}
    for number, row in enumerate(rows, start=2):
        try:
            item = row["item"].strip()
            period = int(row["period"])
            values = (
                float(row["demand"]),
                int(float(row["lead_time"])),
                float(row["moq"] or 0),
                float(row["unit_cost"]),
            )
        except (KeyError, TypeError, ValueError) as error:
            raise DemandFileError(f"line {number}: {error}") from error
        if values[0] < 0 or values[1] < 0 or values[2] < 0 or values[3] < 0:
            raise DemandFileError(f"line {number}: negative value")
        if period in by_item.setdefault(item, {}):
            raise DemandFileError(f"line {number}: item {item} period {period} twice")
        by_item[item][period] = values
    if not by_item:
        raise DemandFileError("no rows")
    low = min(min(periods) for periods in by_item.values())
    high = max(max(periods) for periods in by_item.values())
    width = high - low + 1
    items = sorted(by_item)
    shape = (len(items), width)
    demand, lead, moq, cost = np.zeros(shape), np.ones(shape, dtype=int), np.zeros(shape), np.zeros(shape)
    active = np.zeros(shape, dtype=bool)
    first = np.zeros(len(items), dtype=int)
    eval_from = np.zeros(len(items), dtype=int)
    for index, item in enumerate(items):
        periods = sorted(by_item[item])
        if periods[-1] - periods[0] + 1 != len(periods):
            raise DemandFileError(f"item {item}: periods are not consecutive")
        for period in periods:
            col = period - low
            demand[index, col], lead[index, col], moq[index, col], cost[index, col] = by_item[item][period]
            active[index, col] = True
        first[index] = periods[0] - low
        eval_from[index] = first[index] + max(1, math.ceil(len(periods) / 3))
    # Columns outside an item's range keep its nearest parameters (never used for demand).
    return History(items, demand, lead, moq, cost, active, first, eval_from)


def load_csv(path: str) -> History:
    with open(path, encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = [name for name in COLUMNS if name not in (reader.fieldnames or [])]
        if missing:
            raise DemandFileError(f"missing columns: {', '.join(missing)}")
        return load_rows(reader)


class Policy(Protocol):
    name: str

    def order_quantities(self, t: int, history: History, position: np.ndarray) -> np.ndarray:
        """Units to order at the end of period index t (>= 0), from demand[:, : t + 1] only."""
        ...


@dataclass
class Figures:
    fill_rate: float
    avg_on_hand_value: float
    orders: int
    stockout_periods: int

    def as_dict(self) -> dict[str, float | int]:
        return {
            "fill_rate": round(float(self.fill_rate), 4),
            "avg_on_hand_value": round(float(self.avg_on_hand_value), 2),
            "orders": int(self.orders),
            "stockout_periods": int(self.stockout_periods),
        }


def simulate(history: History, policy: Policy) -> Figures:
    n_items, width = history.demand.shape
    max_lead = int(history.lead.max()) + 2
    arrivals = np.zeros((n_items, width + max_lead))
    net = np.zeros(n_items)
    demanded = filled = value_sum = 0.0
    orders = stockouts = 0
    evaluated_periods = 0
    rows = np.arange(n_items)
    for t in range(width):
        live = history.active[:, t]
        net += arrivals[:, t]
        demand = np.where(live, history.demand[:, t], 0.0)
        served = np.minimum(np.maximum(net, 0.0), demand)
        net -= demand
        counted = live & (t >= history.eval_from)
        if counted.any():
            evaluated_periods += 1
            demanded += demand[counted].sum()
            filled += served[counted].sum()
            stockouts += int(((served < demand) & counted).sum())
            value_sum += (np.maximum(net, 0.0) * history.cost[:, t])[counted].sum()
        position = net + arrivals[:, t + 1 :].sum(axis=1)
        wanted = np.where(live, policy.order_quantities(t, history, position), 0.0)
        wanted = np.where(wanted > 1e-9, np.maximum(wanted, history.moq[:, t]), 0.0)
        due = t + np.maximum(history.lead[:, t], 1)
        np.add.at(arrivals, (rows, due), wanted)
        orders += int(((wanted > 0) & counted).sum())
    return Figures(
        fill_rate=filled / demanded if demanded else 1.0,
        avg_on_hand_value=value_sum / evaluated_periods if evaluated_periods else 0.0,
        orders=orders,
        stockout_periods=stockouts,
    )

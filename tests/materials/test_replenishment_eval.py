import json

import numpy as np
import pytest
from django.core.management import CommandError, call_command

from materials import demand_sets, replay
from materials.policies import BufferPolicy, CrostonSBA, MinMax, min_max_value


def _history(rows):
    return replay.load_rows({k: str(v) for k, v in row.items()} for row in rows)


def _rows(item, demand, lead=2, moq=0, cost=1.0):
    return [
        {"item": item, "period": p + 1, "demand": d, "lead_time": lead, "moq": moq, "unit_cost": cost}
        for p, d in enumerate(demand)
    ]


class Peeking:
    """Records how many periods of demand each decision could see."""

    name = "peek"

    def __init__(self):
        self.seen = []

    def order_quantities(self, t, history, position):
        self.seen.append(t)
        return np.zeros(history.demand.shape[0])


def test_policies_only_see_the_past():
    history = _history(_rows("A", [1, 2, 3, 4, 5, 6]))
    original = history.demand.copy()
    peek = Peeking()
    replay.simulate(history, peek)
    assert peek.seen == list(range(6))
    # Every policy's level at t is unchanged when the future is scrambled.
    for policy_class in (BufferPolicy, MinMax, CrostonSBA):
        for t in (2, 4):
            a = policy_class().order_quantities(t, history, np.zeros(1))
            future = _history(_rows("A", list(original[0, : t + 1]) + [999] * (5 - t)))
            b = policy_class().order_quantities(t, future, np.zeros(1))
            assert a == pytest.approx(b)


def test_backorders_are_not_counted_as_filled_and_value_uses_unit_cost():
    class OrderTen:
        name = "ten"

        def order_quantities(self, t, history, position):
            return np.array([10.0 if t == 0 else 0.0])

    # 3 periods: warm-up is the first one. Order 10 at end of period 1 arrives at period 3 (lead 2).
    history = _history(_rows("A", [0, 4, 4], lead=2, cost=2.5))
    figures = replay.simulate(history, OrderTen())
    assert figures.fill_rate == pytest.approx(
        0.5
    )  # period 2 short 4 (back-ordered), period 3 serves 4 new + 4 old
    assert figures.stockout_periods == 1
    assert figures.avg_on_hand_value == pytest.approx((0 + 2 * 2.5) / 2)


def test_moq_is_respected():
    class OrderOne:
        name = "one"

        def order_quantities(self, t, history, position):
            return np.array([1.0])

    # Each order of 1 becomes the MOQ of 7; lead 1: on hand 14 then 21 at the ends of the evaluated periods 3, 4.
    history = _history(_rows("A", [0, 0, 0, 0], lead=1, moq=7))
    figures = replay.simulate(history, OrderOne())
    assert figures.orders == 2
    assert figures.avg_on_hand_value == pytest.approx((14 + 21) / 2)


def test_bad_files_are_refused(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("item,period,demand\nA,1,3\n")
    with pytest.raises(CommandError, match="missing columns"):
        call_command("replenishment_eval", str(path))
    path.write_text("item,period,demand,lead_time,moq,unit_cost\nA,1,3,2,0,1\nA,3,3,2,0,1\n")
    with pytest.raises(CommandError, match="consecutive"):
        call_command("replenishment_eval", str(path))


def test_json_shape_and_the_policy_against_the_baselines_on_a_plant_like_set(tmp_path, capsys):
    path = tmp_path / "plant.csv"
    path.write_text(demand_sets.to_csv(demand_sets.generate(seed=7, items=60, periods=104)))
    call_command("replenishment_eval", str(path), "--json")
    figures = json.loads(capsys.readouterr().out)
    assert set(figures) == {"policy", "min_max", "croston_sba"}
    for row in figures.values():
        assert set(row) == {"fill_rate", "avg_on_hand_value", "orders", "stockout_periods"}
    for row in figures.values():
        assert 0 <= row["fill_rate"] <= 1 and row["avg_on_hand_value"] >= 0
    # Same money, spent by marginal fill per unit of stock value: more fill than the min/max rule.
    assert figures["policy"]["fill_rate"] > figures["min_max"]["fill_rate"]
    call_command("replenishment_eval", str(path))
    assert "croston_sba" in capsys.readouterr().out


def _small_set(seed=5):
    return _history(demand_sets.generate(seed=seed, items=30, periods=60))


def test_the_min_max_budget_sees_only_the_past_and_tracks_the_min_max_rule():
    history = _small_set()
    t = 40
    budget = min_max_value(t, history, 104)
    scrambled = _small_set()
    scrambled.demand[:, t + 1 :] = 999
    assert min_max_value(t, scrambled, 104) == pytest.approx(budget)
    assert (budget >= 0).all() and budget.sum() > 0
    # Cost scales it.
    pricier = _small_set()
    pricier.cost *= 3
    assert min_max_value(t, pricier, 104) == pytest.approx(3 * budget)


def test_the_policy_spends_the_min_max_budget_times_its_margin():
    history = _small_set()
    t = 40
    lean, rich = BufferPolicy(margin=0.6), BufferPolicy(margin=1.2)
    lean_levels, rich_levels = lean.levels(t, history), rich.levels(t, history)
    cost = history.cost[:, t]
    # More money, higher levels (never lower for any item in total value).
    assert (rich_levels * cost).sum() > (lean_levels * cost).sum()
    figures_lean = replay.simulate(history, lean)
    figures_rich = replay.simulate(history, rich)
    assert figures_rich.avg_on_hand_value > figures_lean.avg_on_hand_value
    assert figures_rich.fill_rate > figures_lean.fill_rate


def test_the_replayed_min_max_budget_sees_only_the_past():
    history, scrambled = _small_set(), _small_set()
    t = 40
    scrambled.demand[:, t + 1 :] = 999
    budget = BufferPolicy()._min_max_budget(t, history)
    assert budget > 0
    assert BufferPolicy()._min_max_budget(t, scrambled) == pytest.approx(budget)

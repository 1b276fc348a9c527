"""`labor_forecast_eval`: forecast a crew's efficiency for the next day, with an 80 % interval and overtime.

Model: gradient-boosted trees (scikit-learn `HistGradientBoostingRegressor`, absolute-error loss, so the
forecast is a median) on the gap between the actual and the planned efficiency, from the features in
`crewday.FEATURE_NAMES`. How far to trust the trees over the plan (a shrinkage 0…1) is chosen on the last
20 % of the training dates with a model fitted on the dates before them; the final model is then refitted on the
whole training window. The 80 % interval is the forecast plus the 10th and 90th percentiles of recent
out-of-sample errors: at first those of the calibration tail of the training window, then, day by day, those
of the forecast days already past (known before the day forecast) — split conformal with a sliding window.

Overtime (minutes, same unit as the file): a crew that falls behind its plan works the gap off.
    overtime = max(0, base + k × crew_size × max(0, planned − efficiency))
`base` is the crew's overtime on its latest earlier date (overtime runs in spells), and `k ≥ 0` is fitted by least squares on
the training window with the actual efficiencies. The model and both baselines forecast overtime with this
same rule, each plugging in its own efficiency forecast (the plan baseline therefore forecasts `base`).
WAPE = Σ|actual − forecast| / Σ actual over the forecast days (per crew, and pooled over all crews).
"""

import datetime
import math
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.ensemble import HistGradientBoostingRegressor

from labor_analytics.crewday import FEATURE_NAMES, CrewDay, date_split, features_build

SHRINKS = (0.0, 0.25, 0.5, 0.75, 1.0)
RESIDUAL_WINDOW = 250
FOLD_STARTS = (0.6, 0.7, 0.8, 0.9)
OVERTIME_BASE_DAYS = 1


def _model(seed: int = 0) -> HistGradientBoostingRegressor:
    return HistGradientBoostingRegressor(
        loss="absolute_error", learning_rate=0.05, max_iter=250, max_leaf_nodes=15, min_samples_leaf=20,
        l2_regularization=1.0, categorical_features=[FEATURE_NAMES.index("work_center")], random_state=seed,
    )  # fmt: skip


def _anchor(row: CrewDay, fallback: float) -> float:
    """The plan, or when a row has none, the crew's recent mean, or the training mean."""
    for value in (row.planned, row.features[FEATURE_NAMES.index("mean_actual_7")]):
        if not math.isnan(value):
            return value
    return fallback


def _previous(row: CrewDay, fallback: float) -> float:
    value = row.features[FEATURE_NAMES.index("previous_actual")]
    return _anchor(row, fallback) if math.isnan(value) else value


@dataclass
class EfficiencyModel:
    trees: HistGradientBoostingRegressor
    shrink: float
    fallback: float
    calibration_errors: list[float]

    def predict(self, rows: list[CrewDay]) -> np.ndarray:
        anchors = np.array([_anchor(r, self.fallback) for r in rows])
        return anchors + self.shrink * self.trees.predict(np.array([r.features for r in rows]))


def _fit(rows: list[CrewDay], fallback: float) -> HistGradientBoostingRegressor:
    x = np.array([r.features for r in rows])
    y = np.array([r.actual - _anchor(r, fallback) for r in rows])
    return _model().fit(x, y)


def _date_cuts(rows: list[CrewDay]) -> list[datetime.date]:
    """Rolling origins over the training window: the dates at 60, 70, 80 and 90 % of it."""
    dates = sorted({r.date for r in rows})
    cuts = sorted({dates[int(share * len(dates))] for share in FOLD_STARTS} - {dates[0]})
    return cuts if len(dates) >= 10 else []


def efficiency_fit(train: list[CrewDay]) -> EfficiencyModel:
    """Fit the trees; choose the shrinkage and collect out-of-sample errors on rolling origins of `train`."""
    fallback = float(np.mean([r.actual for r in train]))
    cuts = _date_cuts(train)
    ys: list[float] = []
    anchors: list[float] = []
    raws: list[float] = []
    for start, end in zip(cuts, [*cuts[1:], None], strict=True):
        before = [r for r in train if r.date < start]
        block = [r for r in train if r.date >= start and (end is None or r.date < end)]
        if len(before) < 40 or not block:
            continue
        trees = _fit(before, fallback)
        ys.extend(r.actual for r in block)
        anchors.extend(_anchor(r, fallback) for r in block)
        raws.extend(trees.predict(np.array([r.features for r in block])))
    final = _fit(train, fallback)
    if ys:
        y, a, raw = np.array(ys), np.array(anchors), np.array(raws)
        maes = {s: float(np.mean(np.abs(y - (a + s * raw)))) for s in SHRINKS}
        shrink = min(SHRINKS, key=lambda s: (round(maes[s], 6), -s))
        errors = list(y - (a + shrink * raw))
    else:  # too little history for rolling origins: in-sample errors, widened
        shrink = 1.0
        x = np.array([r.features for r in train])
        fitted = np.array([_anchor(r, fallback) for r in train]) + final.predict(x)
        errors = list(1.25 * (np.array([r.actual for r in train]) - fitted))
    return EfficiencyModel(trees=final, shrink=shrink, fallback=fallback, calibration_errors=errors)


def _overtime_rule(train: list[CrewDay]) -> float:
    """k in overtime = base + k × crew_size × shortfall, least squares on the training window (k ≥ 0)."""
    xs, ys = [], []
    for row in train:
        base = row.features[FEATURE_NAMES.index("previous_overtime_per_person")]
        if math.isnan(row.overtime) or math.isnan(row.planned) or math.isnan(base):
            continue
        xs.append(_size(row) * max(0.0, row.planned - row.actual))
        ys.append(row.overtime - row.base_overtime)
    x, y = np.array(xs), np.array(ys)
    if len(x) < 10 or float(np.dot(x, x)) == 0.0:
        return 0.0
    return max(0.0, float(np.dot(x, y) / np.dot(x, x)))


def _size(row: CrewDay) -> float:
    return row.crew_size if not math.isnan(row.crew_size) and row.crew_size > 0 else 1.0


def _base_overtime(rows: list[CrewDay]) -> None:
    """Each row's `base_overtime`: the crew's overtime on its latest earlier date (0 without any)."""
    seen: dict[tuple[str, str], list[tuple[datetime.date, float]]] = defaultdict(list)
    by_date: dict[datetime.date, list[CrewDay]] = defaultdict(list)
    for row in rows:
        by_date[row.date].append(row)
    for day in sorted(by_date):
        for row in by_date[day]:
            past = [v for _d, v in seen[row.key][-OVERTIME_BASE_DAYS:] if not math.isnan(v)]
            row.base_overtime = float(np.median(past)) if past else 0.0
        for row in by_date[day]:
            seen[row.key].append((day, row.overtime))


def _overtime(row: CrewDay, efficiency: float, k: float) -> float:
    planned = row.planned if not math.isnan(row.planned) else efficiency
    return max(0.0, row.base_overtime + k * _size(row) * max(0.0, planned - efficiency))


def _wape(actual: list[float], forecast: list[float]) -> float | None:
    pairs = [(a, f) for a, f in zip(actual, forecast, strict=True) if not math.isnan(a)]
    total = sum(a for a, _f in pairs)
    if total <= 0:
        return None
    return sum(abs(a - f) for a, f in pairs) / total


def evaluate(rows: list[CrewDay]) -> dict[str, Any]:
    """Train on the earliest 80 % of dates, forecast the rest day by day; the figures and the baselines."""
    features_build(rows)
    _base_overtime(rows)
    first_test = date_split(rows, 0.8)
    train = [r for r in rows if r.date < first_test]
    test = [r for r in rows if r.date >= first_test]
    model = efficiency_fit(train)
    k = _overtime_rule(train)
    point = model.predict(test)
    errors = list(model.calibration_errors)
    lows, highs = np.empty(len(test)), np.empty(len(test))
    by_date: dict[datetime.date, list[int]] = defaultdict(list)
    for i, row in enumerate(test):
        by_date[row.date].append(i)
    for day in sorted(by_date):  # errors of earlier forecast days join the window only after their day
        window = np.array(errors[-RESIDUAL_WINDOW:])
        lo, hi = np.quantile(window, 0.1), np.quantile(window, 0.9)
        for i in by_date[day]:
            lows[i], highs[i] = point[i] + lo, point[i] + hi
        errors.extend(test[i].actual - point[i] for i in by_date[day])
    actual = np.array([r.actual for r in test])
    forecasts = {
        "model": point,
        "plan": np.array([_anchor(r, model.fallback) for r in test]),
        "previous": np.array([_previous(r, model.fallback) for r in test]),
    }
    result: dict[str, Any] = {}
    per_crew: dict[str, dict[str, float | None]] = {}
    crews = sorted({r.key for r in test})
    for name, forecast in forecasts.items():
        overtime = [_overtime(r, float(f), k) for r, f in zip(test, forecast, strict=True)]
        result[name] = {
            "mae": round(float(np.mean(np.abs(actual - forecast))), 4),
            "overtime_wape": _round(_wape([r.overtime for r in test], overtime)),
        }
        for crew in crews:
            idx = [i for i, r in enumerate(test) if r.key == crew]
            label = crew[0] if not crew[1] else f"{crew[0]} @ {crew[1]}"
            per_crew.setdefault(label, {})[name] = _round(
                _wape([test[i].overtime for i in idx], [overtime[i] for i in idx])
            )
    coverage = float(np.mean((actual >= lows) & (actual <= highs)))
    result["model"] = {"mae": result["model"]["mae"], "coverage80": round(coverage, 4),
                       "overtime_wape": result["model"]["overtime_wape"]}  # fmt: skip
    details = {
        "train_dates": len({r.date for r in train}), "test_dates": len(by_date), "train_rows": len(train),
        "test_rows": len(test), "first_test_date": first_test.isoformat(), "shrink": model.shrink,
        "overtime_k": round(k, 3), "interval_width_median": round(float(np.median(highs - lows)), 4),
        "overtime_wape_per_crew": per_crew,
    }  # fmt: skip
    return {"figures": result, "details": details}


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)

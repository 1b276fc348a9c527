import copy
import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from labor_analytics.crewday import FEATURE_NAMES, crew_days_read, date_split, features_build
from labor_analytics.history_gen import COLUMNS, crew_day_csv, crew_day_rows


@pytest.fixture
def history(tmp_path):
    path = tmp_path / "history.csv"
    path.write_text(crew_day_csv(shape="plant", days=45, seed=3))
    return path


def test_json_shape_and_baselines_in_the_same_run(history):
    out = StringIO()
    call_command("labor_forecast_eval", str(history), "--json", stdout=out)
    figures = json.loads(out.getvalue())
    assert set(figures) == {"model", "plan", "previous"}
    assert set(figures["model"]) == {"mae", "coverage80", "overtime_wape"}
    assert set(figures["plan"]) == set(figures["previous"]) == {"mae", "overtime_wape"}
    assert 0 <= figures["model"]["coverage80"] <= 1
    assert figures["model"]["mae"] < figures["previous"]["mae"]


def test_text_output_names_the_split_and_every_crew(history):
    out = StringIO()
    call_command("labor_forecast_eval", str(history), stdout=out)
    text = out.getvalue()
    assert "Trained on 36 dates" in text and "forecast 9 dates" in text
    assert "A1 @ press-01" in text and "plan" in text and "previous" in text


def test_features_use_only_earlier_dates(history):
    rows = crew_days_read(history)
    features_build(rows)
    cut = date_split(rows)
    later = copy.deepcopy(rows)
    for row in later:
        if row.date >= cut:  # scramble what happens from the first forecast day on
            row.actual, row.overtime, row.idle = 0.1, 999.0, 999.0
    features_build(later)
    for a, b in zip(rows, later, strict=True):
        if a.date <= cut:
            assert a.features == b.features
    assert "actual_efficiency" not in FEATURE_NAMES and "overtime_minutes" not in FEATURE_NAMES


def test_reads_us_dates_blank_wip_and_extra_columns(tmp_path):
    rows = list(crew_day_rows(shape="garment", days=12, seed=1))
    lines = ["date,quarter," + ",".join(COLUMNS[1:])]
    for r in rows:
        y, m, d = str(r["date"]).split("-")
        lines.append(f"{int(m)}/{int(d)}/{y},Quarter1," + ",".join(str(r[c]) for c in COLUMNS[1:]))
    path = tmp_path / "us.csv"
    path.write_text("\n".join(lines) + "\n")
    read = crew_days_read(path)
    assert len(read) == len(rows)
    assert read[0].date.isoformat() == rows[0]["date"]


def test_missing_column_is_a_command_error(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("date,crew\n2026-01-05,A\n")
    with pytest.raises(CommandError, match="actual_efficiency"):
        call_command("labor_forecast_eval", str(path))


def test_generator_is_reproducible_and_shaped():
    assert crew_day_csv(shape="drift", days=20, seed=9) == crew_day_csv(shape="drift", days=20, seed=9)
    assert crew_day_csv(shape="plant", days=20, seed=9) != crew_day_csv(shape="plant", days=20, seed=10)
    garment = list(crew_day_rows(shape="garment", days=5))
    assert {r["planned_efficiency"] for r in garment} <= {0.6, 0.65, 0.7, 0.75, 0.8}
    assert any(r["wip"] == "" for r in garment)
    with pytest.raises(ValueError):
        list(crew_day_rows(shape="nope"))

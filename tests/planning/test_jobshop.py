"""The job-shop core behind schedule_bench: parsing, optimal solves, dispatching fallback, breakdown repair."""

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from planning import jobshop
from planning import jobshop_repair as jr

FT06 = """6 6
2 1 0 3 1 6 3 7 5 3 4 6
1 8 2 5 4 10 5 10 0 10 3 4
2 5 3 4 5 8 0 9 1 1 4 7
1 5 0 5 2 5 3 3 4 8 5 9
2 9 1 3 4 5 5 4 0 3 3 1
1 3 3 3 5 9 0 10 4 4 2 1
"""


@pytest.fixture
def ft06(tmp_path: Path) -> Path:
    path = tmp_path / "ft06.txt"
    path.write_text(FT06)
    return path


def test_parse_reads_pairs_in_processing_order():
    jobs = jobshop.parse(FT06)
    assert len(jobs) == 6 and all(len(job) == 6 for job in jobs)
    assert jobs[0][:2] == [(2, 1), (0, 3)]


def test_parse_refuses_missing_jobs():
    with pytest.raises(ValueError):
        jobshop.parse("3 2\n0 1 1 2\n")


def test_ft06_is_solved_to_its_known_optimum():
    jobs = jobshop.parse(FT06)
    result = jobshop.solve(jobs, time_limit=10, workers=1)
    jobshop.check(jobs, result.starts)
    assert (result.makespan, result.lower_bound, result.optimal) == (55, 55, True)


@pytest.mark.parametrize("rule", ["mwkr", "spt", "lpt", "mopnr", "fifo"])
def test_dispatching_rules_give_feasible_schedules_at_once(rule):
    jobs = jobshop.parse(FT06)
    starts = jobshop.dispatch(jobs, rule)
    jobshop.check(jobs, starts)
    assert jobshop.makespan_of(jobs, starts) >= 55


def test_dispatch_respects_blocked_windows():
    jobs = [[(0, 5)], [(0, 5)]]
    starts = jobshop.dispatch(jobs, blocked=[(0, 2, 10)])
    jobshop.check(jobs, starts, [(0, 2, 10)])
    assert sorted(s for row in starts for s in row) == [10, 15]


def test_breakdown_spec_is_fractions_of_the_makespan():
    bd = jr.Breakdown.parse("breakdown:3@0.25+0.10", 200)
    assert (bd.machine, bd.start, bd.end) == (3, 50, 70)
    with pytest.raises(ValueError):
        jr.Breakdown.parse("rush:3", 100)


def test_moved_operations_count_is_length_minus_common_subsequence():
    jobs = [[(0, 1)], [(0, 1)], [(0, 1)], [(0, 1)]]
    before = [[0], [1], [2], [3]]
    after = [[1], [2], [3], [0]]  # one operation taken out and put back at the end
    assert jr.reordered_count(jobs, before, after) == 1
    assert jr.reordered_count(jobs, before, before) == 0


def test_repair_keeps_started_work_and_clears_the_breakdown():
    jobs = jobshop.parse(FT06)
    base = jobshop.solve(jobs, time_limit=10, workers=1)
    bd = jr.Breakdown.parse("breakdown:2@0.25+0.20", base.makespan)
    fixed = jr.frozen_ops(jobs, base.starts, bd)
    result = jr.repair(jobs, base.starts, bd, time_limit=3, workers=1)
    jobshop.check(jobs, result.starts, [(bd.machine, bd.start, bd.end)])
    assert all(result.starts[j][k] == s for (j, k), s in fixed.items())
    assert all(
        result.starts[j][k] >= bd.start
        for j, job in enumerate(jobs)
        for k in range(len(job))
        if (j, k) not in fixed
    )
    shifted = jr.right_shift(jobs, base.starts, bd)
    assert jr.reordered_count(jobs, base.starts, shifted) == 0
    assert result.makespan <= jobshop.makespan_of(jobs, shifted)
    full = jr.resolve(jobs, base.starts, bd, time_limit=5, workers=1)
    assert result.makespan <= full.makespan * 1.01
    assert result.seconds < 5


def test_makespan_cap_is_certified_by_the_lower_bound_or_strict():
    # lb proved 1000: any re-plan is >= 1000, so 1010 is within 1 % of every one of them.
    assert jr.makespan_cap(ub=1003, lb=1000) == 1010
    # Gap too wide to certify any slack: the best found is the cap (strictly lexicographic).
    assert jr.makespan_cap(ub=1031, lb=956) == 1031
    assert jr.TOLERANCE == 0.01


def test_repair_moves_fewer_operations_than_the_makespan_only_resolve():
    """ft06 with machine 3 down: the re-solve is free to reshuffle, the repair stays under the certified cap and
    proves the fewest moves."""
    jobs = jobshop.parse(FT06)
    base = jobshop.solve(jobs, time_limit=10, workers=1)
    bd = jr.Breakdown.parse("breakdown:3@0.25+0.10", base.makespan)
    result = jr.repair(jobs, base.starts, bd, time_limit=4, workers=1)
    full = jr.resolve(jobs, base.starts, bd, time_limit=4, workers=1)
    assert full.optimal and result.lower_bound <= full.makespan
    assert result.makespan <= result.cap <= full.makespan * 1.01
    assert result.minimal
    assert result.reordered <= jr.reordered_count(jobs, base.starts, full.starts)


def test_schedule_bench_json(ft06: Path):
    out = StringIO()
    call_command(
        "schedule_bench", str(ft06), "--time-limit", "5", "--workers", "1", "--json",
        "--whatif", "breakdown:3@0.25+0.10", "--resolve-limit", "3", "--repair-limit", "2", stdout=out,
    )  # fmt: skip
    (row,) = json.loads(out.getvalue())
    assert row["instance"] == "ft06" and row["makespan"] == 55 and row["optimal"] is True
    assert set(row) == {
        "instance", "makespan", "lower_bound", "seconds", "optimal",
        "repaired_makespan", "resolve_makespan", "reordered_fraction", "repair_seconds",
    }  # fmt: skip
    assert row["repaired_makespan"] <= row["resolve_makespan"] * 1.01


def test_schedule_bench_text(ft06: Path):
    out = StringIO()
    call_command("schedule_bench", str(ft06), "--time-limit", "5", stdout=out)
    assert out.getvalue().startswith("ft06: makespan 55 lower bound 55 seconds")
    assert "optimal yes" in out.getvalue()


def test_tabu_search_shortens_a_dispatching_schedule_and_keeps_it_feasible():
    from planning.jobshop_search import improve

    jobs = jobshop.parse(FT06)
    start = jobshop.dispatch(jobs, "lpt")
    better = improve(jobs, start, seconds=0.5)
    jobshop.check(jobs, better)
    assert jobshop.makespan_of(jobs, better) < jobshop.makespan_of(jobs, start)
    assert jobshop.makespan_of(jobs, better) >= 55

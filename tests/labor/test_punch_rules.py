"""Property tests for the pure punch rules (labor/rules.py)."""

import datetime
import random

from hypothesis import given, settings
from hypothesis import strategies as st

from labor.rules import (
    CLOCK_IN,
    CLOCK_OUT,
    JOB_OFF,
    JOB_ON,
    PunchEvent,
    history_finding,
    sequence_findings,
)

T0 = datetime.datetime(2026, 3, 2, 6, 0, tzinfo=datetime.UTC)
NOW = T0 + datetime.timedelta(days=40)


@st.composite
def clean_days(draw):
    """A well-formed punch history: per day one clock interval at one work center, and non-overlapping
    jobs at that work center inside it."""
    punches = []
    pid = 0
    for day in range(draw(st.integers(1, 6))):
        wc = draw(st.integers(1, 3))
        start = T0 + datetime.timedelta(days=day, minutes=draw(st.integers(-60, 60)))
        length = draw(st.integers(60, 600))
        pid += 1
        punches.append(PunchEvent(pid, CLOCK_IN, start, wc))
        cursor = start
        for _ in range(draw(st.integers(0, 4))):
            gap, run = draw(st.integers(0, 30)), draw(st.integers(1, 120))
            if cursor + datetime.timedelta(minutes=gap + run) >= start + datetime.timedelta(minutes=length):
                break
            wo = draw(st.integers(1, 50))
            on = cursor + datetime.timedelta(minutes=gap)
            off = on + datetime.timedelta(minutes=run)
            pid += 1
            punches.append(PunchEvent(pid, JOB_ON, on, wc, wo, f"WO-{wo}"))
            pid += 1
            punches.append(PunchEvent(pid, JOB_OFF, off, wc, wo, f"WO-{wo}"))
            cursor = off
        pid += 1
        punches.append(PunchEvent(pid, CLOCK_OUT, start + datetime.timedelta(minutes=length), wc))
    return punches


@given(clean_days())
def test_it_finds_nothing_in_well_formed_punches(punches):
    assert sequence_findings(punches, now=NOW) == []


@given(clean_days(), st.randoms(use_true_random=False))
def test_it_does_not_depend_on_the_order_punches_arrive_in(punches, rnd):
    shuffled = list(punches)
    rnd.shuffle(shuffled)
    assert sequence_findings(shuffled, now=NOW) == sequence_findings(punches, now=NOW)


@given(clean_days(), st.integers(0, 10_000))
def test_it_flags_a_clock_out_moved_before_its_clock_in(punches, pick):
    outs = [p for p in punches if p.kind == CLOCK_OUT]
    target = outs[pick % len(outs)]
    clock_in = max((p for p in punches if p.kind == CLOCK_IN and p.at < target.at), key=lambda p: p.at)
    moved = PunchEvent(
        target.id, CLOCK_OUT, clock_in.at - datetime.timedelta(minutes=1), target.work_center_id
    )
    findings = sequence_findings([moved if p.id == target.id else p for p in punches], now=NOW)
    assert any(f.rule == "clock_out_before_in" and f.punch_id == target.id for f in findings)


@given(clean_days(), st.integers(0, 10_000))
def test_it_flags_a_job_started_inside_another_job(punches, pick):
    jobs = [p for p in punches if p.kind == JOB_ON]
    if not jobs:
        return
    first = jobs[pick % len(jobs)]
    intruder = PunchEvent(
        9999, JOB_ON, first.at + datetime.timedelta(seconds=30), first.work_center_id, 777, "WO-777"
    )
    findings = sequence_findings([*punches, intruder], now=NOW)
    assert any(f.rule == "overlapping_jobs" and f.punch_id == 9999 for f in findings)


@given(clean_days(), st.integers(0, 10_000))
def test_it_flags_a_job_at_a_work_center_the_employee_is_not_clocked_into(punches, pick):
    jobs = [p for p in punches if p.kind == JOB_ON]
    if not jobs:
        return
    job = jobs[pick % len(jobs)]
    elsewhere = PunchEvent(
        job.id, JOB_ON, job.at, (job.work_center_id or 0) + 10, job.work_order_id, job.label
    )
    findings = sequence_findings([elsewhere if p.id == job.id else p for p in punches], now=NOW)
    assert any(f.rule == "job_not_clocked_in" and f.punch_id == job.id for f in findings)


@settings(max_examples=60)
@given(
    st.lists(
        st.tuples(
            st.sampled_from([CLOCK_IN, CLOCK_OUT, JOB_ON, JOB_OFF]),
            st.integers(0, 5000),
            st.integers(1, 2),
            st.integers(1, 3),
        ),
        max_size=30,
    )
)
def test_it_gives_each_finding_a_unique_key_on_an_input_punch(raw):
    punches = [PunchEvent(i + 1, kind, T0 + datetime.timedelta(minutes=m), wc, wo, f"WO-{wo}")
               for i, (kind, m, wc, wo) in enumerate(raw)]  # fmt: skip
    findings = sequence_findings(punches, now=NOW)
    ids = {p.id for p in punches}
    assert len({f.key for f in findings}) == len(findings)
    assert all(f.punch_id in ids and 0 < f.confidence <= 1 and f.reason for f in findings)


def test_it_flags_a_forgotten_clock_out_after_fourteen_hours():
    punches = [PunchEvent(1, CLOCK_IN, T0, 1)]
    assert sequence_findings(punches, now=T0 + datetime.timedelta(hours=13)) == []
    [finding] = sequence_findings(punches, now=T0 + datetime.timedelta(hours=15))
    assert finding.rule == "missed_clock_out"


@given(st.lists(st.floats(-15, 5), min_size=5, max_size=30), st.floats(-10, 10))
def test_it_finds_no_anomaly_within_the_employees_own_norm(history, offset):
    median = sorted(history)[len(history) // 2]
    punch = PunchEvent(1, CLOCK_IN, T0)
    assert (
        history_finding(rule_kind=CLOCK_IN, punch=punch, offset=median + offset / 2, history=history) is None
    )


def test_it_flags_a_late_clock_in_against_the_employees_own_history():
    rnd = random.Random(3)
    history = [-10 + rnd.uniform(-3, 3) for _ in range(12)]
    finding = history_finding(
        rule_kind=CLOCK_IN, punch=PunchEvent(7, CLOCK_IN, T0), offset=65, history=history
    )
    assert finding is not None and finding.rule == "late_in" and finding.confidence >= 0.8
    assert "usually 10 min early" in finding.reason
    assert (
        history_finding(rule_kind=CLOCK_IN, punch=PunchEvent(7, CLOCK_IN, T0), offset=65, history=history[:4])
        is None
    )

"""Ingest embeds on every core the process may use, and still starts where the OS cannot say which (macOS)."""

import os

from plexcopilot import embedding


def test_it_counts_the_cores_this_process_may_use():
    assert embedding._cores() == len(os.sched_getaffinity(0))


def test_it_falls_back_to_the_cpu_count_without_affinity(monkeypatch):
    monkeypatch.delattr(os, "sched_getaffinity")
    monkeypatch.setattr(os, "cpu_count", lambda: 6)
    assert embedding._cores() == 6
    monkeypatch.setattr(os, "cpu_count", lambda: None)
    assert embedding._cores() == 1

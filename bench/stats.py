import statistics


def percentile(samples: list[float], pct: float) -> float:
    """Nearest-rank percentile of samples (pct in 0..100)."""
    ordered = sorted(samples)
    rank = max(1, round(pct / 100 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


def median(samples: list[float]) -> float:
    return statistics.median(samples)

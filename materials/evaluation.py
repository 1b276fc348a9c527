"""The replenishment evaluation: one demand history, the app's policy and both baselines in the same run."""

from materials.policies import BufferPolicy, CrostonSBA, MinMax
from materials.replay import History, load_csv, simulate


def evaluate(history: History) -> dict[str, dict[str, float | int]]:
    return {
        policy.name: simulate(history, policy).as_dict()
        for policy in (BufferPolicy(), MinMax(), CrostonSBA())
    }


def evaluate_file(path: str) -> dict[str, dict[str, float | int]]:
    return evaluate(load_csv(path))

"""Crew solver figures: `crew_solve_median_s` for 40 employees × 30 operations (target ≤ 2 s)."""

import random
import statistics
import time

from labor import crew

CERTS = ["PRESS-OP", "WELD-PROJ", "CNC-OP", "LEAK-TEST", "WELD-ROBOT", "ASSY-TORQUE", None]


def synthetic_crew(
    *, employees: int, operations: int, seed: int = 7
) -> tuple[list[crew.JobNeed], list[crew.Person]]:
    """A plant-shaped problem: each job needs one of six certifications (or none), some are safety-critical,
    some need a crew of two; people hold one to three certifications, a few expired, varied hours."""
    rng = random.Random(seed)
    jobs = [
        crew.JobNeed(id=i, label=f"WO-{1000 + i} op {10 * (i % 4 + 1)}", work_center=f"WC-{i % 12}",
                     certification=rng.choice(CERTS), safety_critical=rng.random() < 0.4,
                     crew_size=2 if rng.random() < 0.15 else 1, hours=8.0, part_op=f"P{i % 9}/{i % 4}")
        for i in range(operations)
    ]  # fmt: skip
    people = []
    for i in range(employees):
        certs = {}
        for code in rng.sample([c for c in CERTS if c], rng.randint(1, 3)):
            certs[code] = (
                rng.choice(["trainee", "certified", "certified", "expert"]),
                rng.random() > 0.1,
                "2027-06-30",
            )
        people.append(crew.Person(id=1000 + i, name=f"Person {i}", home_shift="A", available=rng.random() > 0.05,
                                  unavailable_reason="absent", certifications=certs,
                                  week_hours=float(rng.choice([0, 16, 24, 32, 40, 44])),
                                  experience={f"P{rng.randint(0, 8)}/{rng.randint(0, 3)}": rng.randint(1, 6)},
                                  out_of_spec={f"P{rng.randint(0, 8)}/{rng.randint(0, 3)}": rng.randint(0, 3)}))  # fmt: skip
    return jobs, people


def run() -> dict[str, float]:
    jobs, people = synthetic_crew(employees=40, operations=30)
    crew.crew_solve(jobs, people, shift="A")  # warm-up: imports and solver start-up
    times = []
    for seed in range(7):
        jobs, people = synthetic_crew(employees=40, operations=30, seed=seed)
        started = time.perf_counter()
        crew.crew_solve(jobs, people, shift="A")
        times.append(time.perf_counter() - started)
    figures = {
        "crew_solve_median_s": round(statistics.median(times), 4),
        "crew_solve_max_s": round(max(times), 4),
    }
    figures.update(_demo_plant_figures())
    return figures


def _demo_plant_figures() -> dict[str, float]:
    """On the demo plant (two weeks of punch history): a 7-day punch validation and a full crew plan draft."""
    import datetime

    from django.utils import timezone

    from labor.crew_plans import crew_plan_draft
    from labor.demo import labor_demo_load
    from labor.punch_checks import punches_validate
    from labor.selectors import current_and_next_shift

    labor_demo_load()
    validate, draft = [], []
    for _ in range(5):
        started = time.perf_counter()
        punches_validate(start=timezone.now() - datetime.timedelta(days=7))
        validate.append(time.perf_counter() - started)
        _now, (day, shift) = current_and_next_shift()
        started = time.perf_counter()
        crew_plan_draft(day=day, shift=shift)
        draft.append(time.perf_counter() - started)
    return {"punch_validate_7d_median_s": round(statistics.median(validate), 4),
            "crew_plan_draft_demo_median_s": round(statistics.median(draft), 4)}  # fmt: skip


if __name__ == "__main__":
    print(run())

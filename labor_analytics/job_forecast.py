"""Hours and cost of upcoming jobs with an 80 % interval, from similar past jobs (docs/labor-analytics.md).

A past job is a completed work order with labor on it (its JobCost). Features: operation, work center, part,
log quantity, crew size, skill mix (share of experts and trainees among the people who worked it), shift,
changeovers that day at the work center, log standard hours. Target: log(actual hours).

With at least MIN_TREES past jobs, three gradient-boosted quantile models (10th, 50th, 90th percentile); the
interval is then widened or narrowed by a conformal factor measured on the most recent fifth of the jobs
(held out from a first fit). With fewer jobs, the similar-jobs fallback: a similarity-weighted quantile of
actual/standard (or actual hours) over past jobs of the same operation, work center, or all.
Drivers: the change in forecast hours when one feature is set to the typical past job's value.
"""

import datetime
import math
import pickle  # noqa: S403 — models are pickled by this app into its own table, never from outside
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from django.utils import timezone
from sklearn.ensemble import HistGradientBoostingRegressor

from instructions.models import WorkOrder, WorkOrderStatus
from labor.models import CrewAssignment, EmployeeCertification, Punch, PunchKind, ScheduledJob
from labor_analytics.models import ForecastModelRun, JobCost

MIN_TREES = 40
FEATURES = ["operation", "work_center", "part", "log_quantity", "crew_size", "expert_share", "trainee_share",
            "shift", "changeovers", "log_standard_hours"]  # fmt: skip
CATEGORICAL = [0, 1, 2, 7]
LABELS = {
    "operation": "operation", "work_center": "work center", "part": "part", "log_quantity": "quantity",
    "crew_size": "crew size", "expert_share": "experts in the crew", "trainee_share": "trainees in the crew",
    "shift": "shift", "changeovers": "changeovers that day", "log_standard_hours": "standard hours",
}  # fmt: skip
SHIFT_INDEX = {"A": 0, "B": 1, "C": 2}


@dataclass
class JobFacts:
    work_order_id: int
    label: str
    x: list[float]
    standard_hours: float
    actual_hours: float | None = None
    descr: dict[str, Any] = field(default_factory=dict)


def _skill_mix(employee_ids: set[int], operation: Any) -> tuple[float, float]:
    if not employee_ids or operation.required_certification_id is None:
        return 0.0, 0.0
    levels = list(
        EmployeeCertification.objects.filter(
            employee_id__in=employee_ids, certification_type_id=operation.required_certification_id
        ).values_list("level", flat=True)
    )
    n = len(employee_ids)
    return levels.count("expert") / n, levels.count("trainee") / n


def facts_for(wo: WorkOrder, *, crew: set[int], shift: str, day: datetime.date | None, standard_hours: float,
              actual_hours: float | None = None) -> JobFacts:  # fmt: skip
    expert, trainee = _skill_mix(crew, wo.operation)
    changeovers = 0
    if day is not None:
        changeovers = max(0, ScheduledJob.objects.filter(day=day, work_order__operation__work_center_id=
                                                         wo.operation.work_center_id).count() - 1)  # fmt: skip
    x = [float(wo.operation_id % 997), float(wo.operation.work_center_id % 997), float(wo.part_id % 997),
         math.log1p(wo.quantity), float(max(len(crew), 1)), expert, trainee, float(SHIFT_INDEX.get(shift, 3)),
         float(changeovers), math.log1p(standard_hours)]  # fmt: skip
    return JobFacts(wo.pk, f"{wo.number} op {wo.operation.sequence} {wo.operation.name}", x, standard_hours,
                    actual_hours, {"quantity": wo.quantity, "crew": len(crew), "shift": shift})  # fmt: skip


def past_jobs() -> list[JobFacts]:
    facts = []
    costs = JobCost.objects.filter(actual_hours__gt=0, work_order__status=WorkOrderStatus.COMPLETE)
    for cost in costs.select_related("work_order__operation").order_by("updated_at"):
        wo = cost.work_order
        ons = Punch.objects.filter(
            work_order=wo, kind=PunchKind.JOB_ON, voids=False, replaced_by__isnull=True
        )
        crew = set(ons.values_list("employee_id", flat=True))
        first = ons.order_by("at").first()
        day = timezone.localdate(first.at) if first else None
        shift = _shift_of(first.at) if first else ""
        facts.append(facts_for(wo, crew=crew, shift=shift, day=day, standard_hours=cost.standard_hours,
                               actual_hours=cost.actual_hours))  # fmt: skip
    return facts


def _shift_of(at: datetime.datetime) -> str:
    from labor.selectors import shift_at

    return shift_at(at)[1].code


def _trees(quantile: float) -> HistGradientBoostingRegressor:
    return HistGradientBoostingRegressor(loss="quantile", quantile=quantile, learning_rate=0.05, max_iter=200,
                                         max_leaf_nodes=8, min_samples_leaf=8, categorical_features=CATEGORICAL,
                                         random_state=0)  # fmt: skip


@dataclass
class JobHoursModel:
    kind: str  # "trees" or "similar"
    jobs: list[JobFacts]
    models: list[HistGradientBoostingRegressor] = field(default_factory=list)
    widen: float = 1.0
    typical: list[float] = field(default_factory=list)

    def quantiles(self, job: JobFacts) -> tuple[float, float, float]:
        return self.quantiles_many([job])[0]

    def quantiles_many(self, jobs: list[JobFacts]) -> list[tuple[float, float, float]]:
        """All jobs in one predict per quantile model: each predict call walks every tree once, so the page's
        twenty-odd jobs one by one cost seconds each on a busy machine."""
        if not jobs:
            return []
        if self.kind != "trees":
            return [_similar_quantiles(job, self.jobs) for job in jobs]
        x = np.array([job.x for job in jobs])
        predicted = np.sort(np.column_stack([m.predict(x) for m in self.models]), axis=1)
        out = []
        for lo, mid, hi in predicted.tolist():  # sorted: quantile models fitted apart can cross
            out.append((math.expm1(mid - self.widen * (mid - lo)), math.expm1(mid),
                        math.expm1(mid + self.widen * (hi - mid))))  # fmt: skip
        return out

    def drivers(self, job: JobFacts) -> list[tuple[str, float]]:
        return self.drivers_many([job])[0]

    def drivers_many(self, jobs: list[JobFacts]) -> list[list[tuple[str, float]]]:
        """Hours the forecast moves by when each feature is set back to the typical past job's."""
        if self.kind != "trees":
            return [[("similar past jobs", float(len(self.jobs)))] for _job in jobs]
        rows: list[list[float]] = []
        plans = []
        for job in jobs:
            variants = [(LABELS[name], i) for i, name in enumerate(FEATURES) if job.x[i] != self.typical[i]]
            plans.append((len(rows), variants))
            rows.append(list(job.x))
            for _label, i in variants:
                rows.append(list(job.x))
                rows[-1][i] = self.typical[i]
        mids = np.expm1(self.models[1].predict(np.array(rows))) if rows else np.array([])
        out = []
        for first, variants in plans:
            effects = [
                (label, float(mids[first] - mids[first + k + 1])) for k, (label, _i) in enumerate(variants)
            ]
            out.append(sorted(effects, key=lambda e: -abs(e[1]))[:3])
        return out


def _similar_quantiles(job: JobFacts, jobs: list[JobFacts]) -> tuple[float, float, float]:
    """Weighted quantiles of actual/standard (×standard), weights by sameness of operation, center, crew, shift."""
    if not jobs:
        return job.standard_hours * 0.8, job.standard_hours, job.standard_hours * 1.4
    ratios: list[float] = []
    weights: list[float] = []
    for past in jobs:
        w = 1.0 + 8 * (past.x[0] == job.x[0]) + 3 * (past.x[1] == job.x[1]) + (past.x[7] == job.x[7])
        w /= 1.0 + abs(past.x[4] - job.x[4])
        ratio = (
            (past.actual_hours or 0) / past.standard_hours if past.standard_hours else past.actual_hours or 0
        )
        ratios.append(ratio)
        weights.append(w)
    order = np.argsort(ratios)
    r, cum = np.array(ratios)[order], np.cumsum(np.array(weights)[order])
    cum = cum / cum[-1]
    q = [float(r[min(int(np.searchsorted(cum, p)), len(r) - 1)]) for p in (0.1, 0.5, 0.9)]
    scale = job.standard_hours if job.standard_hours else 1.0
    return q[0] * scale, q[1] * scale, q[2] * scale


def job_model_fit(jobs: list[JobFacts]) -> JobHoursModel:
    if len(jobs) < MIN_TREES:
        return JobHoursModel(kind="similar", jobs=jobs)
    x = np.array([j.x for j in jobs])
    y = np.log1p(np.array([j.actual_hours or 0.0 for j in jobs]))
    cut = int(len(jobs) * 0.8)
    first = [_trees(q).fit(x[:cut], y[:cut]) for q in (0.1, 0.5, 0.9)]
    lo, mid, hi = (m.predict(x[cut:]) for m in first)
    widen = 1.0
    for factor in np.linspace(0.5, 3.0, 26):  # smallest widening that covers 80 % of the held-out jobs
        inside = (y[cut:] >= mid - factor * (mid - np.minimum(lo, mid))) & (
            y[cut:] <= mid + factor * (np.maximum(hi, mid) - mid)
        )
        if inside.mean() >= 0.8:
            widen = float(factor)
            break
    else:
        widen = 3.0
    typical = [float(np.median(x[:, i])) for i in range(x.shape[1])]
    return JobHoursModel(kind="trees", jobs=jobs, models=[_trees(q).fit(x, y) for q in (0.1, 0.5, 0.9)],
                         widen=widen, typical=typical)  # fmt: skip


def job_model_retrain(*, now: datetime.datetime | None = None) -> ForecastModelRun:
    """Refit on all completed jobs and store the model (run by the background task)."""
    jobs = past_jobs()
    model = job_model_fit(jobs)
    errors, covered = [], []
    latest = jobs[-20:]  # in-sample sanity figure on the latest jobs; the eval command is the honest one
    for job, (lo, mid, hi) in zip(latest, model.quantiles_many(latest), strict=True):
        errors.append(abs(mid - (job.actual_hours or 0)))
        covered.append(lo <= (job.actual_hours or 0) <= hi)
    return ForecastModelRun.objects.create(
        trained_at=now or timezone.now(), jobs=len(jobs), kind=model.kind,
        mae_hours=float(np.mean(errors)) if errors else None,
        coverage80=float(np.mean(covered)) if covered else None,
        blob=pickle.dumps(model),
    )  # fmt: skip


def job_model_current() -> JobHoursModel:
    run = ForecastModelRun.objects.order_by("-trained_at", "-id").first()
    if run is None or not run.blob:
        return job_model_fit(past_jobs())
    return pickle.loads(bytes(run.blob))  # noqa: S301 — written by job_model_retrain above


def crew_for(job: ScheduledJob) -> set[int]:
    """The people the accepted (else latest) crew plan puts on a scheduled job."""
    assignments = CrewAssignment.objects.filter(job=job).order_by("-plan__status", "-plan__created_at")
    return set(assignments.values_list("employee_id", flat=True))

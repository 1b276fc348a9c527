"""Quality reads: the engineer's queue, triage evidence, defect and out-of-spec trends."""

import datetime
import re
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.tasks import TaskResultStatus
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks_db.models import DBTaskResult

from instructions.models import Measurement, Operation, Part, Step, WorkInstruction
from quality.models import (
    NCR,
    DefectReport,
    DraftStatus,
    NCRSource,
    NCRStatus,
    NCRTriageDraft,
    QualityAlert,
)
from quality.taxonomy import category_label, root_cause_description

MAX_SIMILARITY = 1.0  # neighbour scores are cosine similarities


def ncr_queue() -> QuerySet[NCR]:
    """Open floor NCRs, newest first, with what the page shows."""
    return (
        NCR.objects.filter(source=NCRSource.FLOOR)
        .exclude(status=NCRStatus.CLOSED)
        .select_related("part", "operation", "reported_by", "triage", "defect")
        .order_by("-opened_at", "-id")
    )


def defects_without_ncr() -> int:
    return DefectReport.objects.filter(ncr__isnull=True).count()


def alerts_open() -> QuerySet[QualityAlert]:
    return QualityAlert.objects.filter(acknowledged_at__isnull=True).select_related("instruction")[:20]


def draft_waiting_on_worker(draft: NCRTriageDraft) -> bool:
    """True when a pending draft's task is still unclaimed after a while: the worker is probably down.

    A task the worker has claimed (running) is not waiting on the worker, however long it takes.
    """
    if draft.status != DraftStatus.PENDING:
        return False
    waited = (timezone.now() - draft.requested_at).total_seconds()
    # Older than this, a pending draft has most likely not been picked up: the worker is not running.
    if waited <= settings.QUALITY_WORKER_SLOW_SECONDS:
        return False
    status = (
        DBTaskResult.objects.filter(id=draft.task_id).values_list("status", flat=True).first()
        if draft.task_id
        else None
    )
    return status != TaskResultStatus.RUNNING


def triage_view(draft: NCRTriageDraft) -> dict[str, Any]:
    """The draft with labels, percentages and the cited NCRs resolved, ready for the page."""
    ids = [n["id"] for n in draft.neighbours]
    for group in (draft.categories, draft.root_causes, draft.containment):
        for item in group:
            ids.extend(item.get("evidence", []))
    found = NCR.objects.select_related("part", "operation").in_bulk(ids)

    def rows(group: list[dict[str, Any]], key: str) -> list[dict[str, Any]]:
        return [
            {
                "value": item[key],
                "label": (
                    category_label(item[key])
                    if group is draft.categories
                    else root_cause_description(item[key])
                )
                if key == "code"
                else "",
                "pct": round(100 * item.get("confidence", 0)),
                "evidence": [found[i] for i in item.get("evidence", []) if i in found],
            }
            for item in sorted(group, key=lambda item: -item.get("confidence", 0))  # highest first
        ]

    return {
        "method": triage_method_plain(draft.method),
        "categories": rows(draft.categories, "code"),
        "root_causes": rows(draft.root_causes, "code"),
        "containment": rows(draft.containment, "text"),
        # Similarity as a share of the best possible match (identical meaning).
        "neighbours": [
            (found[n["id"]], round(100 * n["score"] / MAX_SIMILARITY))
            for n in draft.neighbours
            if n["id"] in found
        ],
    }


def triage_method_plain(method: str) -> str:
    """The draft's technical method (`TriageEngine.method` as stored, cut to 60 characters: "MiniLM + TF-IDF over
    420 NCRs; category: fused svm_text 0.3,") said plainly from what the cut always keeps: how many past NCRs, a
    trained model or plain nearest neighbours, and whether the meaning model was there. Nothing is recomputed."""
    count = re.search(r"over (\d+) NCRs", method)
    if count is None:
        if method.startswith("no labelled NCR history"):
            return _(
                "Nothing to suggest from yet: no past NCRs with a category and root cause have been imported."
            )
        return _("Suggested from the plant's past NCRs.")
    if "fused" in method:  # quality.classifier.FusedClassifier: text models fused with nearest neighbours
        how = _("a text model trained on them, combined with the most similar past NCRs")
    elif "nearest" in method:  # fewer labelled NCRs than a trained model needs
        how = _("the most similar past NCRs (too few yet to train a model)")
    else:
        how = _("the most similar past NCRs")
    similar = (
        _("Similar past NCRs are found by meaning and by wording.")
        if "MiniLM" in method
        else _("Similar past NCRs are found by wording only (the meaning model is not installed).")
    )
    return (
        _("Suggested from %(count)s past NCRs: %(how)s.") % {"count": count.group(1), "how": how}
        + " "
        + similar
    )


def _months(first: datetime.date, last: datetime.date) -> list[datetime.date]:
    months, day = [], first.replace(day=1)
    while day <= last:
        months.append(day)
        day = (day + datetime.timedelta(days=32)).replace(day=1)
    return months


@dataclass
class TrendBar:
    label: str
    count: int
    x: float
    y: float
    height: float


@dataclass
class Trend:
    title: str
    bars: list[TrendBar]
    total: int
    peak: int
    width: int
    height: int
    bar_width: float


def defect_trend(
    *, part: Part | None = None, operation: Operation | None = None, step_key: str = "", max_months: int = 60
) -> Trend:
    """NCRs (history and floor) per month for a part / operation / step, as bars ready for an inline SVG.

    The chart starts at the first NCR (at least 12, at most `max_months` months back) and ends this month:
    an NCR dated later (an import with a wrong date, a plant clock set back) is neither drawn nor counted.
    """
    rows = NCR.objects.filter(opened_at__lte=timezone.now())
    if part is not None:
        rows = rows.filter(part=part)
    if operation is not None:
        rows = rows.filter(operation=operation)
    if step_key:
        rows = rows.filter(step_key=step_key)
    today = timezone.localdate()
    earliest = (today.replace(day=1) - datetime.timedelta(days=31 * (max_months - 1))).replace(day=1)
    latest_start = (today.replace(day=1) - datetime.timedelta(days=31 * 11)).replace(day=1)
    first = (
        rows.filter(opened_at__date__gte=earliest)
        .order_by("opened_at")
        .values_list("opened_at", flat=True)
        .first()
    )
    start = min(timezone.localtime(first).date().replace(day=1), latest_start) if first else latest_start
    counts: dict[datetime.date, int] = {}
    for opened in rows.filter(opened_at__date__gte=start).values_list("opened_at", flat=True):
        month = timezone.localtime(opened).date().replace(day=1)
        counts[month] = counts.get(month, 0) + 1
    buckets = _months(start, today)
    width, height, top = 720, 200, 20
    peak = max(counts.values(), default=0)
    slot = width / max(len(buckets), 1)
    bars = []
    for i, month in enumerate(buckets):
        count = counts.get(month, 0)
        bar_height = (height - top - 24) * count / peak if peak else 0
        bars.append(
            TrendBar(
                label=month.strftime("%b %y"),
                count=count,
                x=round(i * slot + slot * 0.15, 1),
                y=round(height - 24 - bar_height, 1),
                height=round(bar_height, 1),
            )
        )
    title = " / ".join(
        filter(
            None, [part.number if part else "All parts", f"op {operation.sequence}" if operation else "", ""]
        )
    )
    return Trend(title, bars, sum(counts.values()), peak, width, height, round(slot * 0.7, 1))


@dataclass
class StepSpecTrend:
    instruction: WorkInstruction
    step: Step
    readings: list[Measurement]
    out_of_spec: int
    alert: bool


def out_of_spec_trends() -> list[StepSpecTrend]:
    """For every measured step with readings: the last N readings and how many were out of spec."""
    window = settings.QUALITY_OOS_WINDOW
    limit = settings.QUALITY_OOS_LIMIT
    trends = []
    for instruction in WorkInstruction.objects.select_related("current_version").order_by("title"):
        if instruction.current_version is None:
            continue
        for step in instruction.current_version.steps.exclude(check_kind="").order_by("order"):
            readings = list(
                Measurement.objects.filter(
                    execution__version__instruction=instruction, step__key=step.key
                ).order_by("-entered_at", "-id")[:window]
            )
            if not readings:
                continue
            bad = sum(1 for m in readings if not m.in_spec)
            trends.append(StepSpecTrend(instruction, step, readings[::-1], bad, bad >= limit))
    trends.sort(key=lambda t: (-t.alert, -t.out_of_spec, t.instruction.title, t.step.order))
    return trends


def _record_id(value: Any) -> int:
    """A record id typed or bookmarked in a query string; 0 (no record) unless it is a plain whole number."""
    return int(value) if isinstance(value, str) and value.isascii() and value.isdigit() else 0


def trend_filters(params: Any) -> tuple[Part | None, Operation | None, Step | None]:
    """Part, operation and step chosen on the trends page; unknown or malformed ids are ignored."""
    part = Part.objects.filter(pk=_record_id(params.get("part"))).first()
    operation = (
        Operation.objects.filter(pk=_record_id(params.get("operation")), part=part).first() if part else None
    )
    step = None
    if operation is not None and params.get("step"):
        instruction = WorkInstruction.objects.filter(operation=operation).first()
        if instruction and instruction.current_version_id:
            step = Step.objects.filter(version_id=instruction.current_version_id, key=params["step"]).first()
    return part, operation, step


def trend_steps(operation: Operation) -> list[Step]:
    instruction = WorkInstruction.objects.filter(operation=operation).first()
    if instruction is None or instruction.current_version_id is None:
        return []
    return list(Step.objects.filter(version_id=instruction.current_version_id).order_by("order"))


def threshold_settings() -> dict[str, Any]:
    """The closed-loop thresholds as the queue page states them."""
    return {
        "threshold": settings.QUALITY_FEEDBACK_THRESHOLD,
        "window_days": settings.QUALITY_FEEDBACK_WINDOW_DAYS,
        "oos_window": settings.QUALITY_OOS_WINDOW,
        "oos_limit": settings.QUALITY_OOS_LIMIT,
    }


def dashboard_defects() -> QuerySet[DefectReport]:
    """The desk home page's latest defect reports."""
    return DefectReport.objects.select_related("part", "operation", "step", "reported_by")[:15]


def handover_section(add: Any, start: datetime.datetime, end: datetime.datetime) -> None:
    """Quality's part of the shift handover (registered with labor in QualityConfig.ready()): the shift's defects,
    then the NCRs opened in it that are not closed."""
    for d in DefectReport.objects.filter(created_at__gte=start, created_at__lt=end).select_related(
        "part", "operation"
    ):
        add("defect", f"Defect {d.get_category_display().lower()} on {d.part.number} op {d.operation.sequence}, "
            f"qty {d.quantity}: {d.description[:160]}")  # fmt: skip
    for ncr in NCR.objects.filter(opened_at__gte=start, opened_at__lt=end).exclude(status="closed")[:10]:
        add("defect", f"NCR {ncr.number} ({ncr.get_status_display().lower()}): {ncr.description[:140]}")

"""Quality alerts: the out-of-spec trend on a step, the scan of every step with recent feedback, acknowledgement."""

import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from instructions.models import Measurement, UnclearFlag, WorkInstruction
from plexcopilot.services import audit_record, named_lock
from quality.feedback_loop import feedback_settings, step_feedback_check
from quality.models import DefectReport, QualityAlert, QualityAlertKind, StepQuestion


def out_of_spec_check(
    *, instruction: WorkInstruction, step_key: str, now: datetime.datetime | None = None
) -> QualityAlert | None:
    """Alert quality when the last N readings of a step hold K or more out of spec (defaults 3 of 10).

    One alert per run of bad readings: a new alert needs K out-of-spec readings newer than the last alert
    (a reading after an alert, in spec or not, does not raise the same alert again). While the last alert is
    not acknowledged, a new run updates it instead: one open alert per step.
    """
    now = now or timezone.now()
    window = settings.QUALITY_OOS_WINDOW
    limit = settings.QUALITY_OOS_LIMIT
    readings = list(
        Measurement.objects.filter(execution__version__instruction=instruction, step__key=step_key)
        .select_related("step")
        .order_by("-entered_at", "-id")[:window]
    )
    bad = [m for m in readings if not m.in_spec]
    if len(bad) < limit:
        return None
    with transaction.atomic():
        named_lock(
            f"instruction-alerts-{instruction.pk}"
        )  # not the row: a publish updates it under the audit lock
        last = (
            QualityAlert.objects.filter(
                kind=QualityAlertKind.OUT_OF_SPEC, instruction=instruction, step_key=step_key
            )
            .order_by("-raised_at")
            .first()
        )
        if last is not None and sum(1 for m in bad if m.entered_at > last.raised_at) < limit:
            return None
        step = readings[0].step
        summary = (
            f"{len(bad)} of the last {len(readings)} readings out of spec on step {step.order} "
            f"“{step.title}” of {instruction.title}"
        )
        if last is not None and last.acknowledged_at is None:
            # A new run while the engineer has not seen the last one yet: one open alert per step, brought up to
            # date (the readings it names, the time it was last raised), not a second alert beside it. Only if
            # still unacknowledged when written: an acknowledgement in between keeps what the engineer saw.
            evidence = {
                "out_of_spec": sorted(set(last.evidence.get("out_of_spec", [])) | {m.pk for m in bad}),
                "readings": [m.pk for m in readings],
            }
            if QualityAlert.objects.filter(pk=last.pk, acknowledged_at__isnull=True).update(
                summary=summary, evidence=evidence, raised_at=now
            ):
                last.refresh_from_db()
                audit_record(
                    actor=None, action="quality.out_of_spec_trend", obj=last, summary=f"Updated: {summary}"
                )
                return last
        alert = QualityAlert.objects.create(
            kind=QualityAlertKind.OUT_OF_SPEC,
            instruction=instruction,
            step_key=step_key,
            step_title=step.title,
            summary=summary,
            evidence={"out_of_spec": [m.pk for m in bad], "readings": [m.pk for m in readings]},
            raised_at=now,
            window_start=readings[-1].entered_at,
        )
        audit_record(actor=None, action="quality.out_of_spec_trend", obj=alert, summary=alert.summary)
    return alert


def quality_scan(*, now: datetime.datetime | None = None) -> list[QualityAlert]:
    """Check every step with recent feedback (what the worker does after each signal, for all steps at once)."""
    now = now or timezone.now()
    _threshold, window = feedback_settings()
    since = now - window
    pairs: set[tuple[int, str]] = set()
    pairs.update(
        UnclearFlag.objects.filter(created_at__gte=since).values_list("version__instruction", "step__key")
    )
    pairs.update(
        DefectReport.objects.filter(created_at__gte=since, version__isnull=False)
        .exclude(step_key="")
        .values_list("version__instruction", "step_key")
    )
    pairs.update(
        Measurement.objects.filter(entered_at__gte=since, in_spec=False).values_list(
            "execution__version__instruction", "step__key"
        )
    )
    pairs.update(
        StepQuestion.objects.filter(asked_at__gte=since).values_list("version__instruction", "step_key")
    )
    alerts = []
    for instruction in WorkInstruction.objects.filter(pk__in={p[0] for p in pairs}):
        for instruction_id, key in sorted(pairs):
            if instruction_id != instruction.pk:
                continue
            for check in (out_of_spec_check, step_feedback_check):
                alert = check(instruction=instruction, step_key=key, now=now)
                if alert is not None:
                    alerts.append(alert)
    return alerts


def alert_acknowledge(*, alert: QualityAlert, user: Any) -> QualityAlert:
    if QualityAlert.objects.filter(pk=alert.pk, acknowledged_at__isnull=True).update(
        acknowledged_by=user, acknowledged_at=timezone.now()
    ):
        audit_record(
            actor=user,
            action="quality.alert_acknowledge",
            obj=alert,
            summary=f"Acknowledged: {alert.summary}",
        )
    alert.refresh_from_db()
    return alert

"""The closed loop, quality's side: repeated trouble on a step becomes a cited change proposal.

The station announces trouble on a step (`step_flagged`, `measurement_recorded`) and the copilot announces the
questions asked on one (`copilot_question_asked`); the handlers here (subscribed in QualityConfig.ready()) queue the
threshold checks or keep the question, and `step_feedback_check` drafts one proposal per burst of signals.
"""

import datetime
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from instructions.models import (
    Measurement,
    ProposalSource,
    Step,
    UnclearFlag,
    WorkInstruction,
)
from plexcopilot.services import audit_record, named_lock
from quality.models import DefectReport, QualityAlert, QualityAlertKind, StepQuestion


def on_step_flagged(*, instruction_id: int, step_key: str, **_: object) -> None:
    feedback_check_enqueue(instruction_id=instruction_id, step_key=step_key)


def on_copilot_question_asked(
    *,
    question_id: int,
    version_id: int | None,
    step_key: str,
    question: str,
    asked_at: datetime.datetime,
    **_: object,
) -> None:
    """Keep a question asked on a step of an instruction version (the signal the feedback check counts)."""
    if version_id is None or not step_key:
        return
    StepQuestion.objects.get_or_create(
        question_id=question_id,
        defaults={
            "version_id": version_id,
            "step_key": step_key,
            "question": question[:500],
            "asked_at": asked_at,
        },
    )


def on_measurement_recorded(*, instruction_id: int, step_key: str, in_spec: bool, **_: object) -> None:
    if not in_spec:
        feedback_check_enqueue(instruction_id=instruction_id, step_key=step_key)


def feedback_check_enqueue(*, instruction_id: int, step_key: str) -> None:
    """Queue the threshold checks for one step (call after any flag, defect, reading or question on it)."""
    from quality.tasks import step_feedback_task

    step_feedback_task.enqueue(instruction_id, step_key)


def feedback_settings() -> tuple[int, datetime.timedelta]:
    """(signals on one step that draft a proposal, the window they must fall in)."""
    threshold = settings.QUALITY_FEEDBACK_THRESHOLD
    days = settings.QUALITY_FEEDBACK_WINDOW_DAYS
    return threshold, datetime.timedelta(days=days)


@dataclass
class StepFeedback:
    """The operator signals on one step of one instruction since `since`."""

    instruction: WorkInstruction
    step_key: str
    since: datetime.datetime
    flags: list[UnclearFlag]
    defects: list[DefectReport]
    out_of_spec: list[Measurement]
    questions: list[StepQuestion]

    @property
    def total(self) -> int:
        return len(self.flags) + len(self.defects) + len(self.out_of_spec) + len(self.questions)


def step_feedback(*, instruction: WorkInstruction, step_key: str, since: datetime.datetime) -> StepFeedback:
    flags = list(
        UnclearFlag.objects.filter(
            version__instruction=instruction, step__key=step_key, created_at__gte=since
        )
        .select_related("step")
        .order_by("created_at")
    )
    defects = list(
        DefectReport.objects.filter(
            version__instruction=instruction, step_key=step_key, created_at__gte=since
        ).order_by("created_at")
    )
    out_of_spec = list(
        Measurement.objects.filter(
            execution__version__instruction=instruction,
            step__key=step_key,
            in_spec=False,
            entered_at__gte=since,
        )
        .select_related("step")
        .order_by("entered_at")
    )
    questions = list(
        StepQuestion.objects.filter(
            version__instruction=instruction, step_key=step_key, asked_at__gte=since
        ).order_by("asked_at", "question_id")
    )
    return StepFeedback(instruction, step_key, since, flags, defects, out_of_spec, questions)


def step_feedback_check(
    *, instruction: WorkInstruction, step_key: str, now: datetime.datetime | None = None
) -> QualityAlert | None:
    """Draft a change proposal when the signals on one step cross the threshold within the window.

    One proposal per burst: after an alert, the step is quiet for one window, and only signals after
    the alert count towards the next one. Serialised per instruction (row lock / SQLite write lock),
    so concurrent checks cannot both draft.
    """
    threshold, window = feedback_settings()
    now = now or timezone.now()
    with transaction.atomic():
        # An advisory lock, not the instruction's row: a signed proposal publishing this instruction holds the
        # audit chain's lock and then updates that row, while an alert audits after this lock.
        named_lock(f"instruction-alerts-{instruction.pk}")
        instruction = WorkInstruction.objects.get(pk=instruction.pk)
        last = (
            QualityAlert.objects.filter(
                kind=QualityAlertKind.FEEDBACK, instruction=instruction, step_key=step_key
            )
            .order_by("-raised_at")
            .first()
        )
        if last is not None and now - last.raised_at < window:
            return None
        since = max(now - window, last.raised_at) if last is not None else now - window
        feedback = step_feedback(instruction=instruction, step_key=step_key, since=since)
        if feedback.total < threshold:
            return None
        return _feedback_propose(feedback=feedback, now=now)


def _feedback_propose(*, feedback: StepFeedback, now: datetime.datetime) -> QualityAlert:
    from instructions.proposal_content import ProposalInvalid
    from instructions.proposals import proposal_draft

    instruction = feedback.instruction
    version = instruction.current_version
    alert = QualityAlert(
        kind=QualityAlertKind.FEEDBACK,
        instruction=instruction,
        step_key=feedback.step_key,
        raised_at=now,
        window_start=feedback.since,
        evidence={
            "flags": [f.pk for f in feedback.flags],
            "defects": [d.pk for d in feedback.defects],
            "out_of_spec": [m.pk for m in feedback.out_of_spec],
            "questions": [q.question_id for q in feedback.questions],
        },
    )
    step = version.steps.filter(key=feedback.step_key).first() if version else None
    counts = ", ".join(
        f"{len(items)} {word}" + ("" if len(items) == 1 else "s")  # "1 unclear flag", not "1 unclear flags"
        for items, word in (
            (feedback.flags, "unclear flag"),
            (feedback.defects, "defect"),
            (feedback.out_of_spec, "out-of-spec reading"),
            (feedback.questions, "copilot question"),
        )
    )
    alert.step_title = step.title if step else ""
    alert.summary = f"Step “{alert.step_title or feedback.step_key}” of {instruction.title}: {counts} since {timezone.localtime(feedback.since):%Y-%m-%d %H:%M}"[
        :500
    ]
    if step is None or version is None:
        alert.save()  # the step left the current version: the alert stays for the engineer, no proposal
        return alert
    kind, edits = _feedback_edits(feedback=feedback, step=step)
    source = _feedback_source(feedback)
    rationale = (
        f"{counts} on step {step.order} “{step.title}” within {feedback_settings()[1].days} days "
        f"crossed the threshold of {feedback_settings()[0]}. Drafted as {kind}; edit the wording before approval."
    )
    evidence: list[Any] = [*feedback.flags, *feedback.defects, *feedback.out_of_spec, *feedback.questions]
    try:
        proposal = proposal_draft(
            instruction=instruction,
            base_version=version,
            source=source,
            edits=edits,
            rationale=rationale,
            evidence=evidence,
            summary=f"{kind.capitalize()} on step {step.order} “{step.title}” (feedback threshold)",
        )
        alert.proposal_id = str(proposal.pk)
    except ProposalInvalid as error:
        alert.summary = f"{alert.summary} — no proposal: {error}"[:500]
    alert.save()
    audit_record(
        actor=None,
        action="quality.feedback_threshold",
        obj=alert,
        summary=alert.summary,
        data={**alert.evidence, "proposal": alert.proposal_id},
    )
    return alert


def _feedback_biggest(feedback: StepFeedback) -> str:
    """The signal that drove the proposal: "out_of_spec", "defects" or "wording" (flags and questions together)."""
    return max(
        ("out_of_spec", len(feedback.out_of_spec)),
        ("defects", len(feedback.defects)),
        ("wording", len(feedback.flags) + len(feedback.questions)),
        key=lambda item: item[1],
    )[0]


def _feedback_source(feedback: StepFeedback) -> str:
    """The proposal's source: what drove it, the same signal `_feedback_edits` answers."""
    biggest = _feedback_biggest(feedback)
    if biggest == "out_of_spec":
        return ProposalSource.OUT_OF_SPEC
    if biggest == "defects":
        return ProposalSource.DEFECT
    if len(feedback.questions) > len(feedback.flags):
        return ProposalSource.COPILOT_QUESTIONS
    return ProposalSource.OPERATOR_FLAGS


def _feedback_edits(*, feedback: StepFeedback, step: Step) -> tuple[str, list[dict[str, Any]]]:
    """Pick the change the evidence points at: a checkpoint for readings, a caution for defects, else wording.

    The checkpoint repeats the step's measurement, so it is safety-critical when the step is; the proposal's risk
    (instructions.step_diff.diff_risk) follows from the steps it touches, like any other proposal's.
    """
    biggest = _feedback_biggest(feedback)
    if biggest == "out_of_spec" and step.is_measured:
        values = ", ".join(m.value_text for m in feedback.out_of_spec[:5])
        new_step = {
            "title": f"Second check: {step.title}"[:120],
            "text": f"Have a second person repeat the measurement of step {step.order} on this part and the "
            f"next 5 parts. Recent readings were out of spec ({values} {step.spec_unit}); stop and call "
            "quality if any reading is out again.",
            "critical": True,
            "safety_critical": step.safety_critical,
            "check_kind": step.check_kind,
            "spec_nominal": step.spec_nominal,
            "spec_lower": step.spec_lower,
            "spec_upper": step.spec_upper,
            "spec_unit": step.spec_unit,
        }
        return "an inspection checkpoint", [{"op": "add", "after": step.key, "step": new_step}]
    if biggest == "defects":
        latest = feedback.defects[-1]
        note = f"Recent defects here ({len(feedback.defects)}): {latest.description[:200]}"
        caution = f"{step.caution}\n{note}".strip() if step.caution else note
        return "a caution", [{"op": "change", "key": step.key, "fields": {"caution": caution[:2000]}}]
    said = [f.comment for f in feedback.flags if f.comment] + [q.question for q in feedback.questions]
    clarification = "Operators found this step unclear" + (f": “{said[0][:160]}”" if said else "") + "."
    why = f"{step.why}\n{clarification}".strip() if step.why else clarification
    return "a wording clarification", [{"op": "change", "key": step.key, "fields": {"why": why[:2000]}}]

"""Quality services: defect reports, NCRs and their triage drafts, history import, trends and the closed loop."""

import datetime
import logging
import uuid
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext

from instructions.models import (
    Execution,
    Measurement,
    ProposalSource,
    Station,
    Step,
    UnclearFlag,
    WorkInstruction,
    WorkOrder,
    WorkOrderStatus,
)
from labor.models import Employee
from plexcopilot import events
from plexcopilot.llm import LLMUnavailable, llm_complete, llm_configured
from plexcopilot.services import audit_record
from quality import taxonomy
from quality.history_import import (
    IMPORT_COLUMNS,
    OPTIONAL_COLUMNS,
    ImportReport,
    ncr_history_import,
    ncr_link,
)
from quality.models import (
    NCR,
    DefectReport,
    Disposition,
    DraftStatus,
    NCRSource,
    NCRStatus,
    NCRTriageDraft,
    QualityAlert,
    QualityAlertKind,
    TriageDecision,
    TriageField,
    TriageVerdict,
)
from quality.photos import photo_clean
from quality.triage import Case, Triage

__all__ = ["IMPORT_COLUMNS", "OPTIONAL_COLUMNS", "ImportReport", "ncr_history_import", "ncr_link"]

logger = logging.getLogger(__name__)


class DefectInvalid(Exception):
    pass


def defect_report_create(
    *,
    execution: Execution,
    step: Step | None,
    reporter: Employee,
    station: Station | None,
    description: str,
    category: str,
    quantity: int,
    photo: UploadedFile | None,
    idempotency_key: str = "",
) -> DefectReport:
    """File a defect against the exact work order, version and step. Raises PhotoRejected or DefectInvalid.

    A retry with the same idempotency key returns the report already filed. The photo files are written
    before the row and removed again when the row does not commit, so a failed report leaves no files behind.
    """
    if idempotency_key:
        existing = DefectReport.objects.filter(idempotency_key=idempotency_key, reported_by=reporter).first()
        if existing is not None:
            return existing
    description = description.strip()
    if not description:
        raise DefectInvalid(gettext("Describe the defect in a few words."))
    if not taxonomy.category_known(category):
        raise DefectInvalid(gettext("Choose a defect category."))
    if quantity < 1 or quantity > execution.work_order.quantity:
        raise DefectInvalid(
            gettext("Quantity must be between 1 and %(max)s.") % {"max": execution.work_order.quantity}
        )
    clean = photo_clean(photo) if photo is not None else None
    work_order = execution.work_order
    report = DefectReport(
        work_order=work_order,
        part=work_order.part,
        operation=work_order.operation,
        version=execution.version,
        step=step,
        step_key=step.key if step is not None else "",
        execution=execution,
        reported_by=reporter,
        station=station,
        category=category,
        description=description,
        quantity=quantity,
        created_at=timezone.now(),
        idempotency_key=idempotency_key,
    )
    if clean is not None:
        name = uuid.uuid4().hex
        report.photo.save(f"{name}.jpg", ContentFile(clean.image), save=False)
        report.thumbnail.save(f"{name}.jpg", ContentFile(clean.thumbnail), save=False)
    try:
        with transaction.atomic():
            report.save()
            audit_record(
                actor=reporter.user,
                action="defect.report",
                obj=report,
                summary=f"Defect reported on {work_order} step {step.order if step else '-'}: {description[:120]}",
                data={
                    "work_order": work_order.number,
                    "version": execution.version_id,
                    "step": step.key if step else "",
                },
            )
            ncr_open_from_defect(defect=report)
            if step is not None:
                feedback_check_enqueue(instruction_id=execution.version.instruction_id, step_key=step.key)
    except BaseException as error:
        _photo_files_remove(report)
        if idempotency_key and isinstance(error, IntegrityError):
            raced = DefectReport.objects.filter(idempotency_key=idempotency_key).first()
            if raced is not None:
                return raced  # the same retry landed first
        raise
    return report


def _photo_files_remove(report: DefectReport) -> None:
    """Delete the photo files of a report whose row did not commit (never a file without its row)."""
    for field_file in (report.photo, report.thumbnail):
        if field_file and field_file.name:
            try:
                field_file.storage.delete(field_file.name)
            except OSError:
                logger.warning("Could not remove orphaned photo %s", field_file.name)


# --- NCRs ---------------------------------------------------------------------------------------


class NcrInvalid(Exception):
    """The NCR change cannot be made as asked; the message says what to fix."""


def ncr_open_from_defect(*, defect: DefectReport) -> NCR:
    """Open an NCR for a floor defect and queue its triage draft, in the caller's transaction.

    The NCR, the pending draft and the queued task commit together: if the worker is down the
    draft waits as pending, and nothing is lost.
    """
    with transaction.atomic():
        ncr = NCR.objects.create(
            number=f"NCR-TMP-{uuid.uuid4().hex[:12]}",
            source=NCRSource.FLOOR,
            defect=defect,
            part=defect.part,
            operation=defect.operation,
            step=defect.step,
            step_key=defect.step_key,
            work_order=defect.work_order,
            reported_by=defect.reported_by,
            quantity=defect.quantity,
            description=defect.description,
            category=defect.category,
            opened_at=defect.created_at,
        )
        ncr.number = f"NCR-{ncr.opened_at:%y}-{ncr.pk:05d}"
        ncr.save(update_fields=["number"])
        audit_record(
            actor=defect.reported_by.user,
            action="ncr.open",
            obj=ncr,
            summary=f"{ncr.number} opened from defect {defect.pk} on {defect.part.number} op {defect.operation.sequence}",
            data={"defect": defect.pk},
        )
        ncr_triage_request(ncr=ncr, actor=None)
    return ncr


def ncr_open_missing(*, actor: Any) -> list[NCR]:
    """Open NCRs (and queue their drafts) for defect reports filed before NCRs existed, e.g. the demo's."""
    opened = []
    for defect in (
        DefectReport.objects.filter(ncr__isnull=True)
        .select_related("reported_by__user")
        .order_by("created_at", "id")
    ):
        opened.append(ncr_open_from_defect(defect=defect))
    if opened:
        audit_record(
            actor=actor,
            action="ncr.open_missing",
            object_type="quality.ncr",
            summary=f"Opened {len(opened)} NCRs for earlier defect reports",
        )
    return opened


def ncr_triage_request(*, ncr: NCR, actor: Any | None) -> NCRTriageDraft:
    """(Re)queue the background triage of `ncr`; the draft shows as pending until the worker fills it."""
    from quality.tasks import ncr_triage_task

    with transaction.atomic():
        draft, _ = NCRTriageDraft.objects.update_or_create(
            ncr=ncr,
            defaults={
                "status": DraftStatus.PENDING,
                "requested_at": timezone.now(),
                "completed_at": None,
                "error": "",
            },
        )
        result = ncr_triage_task.enqueue(draft.pk)
        draft.task_id = str(result.id)
        draft.save(update_fields=["task_id"])
        if actor is not None:
            audit_record(
                actor=actor, action="ncr.triage_request", obj=ncr, summary=f"Triage of {ncr.number} requeued"
            )
    return draft


def ncr_history_cases(*, exclude: int | None = None) -> list[Case]:
    """NCRs with a known category and root cause, as triage cases (the history the draft learns from)."""
    rows = NCR.objects.exclude(category="").exclude(root_cause_code="").select_related("operation", "part")
    if exclude is not None:
        rows = rows.exclude(pk=exclude)
    titles = step_titles()
    return [ncr_case(ncr, titles) for ncr in rows.order_by("id").iterator(chunk_size=2000)]


def step_titles() -> dict[str, str]:
    """Step key → title, newest version winning (keys follow a step across versions)."""
    return dict(Step.objects.order_by("version__number").values_list("key", "title"))


def ncr_case(ncr: NCR, titles: dict[str, str]) -> Case:
    """The NCR as the triage sees it: what is known when it opens (description, operation name, step title)."""
    operation = f"{ncr.part_label}/{ncr.operation.sequence if ncr.operation_id else ncr.operation_number}"
    op_name = ncr.operation.name if ncr.operation_id else ""
    text = " ".join(t for t in (ncr.description, op_name, titles.get(ncr.step_key, "")) if t)
    return Case(
        id=ncr.pk,
        text=text,
        operation=operation,
        step=f"{operation}/{ncr.step_key}" if ncr.step_key else "",
        category=ncr.category,
        root_cause=ncr.root_cause_code,
        containment=ncr.containment,
        extra=f"{ncr.containment} {ncr.corrective_action}".strip(),
    )


def ncr_triage_run(*, draft_id: int) -> NCRTriageDraft:
    """Compute the triage draft (the worker's job). A failure is kept on the draft, with its reason."""
    draft = NCRTriageDraft.objects.select_related("ncr__part", "ncr__operation").get(pk=draft_id)
    ncr = draft.ncr
    try:
        from quality.triage import default_embed
        from quality.triage_store import engine_for_draft

        engine = engine_for_draft()
        if engine is None:
            result, method = (
                Triage([], [], [], []),
                "no labelled NCR history yet (import it: manage.py import_ncrs)",
            )
        else:
            result, method = (
                _without_self(engine.triage(ncr_case(ncr, step_titles()), default_embed()), ncr.pk),
                (engine.method),
            )
        affected = (
            list(
                WorkOrder.objects.filter(
                    part=ncr.part, operation=ncr.operation, status__in=OPEN_WORK_ORDER_STATUSES
                ).order_by("due_date", "number")
            )
            if ncr.operation_id
            else []
        )
        narrative, narrative_model = ncr_narrative(ncr=ncr, result=result)
    except Exception as error:
        draft.status = DraftStatus.FAILED
        draft.error = f"{type(error).__name__}: {error}"[:500]
        draft.completed_at = timezone.now()
        draft.save()
        raise
    with transaction.atomic():
        draft.categories = [_candidate(c) for c in result.categories[:3]]
        draft.root_causes = [_candidate(c) for c in result.root_causes[:3]]
        draft.containment = [
            {"text": c.code, "confidence": c.confidence, "evidence": c.evidence} for c in result.containment
        ]
        draft.neighbours = [
            {"id": n.case.id, "score": round(n.score, 3)} for n in result.neighbours[:TRIAGE_EVIDENCE]
        ]
        draft.narrative, draft.narrative_model = narrative, narrative_model
        draft.method = method[: NCRTriageDraft._meta.get_field("method").max_length]
        draft.status = DraftStatus.READY
        draft.completed_at = timezone.now()
        draft.error = ""
        draft.save()
        draft.affected_work_orders.set(affected)
        audit_record(
            actor=None,
            action="ncr.triage_draft",
            obj=ncr,
            summary=f"Triage drafted for {ncr.number}: "
            + ", ".join(
                f"{c['code']} {c['confidence']:.0%}" for c in draft.categories[:1] + draft.root_causes[:1]
            ),
            data={"neighbours": [n["id"] for n in draft.neighbours], "method": draft.method},
        )
    return draft


TRIAGE_EVIDENCE = 8


def _without_self(result: Triage, ncr_id: int) -> Triage:
    """An NCR re-triaged after it got its labels is in the training history: it is no evidence for itself."""
    for group in (result.categories, result.root_causes, result.containment):
        for candidate in group:
            candidate.evidence = [i for i in candidate.evidence if i != ncr_id]
    result.neighbours = [n for n in result.neighbours if n.case.id != ncr_id]
    return result


OPEN_WORK_ORDER_STATUSES = [WorkOrderStatus.RELEASED, WorkOrderStatus.IN_PROGRESS, WorkOrderStatus.ON_HOLD]


def _candidate(c: Any) -> dict[str, Any]:
    return {"code": c.code, "confidence": c.confidence, "evidence": c.evidence}


def ncr_narrative(*, ncr: NCR, result: Triage) -> tuple[str, str]:
    """A short narrative from an OpenAI-compatible endpoint when one is configured; ("", "") otherwise.

    The narrative is a convenience: an endpoint that is down or slow leaves it empty and the draft
    is still made.
    """
    if not llm_configured():
        return "", ""
    similar = NCR.objects.in_bulk([n.case.id for n in result.neighbours[:5]])
    lines = [
        f"- {similar[n.case.id].number}: {similar[n.case.id].description} → root cause "
        f"{similar[n.case.id].root_cause_code}; containment: {similar[n.case.id].containment}"
        for n in result.neighbours[:5]
        if n.case.id in similar
    ]
    prompt = (
        f"New nonconformance on {ncr.part_label} {ncr.operation_label}: "
        f"{ncr.description}\n"
        f"Probable categories: {', '.join(f'{c.code} {c.confidence:.0%}' for c in result.categories[:3])}\n"
        f"Probable root causes: {', '.join(f'{c.code} {c.confidence:.0%}' for c in result.root_causes[:3])}\n"
        f"Similar past NCRs:\n" + "\n".join(lines)
    )
    messages = [
        {
            "role": "system",
            "content": "You are a quality engineer's assistant. In at most four sentences, summarise the "
            "likely cause and the containment for the new nonconformance, citing past NCR numbers. "
            "Use only the facts given.",
        },
        {"role": "user", "content": prompt},
    ]
    try:
        text = llm_complete(messages, temperature=0.2)
    except LLMUnavailable as error:
        logger.warning("NCR narrative skipped for %s: %s", ncr.number, error)
        return "", ""
    model = settings.LLM_MODEL
    return text[:4000], model


def ncr_decide(*, ncr: NCR, field: str, verdict: str, value: str, user: Any) -> TriageDecision:
    """Record the engineer's verdict on one drafted field and apply the accepted or edited value to the NCR."""
    draft = getattr(ncr, "triage", None)
    if draft is None or draft.status != DraftStatus.READY:
        raise NcrInvalid("The triage draft is not ready yet.")
    if field not in TriageField.values:
        raise NcrInvalid("Unknown field.")
    if verdict not in TriageVerdict.values:
        raise NcrInvalid("Choose accept, edit or reject.")
    candidates = {
        TriageField.CATEGORY: [c["code"] for c in draft.categories],
        TriageField.ROOT_CAUSE: [c["code"] for c in draft.root_causes],
        TriageField.CONTAINMENT: [c["text"] for c in draft.containment],
        TriageField.NARRATIVE: [draft.narrative] if draft.narrative else [],
    }[TriageField(field)]
    proposed = candidates[0] if candidates else ""
    value = (value or "").strip()
    if verdict == TriageVerdict.ACCEPTED:
        if not proposed:
            raise NcrInvalid("There is nothing drafted to accept for this field.")
        final = value if value in candidates else proposed
    elif verdict == TriageVerdict.EDITED:
        if not value:
            raise NcrInvalid("Enter the corrected value.")
        final = value
    else:
        final = ""
    if field == TriageField.CATEGORY and final and not taxonomy.category_known(final):
        raise NcrInvalid("Choose one of the defect categories.")
    if field == TriageField.ROOT_CAUSE and final:
        _root_cause_check(final)
    rank = candidates.index(final) + 1 if final in candidates else 0
    with transaction.atomic():
        decision, _ = TriageDecision.objects.update_or_create(
            draft=draft,
            field=field,
            defaults={
                "verdict": verdict,
                "proposed": proposed[:4000],
                "final": final[:4000],
                "proposed_rank": rank,
                "decided_by": user,
                "decided_at": timezone.now(),
            },
        )
        if final and field == TriageField.CATEGORY:
            ncr.category = final
        elif final and field == TriageField.ROOT_CAUSE:
            ncr.root_cause_code = final
        elif final and field == TriageField.CONTAINMENT:
            ncr.containment = final
        ncr.save()
        if final and field in (TriageField.CATEGORY, TriageField.ROOT_CAUSE):
            events.publish(events.NCR_HISTORY_CHANGED, ncr_id=ncr.pk)
        audit_record(
            actor=user,
            action=f"ncr.triage_{verdict}",
            obj=ncr,
            summary=f"{ncr.number}: {field} {verdict}" + (f" → {final[:120]}" if final else ""),
            data={"field": field, "proposed": proposed[:300], "final": final[:300], "rank": rank},
        )
    return decision


def _root_cause_check(code: str) -> None:
    if not taxonomy.valid_root_cause_code(code):
        raise NcrInvalid("Root-cause codes are capital letters, digits and dashes, e.g. TOOL-WEAR.")
    if not taxonomy.root_cause_known(code):
        raise NcrInvalid(
            f"{code} is not one of the plant's root-cause codes (an administrator adds codes in the admin)."
        )


STATUS_NEEDS = {
    NCRStatus.CONTAINED: ("containment", "Record the containment before marking the NCR contained."),
    NCRStatus.ROOT_CAUSE: ("root_cause_code", "Record the root-cause code first."),
    NCRStatus.CORRECTIVE_ACTION: ("corrective_action", "Describe the corrective action first."),
    NCRStatus.CLOSED: (
        "disposition",
        "Choose the disposition (use as is, rework, scrap, return) before closing.",
    ),
}


def ncr_update(
    *,
    ncr: NCR,
    user: Any,
    containment: str | None = None,
    root_cause_code: str | None = None,
    corrective_action: str | None = None,
    disposition: str | None = None,
    category: str | None = None,
) -> NCR:
    """Edit the NCR's working fields; closed NCRs are read-only."""
    if ncr.status == NCRStatus.CLOSED:
        raise NcrInvalid(f"{ncr.number} is closed.")
    changes: dict[str, str] = {}
    if category is not None and category != ncr.category:
        if category and not taxonomy.category_known(category):
            raise NcrInvalid("Choose one of the defect categories.")
        changes["category"] = category
    if root_cause_code is not None:
        code = root_cause_code.strip().upper()
        if code:
            _root_cause_check(code)
        if code != ncr.root_cause_code:
            changes["root_cause_code"] = code
    for name, value in (("containment", containment), ("corrective_action", corrective_action)):
        if value is not None and value.strip() != getattr(ncr, name):
            changes[name] = value.strip()[:4000]
    if disposition is not None and disposition != ncr.disposition:
        if disposition not in Disposition.values:
            raise NcrInvalid("Choose a disposition.")
        changes["disposition"] = disposition
    if not changes:
        return ncr
    with transaction.atomic():
        for name, value in changes.items():
            setattr(ncr, name, value)
        ncr.save()
        if {"category", "root_cause_code"} & set(changes):
            events.publish(events.NCR_HISTORY_CHANGED, ncr_id=ncr.pk)
        audit_record(
            actor=user,
            action="ncr.update",
            obj=ncr,
            summary=f"{ncr.number} updated: {', '.join(changes)}",
            data={k: v[:300] for k, v in changes.items()},
        )
    return ncr


def ncr_advance(*, ncr: NCR, user: Any) -> NCR:
    """Move the NCR one step along its lifecycle; each step needs its field filled in.

    Reaching "root cause" with a known step drafts a warning on that step into the approval queue.
    """
    target = ncr.next_status()
    if target is None:
        raise NcrInvalid(f"{ncr.number} is already closed.")
    needed, message = STATUS_NEEDS[NCRStatus(target)]
    if not getattr(ncr, needed):
        raise NcrInvalid(message)
    with transaction.atomic():
        moved = NCR.objects.filter(pk=ncr.pk, status=ncr.status).update(
            status=target, closed_at=timezone.now() if target == NCRStatus.CLOSED else None
        )
        if not moved:
            raise NcrInvalid(f"{ncr.number} was changed by someone else; reload the page.")
        previous = ncr.status
        ncr.refresh_from_db()
        audit_record(
            actor=user,
            action="ncr.advance",
            obj=ncr,
            summary=f"{ncr.number}: {NCRStatus(previous).label} → {ncr.get_status_display()}",
            data={"from": previous, "to": target},
        )
        if target == NCRStatus.ROOT_CAUSE:
            root_cause_warning_propose(ncr=ncr, user=user)
        if target == NCRStatus.CLOSED:
            events.publish(events.NCR_HISTORY_CHANGED, ncr_id=ncr.pk)
    return ncr


# --- Closed loop: feedback on a step becomes a change proposal ---------------------------------------


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
    questions: list[Any]

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
    # Copilot questions count as signals. Read by name, but still an import against the tree (copilot sits above
    # quality): listed debt in tests/plexcopilot/test_app_dependencies.py until copilot announces its questions.
    question_model = apps.get_model("copilot", "CopilotQuestion")
    questions = list(
        question_model.objects.filter(
            version__instruction=instruction, step_key=step_key, asked_at__gte=since
        )
        .only("id", "question", "step_key", "asked_at")  # only what evidence needs: another app's model
        .order_by("asked_at")
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
        instruction = WorkInstruction.objects.select_for_update().get(pk=instruction.pk)
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
            "questions": [q.pk for q in feedback.questions],
        },
    )
    step = version.steps.filter(key=feedback.step_key).first() if version else None
    counts = (
        f"{len(feedback.flags)} unclear flags, {len(feedback.defects)} defects, "
        f"{len(feedback.out_of_spec)} out-of-spec readings, {len(feedback.questions)} copilot questions"
    )
    alert.step_title = step.title if step else ""
    alert.summary = f"Step “{alert.step_title or feedback.step_key}” of {instruction.title}: {counts} since {feedback.since:%Y-%m-%d %H:%M}"[
        :500
    ]
    if step is None or version is None:
        alert.save()  # the step left the current version: the alert stays for the engineer, no proposal
        return alert
    kind, edits = _feedback_edits(feedback=feedback, step=step)
    rationale = (
        f"{counts} on step {step.order} “{step.title}” within {feedback_settings()[1].days} days "
        f"crossed the threshold of {feedback_settings()[0]}. Drafted as {kind}; edit the wording before approval."
    )
    evidence: list[Any] = [*feedback.flags, *feedback.defects, *feedback.out_of_spec, *feedback.questions]
    source = ProposalSource.DEFECT if feedback.defects else ProposalSource.OPERATOR_FLAGS
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


def _feedback_edits(*, feedback: StepFeedback, step: Step) -> tuple[str, list[dict[str, Any]]]:
    """Pick the change the evidence points at: a checkpoint for readings, a caution for defects, else wording."""
    biggest = max(
        ("out_of_spec", len(feedback.out_of_spec)),
        ("defects", len(feedback.defects)),
        ("wording", len(feedback.flags) + len(feedback.questions)),
        key=lambda item: item[1],
    )[0]
    if biggest == "out_of_spec" and step.is_measured:
        values = ", ".join(m.raw_value for m in feedback.out_of_spec[:5])
        new_step = {
            "title": f"Second check: {step.title}"[:120],
            "text": f"Have a second person repeat the measurement of step {step.order} on this part and the "
            f"next 5 parts. Recent readings were out of spec ({values} {step.spec_unit}); stop and call "
            "quality if any reading is out again.",
            "critical": True,
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


def root_cause_warning_propose(*, ncr: NCR, user: Any) -> Any | None:
    """A confirmed root cause proposes a warning on the NCR's step in the current instruction version."""
    from instructions.proposal_content import ProposalInvalid
    from instructions.proposals import proposal_draft

    if not ncr.step_key:
        return None
    instruction = (
        WorkInstruction.objects.filter(operation=ncr.operation).select_related("current_version").first()
    )
    version = instruction.current_version if instruction else None
    step = version.steps.filter(key=ncr.step_key).first() if version else None
    if step is None or instruction is None or version is None:
        return None
    cause = ncr.root_cause_text or ncr.root_cause_code
    warning = f"Warning ({ncr.number}): {ncr.description[:160]} Root cause: {cause}."
    if ncr.containment:
        warning += f" Check: {ncr.containment[:160]}"
    caution = f"{step.caution}\n{warning}".strip() if step.caution else warning
    try:
        return proposal_draft(
            instruction=instruction,
            base_version=version,
            source=ProposalSource.QUALITY_ENGINEER,
            edits=[{"op": "change", "key": step.key, "fields": {"caution": caution[:2000]}}],
            rationale=f"Root cause {ncr.root_cause_code} confirmed on {ncr.number}; warn operators on step {step.order}.",
            evidence=[ncr] + ([ncr.defect] if ncr.defect else []),
            proposed_by=user,
            summary=f"Warning on step {step.order} “{step.title}” from {ncr.number}",
        )
    except ProposalInvalid as error:
        logger.warning("No warning proposal for %s: %s", ncr.number, error)
        return None


def out_of_spec_check(
    *, instruction: WorkInstruction, step_key: str, now: datetime.datetime | None = None
) -> QualityAlert | None:
    """Alert quality when the last N readings of a step hold K or more out of spec (defaults 3 of 10).

    One alert per run of bad readings: a new alert needs K out-of-spec readings newer than the last alert
    (a reading after an alert, in spec or not, does not raise the same alert again).
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
        WorkInstruction.objects.select_for_update().get(pk=instruction.pk)
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
        alert = QualityAlert.objects.create(
            kind=QualityAlertKind.OUT_OF_SPEC,
            instruction=instruction,
            step_key=step_key,
            step_title=step.title,
            summary=f"{len(bad)} of the last {len(readings)} readings out of spec on step {step.order} "
            f"“{step.title}” of {instruction.title}",
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
        apps.get_model("copilot", "CopilotQuestion")
        .objects.filter(asked_at__gte=since, version__isnull=False)
        .exclude(step_key="")
        .values_list("version__instruction", "step_key")
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


def feedback_check_enqueue(*, instruction_id: int, step_key: str) -> None:
    """Queue the threshold checks for one step (call after any flag, defect, reading or question on it)."""
    from quality.tasks import step_feedback_task

    step_feedback_task.enqueue(instruction_id, step_key)


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

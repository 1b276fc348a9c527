"""NCR triage drafts: queued when an NCR opens, computed by the worker from the plant's NCR history."""

import logging
from typing import Any, cast

from django.conf import settings
from django.db import transaction
from django.db.models import Subquery
from django.utils import timezone

from instructions.models import Operation, Step, WorkOrder, WorkOrderStatus
from plexcopilot.llm import LLMUnavailable, llm_complete, llm_configured
from plexcopilot.services import audit_chain_lock, audit_record
from quality import taxonomy
from quality.models import NCR, DraftStatus, NCRTriageDraft
from quality.triage import Case, Triage

logger = logging.getLogger(__name__)


def ncr_triage_request(*, ncr: NCR, actor: Any | None) -> NCRTriageDraft:
    """(Re)queue the background triage of `ncr`; the draft shows as pending until the worker fills it."""
    from quality.tasks import ncr_triage_task

    with transaction.atomic():
        if actor is not None:
            # Audited: the chain's lock before update_or_create's FOR UPDATE on the draft, the order every audited
            # writer takes them in (a triage verdict holds the chain and, committing, references the draft).
            audit_chain_lock()
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


def ncr_history_cases(*, exclude: int | None = None, limit: int | None = None) -> list[Case]:
    """NCRs with a known category and root cause, as triage cases (the history the draft learns from).

    `limit`: only the most recently opened that many (a 10-year import does not make every retrain slower).
    """
    rows = NCR.objects.exclude(category="").exclude(root_cause_code="").select_related("operation", "part")
    if exclude is not None:
        rows = rows.exclude(pk=exclude)
    if limit is not None:
        recent = rows.order_by("-opened_at", "-id").values("pk")[: max(limit, 0)]
        rows = rows.filter(pk__in=Subquery(recent))
    titles = step_titles()
    return [ncr_case(ncr, titles) for ncr in rows.order_by("id").iterator(chunk_size=2000)]


def step_titles() -> dict[str, str]:
    """Step key → title, newest version winning (keys follow a step across versions)."""
    return dict(Step.objects.order_by("version__number").values_list("key", "title"))


def ncr_case(ncr: NCR, titles: dict[str, str]) -> Case:
    """The NCR as the triage sees it: what is known when it opens (description, operation name, step title)."""
    op = cast(Operation, ncr.operation) if ncr.operation_id else None
    operation = f"{ncr.part_label}/{op.sequence if op else ncr.operation_number}"
    op_name = op.name if op else ""
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
                _proposable(
                    _without_self(engine.triage(ncr_case(ncr, step_titles()), default_embed()), ncr.pk)
                ),
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


def _proposable(result: Triage) -> Triage:
    """A retired category still labels its history (so the triage learns from it) but is never proposed: it is no
    longer offered, so the engineer could not accept it (the demo's `cosmetic` and `fastening`)."""
    result.categories = [c for c in result.categories if not taxonomy.category_retired(c.code)]
    return result


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

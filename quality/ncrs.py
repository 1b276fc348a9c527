"""NCRs: opened from floor defects, edited, moved along their lifecycle; the engineer's verdict on the triage draft."""

import logging
import uuid
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from instructions.models import ProposalSource, WorkInstruction
from plexcopilot import events
from plexcopilot.services import audit_record
from quality import taxonomy
from quality.models import (
    NCR,
    DefectReport,
    Disposition,
    DraftStatus,
    NCRSource,
    NCRStatus,
    NCRTriageDraft,
    TriageDecision,
    TriageField,
    TriageVerdict,
)
from quality.triage_drafts import ncr_triage_request

logger = logging.getLogger(__name__)


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
    if field == TriageField.ROOT_CAUSE:
        value = value.upper()  # as the NCR record form takes it: "tool-wear" is TOOL-WEAR
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
        before = (
            TriageDecision.objects.filter(draft=draft, field=field).values_list("verdict", flat=True).first()
        )
        approved_before = before in (TriageVerdict.ACCEPTED, TriageVerdict.EDITED)
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
        withdrawn = approved_before and verdict == TriageVerdict.REJECTED
        if verdict in (TriageVerdict.ACCEPTED, TriageVerdict.EDITED) or withdrawn:
            # A person approved drafted content: only now may it leave plexcopilot (e.g. as a Plex note). A
            # rejection of a value approved before is a new revision too, so what left is corrected.
            NCRTriageDraft.objects.filter(pk=draft.pk).update(approved_revision=F("approved_revision") + 1)
            draft.refresh_from_db(fields=["approved_revision"])
            events.publish(
                events.NCR_DRAFT_APPROVED,
                ncr_id=ncr.pk,
                draft_id=draft.pk,
                revision=draft.approved_revision,
                withdrawn=[field] if withdrawn else [],
            )
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
        # Only the changed fields: another engineer's lifecycle step since this page was read is kept.
        ncr.save(update_fields=[*changes, "updated_at"])
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

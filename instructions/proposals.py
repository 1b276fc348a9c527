"""Change proposals: draft (with cited evidence), submit, revise, rebase onto a newer version, reject, roll back.

A proposal records the edits and the content hash of what it would publish; nothing reaches the floor until it is
signed (`instructions.approval.proposal_sign`). The edit format is described in `instructions.proposal_content`.
"""

from collections.abc import Callable, Sequence
from typing import Any

from django.db import transaction
from django.utils import timezone

from instructions.approval import SIGNER_ROLES
from instructions.models import (
    ChangeProposal,
    EvidenceKind,
    InstructionVersion,
    Measurement,
    ProposalEvidence,
    ProposalSource,
    ProposalStatus,
    UnclearFlag,
    WorkInstruction,
)
from instructions.proposal_content import (
    ProposalConflict,
    ProposalInvalid,
    edits_apply,
    edits_clean,
    steps_hash,
    steps_normalise,
    version_steps,
)
from instructions.step_diff import diff_risk, diff_summary, steps_diff
from plexcopilot.roles import user_role
from plexcopilot.services import audit_record
from plexcopilot.signatures import SignatureRefused

RATIONALE_MAX = 4000  # ChangeProposal.rationale
REJECT_REASON_MAX = 1000  # ChangeProposal.decision_reason


def _too_long(what: str, text: str, limit: int) -> str | None:
    """The refusal of a person's text over its limit (said with its length; never cut to fit), or None."""
    if len(text) <= limit:
        return None
    return f"The {what} is {len(text):,} characters long; {limit:,} at most. Nothing was cut: shorten it and send again."


def rationale_clean(rationale: str) -> str:
    """The rationale as saved (trimmed, a line break once); refused when empty or over RATIONALE_MAX."""
    text = (rationale or "").replace("\r\n", "\n").strip()
    if not text:
        raise ProposalInvalid("Say why the change is needed (the rationale).")
    if refusal := _too_long("rationale", text, RATIONALE_MAX):
        raise ProposalInvalid(refusal)
    return text


#: model -> (record -> ProposalEvidence fields), for records of apps above instructions that a proposal cites
#: with their own foreign key (quality's defect reports). Registered in the owning app's AppConfig.ready().
_evidence_describers: dict[type, Callable[[Any], dict[str, Any]]] = {}


def evidence_describer_register(model: type, describe: Callable[[Any], dict[str, Any]]) -> None:
    """Cite `model` records as evidence with the ProposalEvidence fields `describe(record)` returns."""
    _evidence_describers[model] = describe


def _evidence_rows(items: Sequence[Any]) -> list[ProposalEvidence]:
    rows = []
    for item in items:
        describe = _evidence_describers.get(type(item))
        if describe is not None:
            rows.append(ProposalEvidence(**describe(item)))
        elif isinstance(item, UnclearFlag):
            rows.append(ProposalEvidence(kind=EvidenceKind.FLAG, flag=item, step_key=item.step.key,
                                         label=f"Flag on step {item.step.order}: {item.comment or 'no comment'}"[:300]))  # fmt: skip
        elif isinstance(item, Measurement):
            rows.append(ProposalEvidence(kind=EvidenceKind.OUT_OF_SPEC, measurement=item, step_key=item.step.key,
                                         label=f"Reading {item.value_text} {item.step.spec_unit} on step {item.step.order}"
                                         f"{'' if item.in_spec else ' (out of spec)'}"[:300]))  # fmt: skip
        elif isinstance(item, dict):
            kind = item.get("kind", EvidenceKind.OTHER)
            if kind not in EvidenceKind.values:
                raise ProposalInvalid(f"Unknown evidence kind “{str(kind)[:20]}”.")
            rows.append(ProposalEvidence(kind=kind, object_type=str(item.get("object_type", ""))[:60],
                                         object_id=str(item.get("object_id", ""))[:64],
                                         step_key=str(item.get("step_key", ""))[:32],
                                         label=str(item.get("label") or kind)[:300]))  # fmt: skip
        elif hasattr(item, "_meta") and item.pk is not None:
            label = item._meta.label_lower
            kind = EvidenceKind.NCR if "ncr" in label else (
                EvidenceKind.COPILOT_QUESTION if label.startswith("copilot.") else EvidenceKind.OTHER)  # fmt: skip
            rows.append(ProposalEvidence(kind=kind, object_type=label, object_id=str(item.pk),
                                         step_key=str(getattr(item, "step_key", "") or "")[:32],
                                         label=str(item)[:300]))  # fmt: skip
        else:
            raise ProposalInvalid(
                "Evidence must be flags, defects, readings, saved records or evidence dicts."
            )
    return rows


def _evidence_copy(*, source: ChangeProposal, target: ChangeProposal) -> None:
    ProposalEvidence.objects.bulk_create(
        [
            ProposalEvidence(
                proposal=target,
                kind=e.kind,
                flag_id=e.flag_id,
                defect_id=e.defect_id,
                measurement_id=e.measurement_id,
                object_type=e.object_type,
                object_id=e.object_id,
                step_key=e.step_key,
                label=e.label,
            )  # fmt: skip
            for e in source.evidence.all()
        ]
    )


def proposal_draft(
    *,
    instruction: WorkInstruction,
    base_version: InstructionVersion,
    source: str,
    edits: list[dict[str, Any]],
    rationale: str,
    evidence: Sequence[Any],
    proposed_by: Any | None = None,
    summary: str = "",
    submit: bool = True,
    actor: Any | None = None,
) -> ChangeProposal:
    """Create a change proposal; it goes straight to the approval queue unless `submit=False`.

    `actor`: who did this, for the audit trail, when not the proposer (a rebase by someone else keeps the
    original proposer as proposer, and the audit names the person who rebased).

    `evidence`: UnclearFlag, DefectReport and Measurement instances, any other saved model instance
    (NCRs, copilot questions: linked by label and pk), or dicts {kind, object_type, object_id, label}.
    Raises ProposalInvalid with a message for the person when the proposal cannot be made.
    """
    if base_version.instruction_id != instruction.pk:
        raise ProposalInvalid("The base version belongs to another instruction.")
    if source not in ProposalSource.values:
        raise ProposalInvalid(f"Unknown proposal source “{str(source)[:30]}”.")
    rationale = rationale_clean(rationale)
    cleaned = edits_clean(edits)
    base_steps = version_steps(base_version)
    steps = edits_apply(steps=base_steps, edits=cleaned)
    digest = steps_hash(instruction=instruction, steps=steps)
    if digest == base_version.content_hash:
        raise ProposalInvalid("These edits change nothing in the instruction.")
    diff = steps_diff(base_steps, steps_normalise(steps))
    summary = (summary or "").strip() or diff_summary(diff)
    rows = _evidence_rows(evidence)
    with transaction.atomic():
        proposal = ChangeProposal.objects.create(
            instruction=instruction,
            base_version=base_version,
            source=source,
            status=ProposalStatus.PENDING if submit else ProposalStatus.DRAFT,
            risk=diff_risk(diff),
            summary=summary[:200],
            rationale=rationale,
            edits=cleaned,
            content_hash=digest,
            proposed_by=proposed_by,
        )
        for row in rows:
            row.proposal = proposal
        ProposalEvidence.objects.bulk_create(rows)
        audit_record(
            actor=actor or proposed_by,
            action="proposal.create",
            obj=proposal,
            summary=f"Proposed for {instruction.title} v{base_version.number}: {proposal.summary}",
            data={
                "source": source,
                "risk": proposal.risk,
                "content_hash": digest,
                "evidence": len(rows),
                "status": proposal.status,
            },  # fmt: skip
        )
    return proposal


def proposal_submit(*, proposal: ChangeProposal, user: Any) -> ChangeProposal:
    """A draft goes into the approval queue."""
    if ChangeProposal.objects.filter(pk=proposal.pk, status=ProposalStatus.DRAFT).update(
        status=ProposalStatus.PENDING
    ):
        audit_record(
            actor=user, action="proposal.submit", obj=proposal, summary=f"Submitted: {proposal.summary}"
        )
    proposal.refresh_from_db()
    return proposal


def proposal_rollback(
    *, instruction: WorkInstruction, target: InstructionVersion, user: Any, reason: str = ""
) -> ChangeProposal:
    """Propose publishing `target`'s content again as a new version; it needs the usual signatures."""
    if target.instruction_id != instruction.pk:
        raise ProposalInvalid("That version belongs to another instruction.")
    current = instruction.current_version
    if current is None:
        raise ProposalInvalid("The instruction has no published version to roll back from.")
    if target.pk == current.pk or target.content_hash == current.content_hash:
        raise ProposalInvalid(f"v{target.number} is what the floor already uses.")
    steps = version_steps(target)
    diff = steps_diff(version_steps(current), steps)
    rationale = (reason or "").strip() or f"Roll back to the content of v{target.number}."
    with transaction.atomic():
        proposal = ChangeProposal.objects.create(
            instruction=instruction,
            base_version=current,
            source=ProposalSource.ROLLBACK,
            status=ProposalStatus.PENDING,
            risk=diff_risk(diff),
            summary=f"Roll back to v{target.number}",
            rationale=rationale[:4000],
            edits=[],
            restored_from=target,
            content_hash=steps_hash(instruction=instruction, steps=steps),
            proposed_by=user,
        )
        audit_record(
            actor=user,
            action="proposal.rollback",
            obj=proposal,
            summary=f"Rollback of {instruction.title} from v{current.number} to v{target.number} proposed",
            data={"target": target.number, "base": current.number, "risk": proposal.risk},
        )
    return proposal


def proposal_reject(*, proposal: ChangeProposal, user: Any, reason: str) -> ChangeProposal:
    # A NUL byte (a paste's) is no character anyone reads: dropped, not stored (PostgreSQL refuses it, a 500).
    reason = (reason or "").replace("\x00", "").replace("\r\n", "\n").strip()
    if not reason:
        raise SignatureRefused("Give a reason for the rejection; the proposer will read it.")
    if refusal := _too_long("reason", reason, REJECT_REASON_MAX):
        raise SignatureRefused(refusal)
    if user_role(user) not in SIGNER_ROLES:
        raise SignatureRefused("Only supervisors, quality engineers and admins decide on proposals.")
    with transaction.atomic():
        rejected = ChangeProposal.objects.filter(
            pk=proposal.pk, status__in=[ProposalStatus.PENDING, ProposalStatus.DRAFT]
        ).update(status=ProposalStatus.REJECTED, decided_at=timezone.now(), decided_by=user,
                 decision_reason=reason)  # fmt: skip
        if not rejected:
            raise SignatureRefused("This proposal has already been decided.")
        audit_record(actor=user, action="proposal.reject", obj=proposal,
                     summary=f"Rejected: {proposal.summary} — {reason[:200]}")  # fmt: skip
    proposal.refresh_from_db()
    return proposal


def proposal_rebase(*, proposal: ChangeProposal, user: Any) -> ChangeProposal:
    """Re-apply a stale proposal's edits to the current version as a new proposal; the old one is superseded.

    Raises ProposalConflict when a step it edits was changed or removed in between.
    """
    instruction = WorkInstruction.objects.get(pk=proposal.instruction_id)
    current = instruction.current_version
    if not proposal.is_open:
        raise ProposalConflict("Only an open proposal can be rebased.")
    if current is None or current.pk == proposal.base_version_id:
        raise ProposalConflict("This proposal is already based on the current version.")
    if proposal.restored_from_id is not None:
        try:
            fresh = proposal_rollback(instruction=instruction, target=proposal.restored_from, user=user,  # type: ignore[arg-type]
                                      reason=proposal.rationale)  # fmt: skip
        except ProposalInvalid as error:
            raise ProposalConflict(f"Cannot rebase onto v{current.number}: {error}") from None
    else:
        base = {s["key"]: s for s in version_steps(proposal.base_version)}
        now = {s["key"]: s for s in version_steps(current)}
        clashes = []
        for edit in proposal.edits:
            key = edit.get("key")
            if not key or key not in base:
                continue
            if key not in now or any(base[key].get(f) != now[key].get(f) for f in edit.get("fields", {})):
                clashes.append(base[key]["title"])
        if clashes:
            raise ProposalConflict(
                f"v{current.number} also changed {', '.join(f'“{t}”' for t in clashes)}; "
                "reject this proposal and draft a new one from the current version."
            )
        try:
            fresh = proposal_draft(instruction=instruction, base_version=current, source=proposal.source,
                                   edits=proposal.edits, rationale=proposal.rationale, summary=proposal.summary,
                                   evidence=[], proposed_by=proposal.proposed_by, actor=user)  # fmt: skip
        except ProposalInvalid as error:
            raise ProposalConflict(f"Cannot rebase onto v{current.number}: {error}") from None
        _evidence_copy(source=proposal, target=fresh)
    with transaction.atomic():
        ChangeProposal.objects.filter(pk=proposal.pk, status__in=[ProposalStatus.PENDING, ProposalStatus.DRAFT]).update(
            status=ProposalStatus.SUPERSEDED, superseded_by=fresh, decided_at=timezone.now(), decided_by=user,
            decision_reason=f"Rebased onto v{current.number} as proposal {fresh.pk}",
        )  # fmt: skip
        audit_record(actor=user, action="proposal.rebase", obj=proposal,
                     summary=f"Proposal {proposal.pk} rebased onto v{current.number} as proposal {fresh.pk}")  # fmt: skip
    return fresh


def proposal_revise(
    *, proposal: ChangeProposal, user: Any, edits: list[dict[str, Any]], rationale: str = ""
) -> ChangeProposal:
    """Reword an open proposal: a new proposal with the extra edits, same base and evidence; the old one is superseded.

    The reviser becomes the new proposal's proposer, so they cannot also approve it alone.
    """
    if not proposal.is_open:
        raise ProposalInvalid("Only an open proposal can be edited.")
    if proposal.restored_from_id is not None:
        raise ProposalInvalid(
            "A rollback restores an old version as it was; reject it and propose a change instead."
        )
    with transaction.atomic():
        fresh = proposal_draft(
            instruction=proposal.instruction,
            base_version=proposal.base_version,
            source=proposal.source,
            edits=[*proposal.edits, *edits_clean(edits)],
            rationale=(rationale or "").strip() or proposal.rationale,
            evidence=[],
            proposed_by=user,
            summary=proposal.summary,
        )
        _evidence_copy(source=proposal, target=fresh)
        superseded = ChangeProposal.objects.filter(
            pk=proposal.pk, status__in=[ProposalStatus.PENDING, ProposalStatus.DRAFT]
        ).update(status=ProposalStatus.SUPERSEDED, superseded_by=fresh, decided_at=timezone.now(), decided_by=user,
                 decision_reason=f"Edited as proposal {fresh.pk}")  # fmt: skip
        if not superseded:
            raise ProposalInvalid("This proposal was decided while you were editing it; nothing was changed.")
        audit_record(actor=user, action="proposal.revise", obj=proposal,
                     summary=f"Proposal {proposal.pk} edited as proposal {fresh.pk}")  # fmt: skip
    return fresh


def proposal_is_stale(proposal: ChangeProposal) -> bool:
    current_id = (
        WorkInstruction.objects.filter(pk=proposal.instruction_id)
        .values_list("current_version_id", flat=True)
        .first()
    )
    return proposal.is_open and current_id != proposal.base_version_id

"""Governance services: change proposals, electronic signatures, publishing, rollback and diffs.

Nothing reaches the floor without a signed approval. Publishing goes through
instructions.services.version_publish (a conditional update on the base version), so two
proposals on the same base, or a thousand concurrent approvals, publish exactly once.

Edits, as accepted by `proposal_draft` (a list of dicts, applied in order to the base steps):

    {"op": "change", "key": KEY, "fields": {"caution": "...", "spec_upper": "28", ...}}
    {"op": "add", "after": KEY or None (None = first), "step": {"title": ..., "text": ..., ...}}
    {"op": "remove", "key": KEY}
    {"op": "move", "key": KEY, "after": KEY or None}

Field names are those of instructions.services.STEP_FIELDS (title, text, caution, why, critical,
safety_critical, tool, media, check_kind, spec_nominal, spec_lower, spec_upper, spec_unit).
"""

import difflib
import logging
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from instructions.media import MediaRejected, media_reference_check
from instructions.models import (
    ChangeProposal,
    EvidenceKind,
    InstructionVersion,
    Measurement,
    ProposalEvidence,
    ProposalSource,
    ProposalStatus,
    RiskClass,
    Signature,
    SignatureMeaning,
    Step,
    UnclearFlag,
    WorkInstruction,
    content_hash,
)
from instructions.services import STEP_FIELDS, PublishConflict, _step_content, version_publish
from plexcopilot.roles import ADMIN, QUALITY, SUPERVISOR, user_role
from plexcopilot.services import audit_chain_lock, audit_record
from plexcopilot.signatures import SignatureRefused, printed_name, reauthenticate

FIELD_LABELS = {
    "title": "Title", "text": "Instruction", "caution": "Caution", "why": "Why it matters",
    "critical": "Critical", "safety_critical": "Safety-critical", "tool": "Tool", "media": "Media", "media_caption": "Media caption",
    "check_kind": "Check", "spec_nominal": "Nominal", "spec_lower": "Lower limit",
    "spec_upper": "Upper limit", "spec_unit": "Unit",
}  # fmt: skip
logger = logging.getLogger(__name__)
SIGNER_ROLES = (SUPERVISOR, QUALITY, ADMIN)
RELEASE_ROLES = (SUPERVISOR, ADMIN)


class ProposalInvalid(Exception):
    """The proposal cannot be created as given; the message says what to fix."""


class ProposalConflict(Exception):
    """The instruction moved on since the proposal's base version: rebase it first."""


# --- Content ------------------------------------------------------------------------------------


def version_steps(version: InstructionVersion) -> list[dict[str, Any]]:
    """A published version's steps as plain content dicts, in order."""
    return [step.content() for step in version.steps.order_by("order")]


def steps_normalise(steps: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Steps as version_publish will store them (orders renumbered, specs as plain strings)."""
    return [Step(**_step_content(raw, order)).content() for order, raw in enumerate(steps, start=1)]


def steps_hash(*, instruction: WorkInstruction, steps: list[dict[str, Any]]) -> str:
    """The content hash the version publishing these steps will carry."""
    return content_hash(title=instruction.title, steps=steps_normalise(steps))


def _clean_fields(raw: Any, *, where: str) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise ProposalInvalid(f"{where}: give the step fields to set.")
    if not raw:
        raise ProposalInvalid(f"{where}: these edits change nothing in the step.")
    unknown = sorted(set(raw) - set(STEP_FIELDS))
    if unknown:
        raise ProposalInvalid(f"{where}: unknown step field(s) {', '.join(unknown)}.")
    cleaned: dict[str, Any] = {}
    for name, value in raw.items():
        if name in ("critical", "safety_critical"):
            cleaned[name] = bool(value)
        elif name in ("spec_nominal", "spec_lower", "spec_upper"):
            if value in (None, ""):
                cleaned[name] = None
                continue
            try:
                number = Decimal(str(value).strip().replace(",", "."))
            except InvalidOperation:
                raise ProposalInvalid(
                    f"{where}: {FIELD_LABELS[name]} “{str(value)[:20]}” is not a number."
                ) from None
            if not number.is_finite():
                raise ProposalInvalid(f"{where}: {FIELD_LABELS[name]} must be a finite number.")
            cleaned[name] = format(number.normalize(), "f")
        else:
            text = "" if value is None else str(value).strip()
            if name == "media":
                try:
                    text = media_reference_check(text)
                except MediaRejected as error:
                    raise ProposalInvalid(f"{where}: {error}") from None
            if name in ("title", "text") and not text:
                raise ProposalInvalid(f"{where}: the step {FIELD_LABELS[name].lower()} cannot be empty.")
            limit = {"title": 120, "tool": 120, "media": 200, "media_caption": 300, "check_kind": 12, "spec_unit": 16}.get(
                name, 4000
            )
            if len(text) > limit:
                raise ProposalInvalid(f"{where}: {FIELD_LABELS[name]} is longer than {limit} characters.")
            cleaned[name] = text
    return cleaned


def edits_clean(edits: Any) -> list[dict[str, Any]]:
    """Validate edits and give new steps their stable keys, so the proposal hashes the same forever."""
    if not isinstance(edits, list) or not edits:
        raise ProposalInvalid("A proposal needs at least one step edit.")
    cleaned: list[dict[str, Any]] = []
    for number, edit in enumerate(edits, start=1):
        where = f"Edit {number}"
        if not isinstance(edit, dict):
            raise ProposalInvalid(f"{where} is not a step edit.")
        op = edit.get("op")
        if op == "change":
            cleaned.append({"op": op, "key": str(edit.get("key") or ""),
                            "fields": _clean_fields(edit.get("fields"), where=where)})  # fmt: skip
        elif op == "add":
            step = _clean_fields(edit.get("step"), where=where)
            if not step.get("title") or not step.get("text"):
                raise ProposalInvalid(f"{where}: a new step needs a title and an instruction text.")
            step["key"] = str((edit.get("step") or {}).get("key") or uuid.uuid4().hex[:12])[:32]
            cleaned.append({"op": op, "after": edit.get("after") or None, "step": step})
        elif op == "remove":
            cleaned.append({"op": op, "key": str(edit.get("key") or "")})
        elif op == "move":
            cleaned.append({"op": op, "key": str(edit.get("key") or ""), "after": edit.get("after") or None})
        else:
            raise ProposalInvalid(
                f"{where}: unknown operation “{str(op)[:20]}” (use change, add, remove or move)."
            )
    return cleaned


def edits_apply(*, steps: list[dict[str, Any]], edits: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The steps after `edits`; raises ProposalInvalid when an edit names a step that is not there."""
    result = [dict(step) for step in steps]

    def index_of(key: Any, number: int) -> int:
        for index, step in enumerate(result):
            if step["key"] == key:
                return index
        raise ProposalInvalid(f"Edit {number}: step “{str(key)[:32]}” is not in this version.")

    for number, edit in enumerate(edits, start=1):
        op = edit["op"]
        if op == "change":
            result[index_of(edit["key"], number)].update(edit["fields"])
        elif op == "remove":
            result.pop(index_of(edit["key"], number))
        elif op in ("add", "move"):
            if op == "add":
                if any(step["key"] == edit["step"]["key"] for step in result):
                    raise ProposalInvalid(f"Edit {number}: step key {edit['step']['key']} is already used.")
                moving = {field_name: "" for field_name in STEP_FIELDS} | edit["step"]
            else:
                moving = result.pop(index_of(edit["key"], number))
            position = 0 if edit["after"] is None else index_of(edit["after"], number) + 1
            result.insert(position, moving)
    for order, step in enumerate(result, start=1):
        step["order"] = order
        lower, upper = step.get("spec_lower"), step.get("spec_upper")
        if lower not in (None, "") and upper not in (None, "") and Decimal(str(lower)) > Decimal(str(upper)):
            raise ProposalInvalid(f"Step “{step['title']}”: the lower limit is above the upper limit.")
    if not result:
        raise ProposalInvalid("An instruction needs at least one step.")
    return result


def proposal_steps(proposal: ChangeProposal) -> list[dict[str, Any]]:
    """The content the proposal would publish."""
    if proposal.restored_from_id is not None:
        return version_steps(proposal.restored_from)  # type: ignore[arg-type]
    return edits_apply(steps=version_steps(proposal.base_version), edits=proposal.edits)


# --- Diff -------------------------------------------------------------------------------------


@dataclass
class FieldChange:
    name: str
    label: str
    old: Any
    new: Any
    old_segments: list[tuple[bool, str]]
    new_segments: list[tuple[bool, str]]


@dataclass
class StepDiff:
    key: str
    status: str  # added | removed | changed | moved | same
    old: dict[str, Any] | None
    new: dict[str, Any] | None
    changes: list[FieldChange] = field(default_factory=list)

    @property
    def touched(self) -> bool:
        return self.status != "same"

    @property
    def safety_critical(self) -> bool:
        return bool((self.old or {}).get("safety_critical") or (self.new or {}).get("safety_critical"))


def _words(value: Any) -> list[str]:
    return re.split(r"(\s+)", "" if value is None else str(value))


def _segments(old: Any, new: Any) -> tuple[list[tuple[bool, str]], list[tuple[bool, str]]]:
    """Word-level marks for a side-by-side view: (changed, text) runs for each side."""
    a, b = _words(old), _words(new)
    left: list[tuple[bool, str]] = []
    right: list[tuple[bool, str]] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if i2 > i1:
            left.append((tag != "equal", "".join(a[i1:i2])))
        if j2 > j1:
            right.append((tag != "equal", "".join(b[j1:j2])))
    return left, right


def _display(name: str, value: Any) -> Any:
    if name in ("critical", "safety_critical"):
        return "yes" if value else "no"
    return "" if value is None else value


def steps_diff(old_steps: list[dict[str, Any]], new_steps: list[dict[str, Any]]) -> list[StepDiff]:
    """Step-level diff by stable step key, in the new order, removed steps where they used to be."""
    old_by_key = {step["key"]: step for step in old_steps}
    new_keys = [step["key"] for step in new_steps]
    old_common = [step["key"] for step in old_steps if step["key"] in set(new_keys)]
    new_common = [key for key in new_keys if key in old_by_key]
    moved = set()
    matcher = difflib.SequenceMatcher(a=old_common, b=new_common, autojunk=False)
    for tag, i1, i2, _j1, _j2 in matcher.get_opcodes():
        if tag != "equal":
            moved.update(old_common[i1:i2])
    diffs: dict[str, StepDiff] = {}
    for new in new_steps:
        old = old_by_key.get(new["key"])
        if old is None:
            diffs[new["key"]] = StepDiff(new["key"], "added", None, new)
            continue
        changes = []
        for name in STEP_FIELDS:
            before, after = _display(name, old.get(name)), _display(name, new.get(name))
            if str(before) != str(after):
                left, right = _segments(before, after)
                changes.append(FieldChange(name, FIELD_LABELS[name], before, after, left, right))
        status = "changed" if changes else ("moved" if new["key"] in moved else "same")
        diffs[new["key"]] = StepDiff(new["key"], status, old, new, changes)
    # Removed steps go right after the step that preceded them in the old version.
    result: list[StepDiff] = []
    removed_after: dict[str | None, list[StepDiff]] = {}
    previous: str | None = None
    for old in old_steps:
        if old["key"] not in diffs:
            removed_after.setdefault(previous, []).append(StepDiff(old["key"], "removed", old, None))
        else:
            previous = old["key"]
    result.extend(removed_after.get(None, []))
    for key in new_keys:
        result.append(diffs[key])
        result.extend(removed_after.get(key, []))
    return result


def proposal_diff(proposal: ChangeProposal) -> list[StepDiff]:
    return steps_diff(version_steps(proposal.base_version), proposal_steps(proposal))


def _risk(diff: list[StepDiff]) -> str:
    touched = [d for d in diff if d.touched]
    return RiskClass.SAFETY_CRITICAL if any(d.safety_critical for d in touched) else RiskClass.STANDARD


# --- Proposals ----------------------------------------------------------------------------------


def _evidence_rows(items: Sequence[Any]) -> list[ProposalEvidence]:
    from quality.models import DefectReport

    rows = []
    for item in items:
        if isinstance(item, UnclearFlag):
            rows.append(ProposalEvidence(kind=EvidenceKind.FLAG, flag=item, step_key=item.step.key,
                                         label=f"Flag on step {item.step.order}: {item.comment or 'no comment'}"[:300]))  # fmt: skip
        elif isinstance(item, DefectReport):
            rows.append(ProposalEvidence(kind=EvidenceKind.DEFECT, defect=item, step_key=item.step_key,
                                         label=f"Defect {item.pk} ({item.get_category_display()}): {item.description}"[:300]))  # fmt: skip
        elif isinstance(item, Measurement):
            rows.append(ProposalEvidence(kind=EvidenceKind.OUT_OF_SPEC, measurement=item, step_key=item.step.key,
                                         label=f"Reading {item.raw_value} {item.step.spec_unit} on step {item.step.order}"
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
    rationale = (rationale or "").strip()
    if not rationale:
        raise ProposalInvalid("Say why the change is needed (the rationale).")
    cleaned = edits_clean(edits)
    base_steps = version_steps(base_version)
    steps = edits_apply(steps=base_steps, edits=cleaned)
    digest = steps_hash(instruction=instruction, steps=steps)
    if digest == base_version.content_hash:
        raise ProposalInvalid("These edits change nothing in the instruction.")
    diff = steps_diff(base_steps, steps_normalise(steps))
    summary = (summary or "").strip() or _summary(diff)
    rows = _evidence_rows(evidence)
    with transaction.atomic():
        proposal = ChangeProposal.objects.create(
            instruction=instruction,
            base_version=base_version,
            source=source,
            status=ProposalStatus.PENDING if submit else ProposalStatus.DRAFT,
            risk=_risk(diff),
            summary=summary[:200],
            rationale=rationale[:4000],
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


def _summary(diff: list[StepDiff]) -> str:
    parts = []
    for d in diff:
        title = (d.new or d.old or {}).get("title", "")
        if d.status == "changed":
            parts.append(f"{', '.join(c.label.lower() for c in d.changes)} of “{title}”")
        elif d.status in ("added", "removed", "moved"):
            parts.append(f"{d.status} “{title}”")
    return ("Change " + "; ".join(parts)) if parts else "Change"


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
            risk=_risk(diff),
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
    reason = (reason or "").strip()
    if not reason:
        raise SignatureRefused("Give a reason for the rejection; the proposer will read it.")
    if user_role(user) not in SIGNER_ROLES:
        raise SignatureRefused("Only supervisors, quality engineers and admins decide on proposals.")
    with transaction.atomic():
        rejected = ChangeProposal.objects.filter(
            pk=proposal.pk, status__in=[ProposalStatus.PENDING, ProposalStatus.DRAFT]
        ).update(status=ProposalStatus.REJECTED, decided_at=timezone.now(), decided_by=user,
                 decision_reason=reason[:1000])  # fmt: skip
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


# --- Signatures and publishing ------------------------------------------------------------------


@dataclass(frozen=True)
class SignOutcome:
    signature: Signature | None
    published: InstructionVersion | None
    message: str


def signature_requirements(proposal: ChangeProposal, signatures: Sequence[Signature]) -> list[str]:
    """What is still missing before the proposal may be released (empty when it may)."""
    valid = [s for s in signatures if s.content_hash == proposal.content_hash]
    missing = []
    release = [
        s for s in valid if s.role in RELEASE_ROLES and s.meaning == SignatureMeaning.APPROVED_FOR_RELEASE
    ]
    if not release:
        missing.append("a supervisor's signature “approved for release”")
    if proposal.is_safety_critical:
        quality = [s for s in valid if s.role == QUALITY]
        if not quality:
            missing.append("a quality engineer's signature (safety-critical change)")
        elif release and {s.signer_id for s in release} | {s.signer_id for s in quality} == {
            release[0].signer_id
        }:
            missing.append("a second person's signature")
    return missing


AREA_GROUP_PREFIX = "area:"


def signer_areas(user: Any) -> set[str]:
    """The areas a supervisor is limited to: Django auth groups named "area:<area>"; none means plant-wide."""
    return {
        name[len(AREA_GROUP_PREFIX) :]
        for name in user.groups.filter(name__startswith=AREA_GROUP_PREFIX).values_list("name", flat=True)
    }


def proposal_sign(
    *,
    proposal: ChangeProposal,
    user: Any,
    meaning: str,
    password: str = "",
    badge: str = "",
    pin: str = "",
) -> SignOutcome:
    """Sign a proposal after re-authentication; the signature that completes the rules publishes it.

    Signing and publishing happen in one transaction that first bumps the proposal's revision
    with a conditional update (only while pending), so concurrent signers queue up and exactly
    one of them publishes. A refused signature changes nothing and is logged.
    """
    try:
        if meaning not in SignatureMeaning.values:
            raise SignatureRefused("Choose what your signature means.")
        role = user_role(user)
        if role not in SIGNER_ROLES:
            raise SignatureRefused("Only supervisors, quality engineers and admins sign proposals.")
        if proposal.proposed_by_id is not None and proposal.proposed_by_id == user.pk:
            raise SignatureRefused("You proposed this change; another person must approve it.")
        areas = signer_areas(user)
        area = WorkInstruction.objects.filter(pk=proposal.instruction_id).values_list(
            "operation__work_center__area", flat=True
        )[0]
        if role == SUPERVISOR and areas and area not in areas:
            raise SignatureRefused(
                f"You supervise {', '.join(sorted(areas))}; this instruction is in {area or 'no area'}."
            )
        method = reauthenticate(user=user, password=password, badge=badge, pin=pin)
    except SignatureRefused as error:
        audit_record(actor=user, action="signature.refused", obj=proposal,
                     summary=f"Signature refused on proposal {proposal.pk}: {error}")  # fmt: skip
        raise
    printed = printed_name(user)
    try:
        with transaction.atomic():
            audit_chain_lock()  # chain lock before row locks: one lock order for every signer
            claimed = ChangeProposal.objects.filter(pk=proposal.pk, status=ProposalStatus.PENDING).update(
                revision=F("revision") + 1
            )
            if not claimed:
                current = ChangeProposal.objects.get(pk=proposal.pk)
                raise SignatureRefused(f"This proposal is already {current.get_status_display().lower()}.")
            fresh = ChangeProposal.objects.select_related("instruction", "base_version").get(pk=proposal.pk)
            if fresh.instruction.current_version_id != fresh.base_version_id:
                raise ProposalConflict(
                    f"{fresh.instruction.title} changed since this proposal was made (it is based on "
                    f"v{fresh.base_version.number}). Rebase it before signing."
                )
            signature = None
            if not fresh.signatures.filter(signer=user, content_hash=fresh.content_hash).exists():
                with transaction.atomic():
                    signature = Signature.objects.create(
                        proposal=fresh, signer=user, printed_name=printed, role=role, meaning=meaning,
                        method=method, content_hash=fresh.content_hash,
                    )  # fmt: skip
                audit_record(actor=user, action="signature.sign", obj=signature,
                             summary=f"{printed} ({role}) signed proposal {fresh.pk} — {signature.get_meaning_display()}",
                             data={"proposal": fresh.pk, "content_hash": fresh.content_hash, "method": method})  # fmt: skip
            missing = signature_requirements(fresh, list(fresh.signatures.all()))
            if missing:
                message = "Signature recorded. Still needed: " + "; ".join(missing) + "."
                if signature is None:
                    message = (
                        "You have already signed this proposal. Still needed: " + "; ".join(missing) + "."
                    )
                return SignOutcome(signature, None, message)
            version = _publish(fresh, user)
    except IntegrityError:
        # A double submit by the same person raced past the exists() check: it is the same signature.
        return SignOutcome(None, None, "You have already signed this proposal.")
    except SignatureRefused as error:
        audit_record(actor=user, action="signature.refused", obj=proposal,
                     summary=f"Signature refused on proposal {proposal.pk}: {error}")  # fmt: skip
        raise
    proposal.refresh_from_db()
    transaction.on_commit(lambda: version_announce(version=version))
    return SignOutcome(signature, version, f"Approved and published as v{version.number}.")


def _publish(proposal: ChangeProposal, user: Any) -> InstructionVersion:
    steps = proposal_steps(proposal)
    note = f"{proposal.summary} (proposal {proposal.pk})"[:500]
    try:
        version = version_publish(
            instruction=proposal.instruction,
            steps=steps,
            change_note=note,
            published_by=user,
            base_version=proposal.base_version,
            restored_from=proposal.restored_from,
        )
    except PublishConflict as error:
        raise ProposalConflict(f"{error} Rebase the proposal before signing.") from None
    if version.content_hash != proposal.content_hash:
        # The signatures cover proposal.content_hash; never release anything else under them.
        raise ProposalConflict("The content to publish does not match what was signed.")
    approved = ChangeProposal.objects.filter(pk=proposal.pk, status=ProposalStatus.PENDING).update(
        status=ProposalStatus.APPROVED, published_version=version, decided_at=timezone.now(), decided_by=user
    )
    if approved != 1:
        raise ProposalConflict("This proposal was decided by someone else in the same moment.")
    audit_record(
        actor=user,
        action="proposal.approve",
        obj=proposal,
        summary=f"Approved proposal {proposal.pk}; {proposal.instruction.title} v{version.number} released",
        data={
            "version": version.number,
            "content_hash": version.content_hash,
            "signatures": list(proposal.signatures.values_list("printed_name", flat=True)),
        },  # fmt: skip
    )
    return version


def version_announce(*, version: InstructionVersion) -> None:
    """Tell every station showing this instruction that a new version is in effect.

    Runs after the publish commits; a failed notification never undoes a release (stations also
    learn of it when they reconnect), so errors are logged, not raised.
    """
    from instructions.consumers import instruction_group
    from plexcopilot.broadcast import group_send_now

    message = {"type": "version.published", "version_id": version.pk, "number": version.number}
    group_send_now(instruction_group(version.instruction_id), message)

"""What a change proposal would publish: step edits validated and applied to a version's steps, and their hash.

Edits, as accepted by `instructions.proposals.proposal_draft` (a list of dicts, applied in order to the base steps):

    {"op": "change", "key": KEY, "fields": {"caution": "...", "spec_upper": "28", ...}}
    {"op": "add", "after": KEY or None (None = first), "step": {"title": ..., "text": ..., ...}}
    {"op": "remove", "key": KEY}
    {"op": "move", "key": KEY, "after": KEY or None}

Field names are those of instructions.publishing.STEP_FIELDS (title, text, caution, why, critical,
safety_critical, tool, media (a StepMedia digest), media_caption, check_kind, spec_nominal, spec_lower, spec_upper, spec_unit).
"""

import uuid
from decimal import Decimal, InvalidOperation
from typing import Any

from instructions.media import MediaRejected, media_reference_check
from instructions.models import ChangeProposal, InstructionVersion, Step, WorkInstruction, content_hash
from instructions.publishing import STEP_FIELDS, step_content

FIELD_LABELS = {
    "title": "Title", "text": "Instruction", "caution": "Caution", "why": "Why it matters",
    "critical": "Critical", "safety_critical": "Safety-critical", "tool": "Tool", "media": "Media", "media_caption": "Media caption",
    "check_kind": "Check", "spec_nominal": "Nominal", "spec_lower": "Lower limit",
    "spec_upper": "Upper limit", "spec_unit": "Unit",
}  # fmt: skip


class ProposalInvalid(Exception):
    """The proposal cannot be created as given; the message says what to fix."""


class ProposalConflict(Exception):
    """The instruction moved on since the proposal's base version: rebase it first."""


def version_steps(version: InstructionVersion) -> list[dict[str, Any]]:
    """A published version's steps as plain content dicts, in order."""
    return [step.content() for step in version.steps.order_by("order")]


def steps_normalise(steps: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Steps as version_publish will store them (orders renumbered, specs as plain strings)."""
    return [Step(**step_content(raw, order)).content() for order, raw in enumerate(steps, start=1)]


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
            limit = {
                "title": 120,
                "tool": 120,
                "media": 200,
                "media_caption": 300,
                "check_kind": 12,
                "spec_unit": 16,
            }.get(name, 4000)
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

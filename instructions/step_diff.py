"""Step-level differences between two versions' steps (by stable step key), and what they say about a change."""

import difflib
import re
from dataclasses import dataclass, field
from typing import Any

from instructions.models import ChangeProposal, RiskClass
from instructions.proposal_content import FIELD_LABELS, proposal_steps, version_steps
from instructions.publishing import STEP_FIELDS


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


_TOKEN = re.compile(r"\s+|\w+|[^\w\s]")


def _words(value: Any) -> list[str]:
    """Tokens that together are the text: runs of whitespace, words, and each punctuation mark on its own, so
    "porosity" and "porosity," match and only what changed is marked."""
    return _TOKEN.findall("" if value is None else str(value))


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


def diff_risk(diff: list[StepDiff]) -> str:
    """The risk class of a change: the one rule every proposal (drafted, reworded, rebased, rolled back) uses.

    Safety-critical when a step it touches (adds, removes, moves or edits) is safety-critical before or after the
    change, or when a step it adds, removes or moves sits right next to a safety-critical step — a checkpoint
    added after a safety-critical check, a step taken out of or put into a safety-critical sequence.
    """
    touched = [d for d in diff if d.touched]
    if any(d.safety_critical for d in touched):
        return RiskClass.SAFETY_CRITICAL
    # The diff lists steps in the new order with removed ones where they used to be; the old order is by old position.
    old_order = sorted((d for d in diff if d.old is not None), key=lambda d: (d.old or {}).get("order") or 0)
    new_order = [d for d in diff if d.new is not None]
    for order, statuses in ((new_order, ("added", "moved")), (old_order, ("removed", "moved"))):
        for i, d in enumerate(order):
            if d.status not in statuses:
                continue
            neighbours = order[max(i - 1, 0) : i] + order[i + 1 : i + 2]
            if any(n.safety_critical for n in neighbours):
                return RiskClass.SAFETY_CRITICAL
    return RiskClass.STANDARD


def diff_summary(diff: list[StepDiff]) -> str:
    parts = []
    for d in diff:
        title = (d.new or d.old or {}).get("title", "")
        if d.status == "changed":
            parts.append(f"{', '.join(c.label.lower() for c in d.changes)} of “{title}”")
        elif d.status in ("added", "removed", "moved"):
            parts.append(f"{d.status} “{title}”")
    return ("Change " + "; ".join(parts)) if parts else "Change"

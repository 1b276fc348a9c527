"""Publishing a work instruction version: the one place a version is created, and the notice to stations.

`version_publish` switches `WorkInstruction.current_version` with a conditional update on the base version, so two
publishes from the same base can never both land (the second raises PublishConflict). Proposals reach it through
`instructions.approval.proposal_sign`; the demo plant and the Plex sync publish baselines with it directly.
"""

import uuid
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from instructions.models import InstructionVersion, Step, WorkInstruction, content_hash
from plexcopilot import events
from plexcopilot.services import audit_record

STEP_FIELDS = [
    "title", "text", "caution", "why", "critical", "safety_critical", "tool", "media", "media_caption",
    "check_kind", "spec_nominal", "spec_lower", "spec_upper", "spec_unit",
]  # fmt: skip


class PublishConflict(Exception):
    """The instruction moved on since the edit was based on it."""


def version_publish(
    *,
    instruction: WorkInstruction,
    steps: list[dict[str, Any]],
    change_note: str,
    published_by: Any | None,
    base_version: InstructionVersion | None,
    restored_from: InstructionVersion | None = None,
) -> InstructionVersion:
    """Publish `steps` as the instruction's next immutable version and make it current.

    The switch of `current_version` is a conditional update on `base_version`, so two
    publishes from the same base can never both land: the second raises PublishConflict.
    """
    normalised = [step_content(raw, order) for order, raw in enumerate(steps, start=1)]
    digest = content_hash(
        title=instruction.title, steps=[Step(**content).content() for content in normalised]
    )
    with transaction.atomic():
        moved = WorkInstruction.objects.filter(pk=instruction.pk, current_version=base_version).update(
            current_version=None
        )
        if moved != 1:
            raise PublishConflict(f"{instruction.title} changed since this edit was started.")
        last = instruction.versions.order_by("-number").values_list("number", flat=True).first() or 0
        version = InstructionVersion.objects.create(
            instruction=instruction,
            number=last + 1,
            content_hash=digest,
            change_note=change_note,
            effective_from=timezone.now(),
            published_by=published_by,
            restored_from=restored_from,
        )
        Step.objects.bulk_create([Step(version=version, **content) for content in normalised])
        # languages caches the step translations, after commit
        events.publish(events.VERSION_PUBLISHED, version_id=version.pk, instruction_id=instruction.pk)
        WorkInstruction.objects.filter(pk=instruction.pk).update(current_version=version)
        instruction.current_version = version
        audit_record(
            actor=published_by,
            action="version.publish",
            obj=version,
            summary=f"Published {instruction.title} v{version.number}: {change_note}",
            data={"content_hash": digest, "base_version": base_version.number if base_version else None},
        )
    return version


def step_content(raw: dict[str, Any], order: int) -> dict[str, Any]:
    """A step as stored: every STEP_FIELDS field cleaned, specs as Decimals, a stable key, its order."""
    content = {field: raw.get(field) for field in STEP_FIELDS}
    for text_field in ("caution", "why", "tool", "media", "media_caption", "check_kind", "spec_unit"):
        content[text_field] = (content[text_field] or "").strip()
    content["critical"] = bool(content["critical"])
    content["safety_critical"] = bool(content["safety_critical"])
    for number_field in ("spec_nominal", "spec_lower", "spec_upper"):
        value = content[number_field]
        content[number_field] = None if value in (None, "") else Decimal(str(value))
    content["key"] = raw.get("key") or uuid.uuid4().hex[:12]
    content["order"] = order
    return content


def version_announce(*, version: InstructionVersion) -> None:
    """Tell every station showing this instruction that a new version is in effect.

    Runs after the publish commits; a failed notification never undoes a release (stations also
    learn of it when they reconnect), so errors are logged, not raised.
    """
    from instructions.consumers import instruction_group
    from plexcopilot.broadcast import group_send_now

    message = {"type": "version.published", "version_id": version.pk, "number": version.number}
    group_send_now(instruction_group(version.instruction_id), message)

"""The plant's own knowledge in the library: published instruction versions and closed NCRs."""

from typing import Any, cast

from copilot.ingest import Source, documents_ingest
from copilot.library import ParsedDocument
from copilot.library import Passage as ParsedPassage
from copilot.models import (
    DocType,
    KnowledgeDocument,
)
from instructions.models import InstructionVersion, Operation, Step, WorkInstruction
from instructions.readings import spec_text


def _instruction_parsed(version: InstructionVersion) -> tuple[ParsedDocument, list[Step | None]]:
    instruction: WorkInstruction = version.instruction
    operation = instruction.operation
    steps = list(version.steps.order_by("order"))
    parsed = ParsedDocument(
        title=f"{instruction.title} (version {version.number})",
        file_format="instruction",
        meta={
            "type": DocType.INSTRUCTION.value,
            "part": instruction.part.number,
            "work_center": operation.work_center.code,
        },
    )
    for step in steps:
        lines = [step.text]
        if step.caution:
            lines.append(f"Caution: {step.caution}")
        if step.why:
            lines.append(f"Why: {step.why}")
        if step.tool:
            lines.append(f"Tool: {step.tool}")
        if step.is_measured:
            lines.append(f"Spec: {spec_text(step)}.")
        parsed.passages.append(ParsedPassage(f"Step {step.order}: {step.title}", "\n".join(lines)))
    return parsed, list(steps)


def instruction_versions_index(*, actor: Any | None = None) -> int:
    """Index every published instruction version not yet in the library (cheap when there is none)."""
    indexed = KnowledgeDocument.objects.filter(version__isnull=False).values("version_id")
    pending = InstructionVersion.objects.exclude(pk__in=indexed).select_related(
        "instruction__part", "instruction__operation__work_center"
    )
    sources = []
    for version in pending:
        parsed, steps = _instruction_parsed(version)
        if parsed.passages:
            sources.append(Source(f"instruction-version:{version.pk}", parsed, version, steps))
    if sources:
        documents_ingest(sources=sources, actor=actor)
    return len(sources)


def ncrs_index(*, actor: Any | None = None) -> int:
    """Index closed NCRs not yet in the library: what went wrong before, and what fixed it."""
    from quality.models import NCR

    closed = NCR.objects.filter(status="closed")
    if closed.count() == KnowledgeDocument.objects.filter(doc_type=DocType.NCR).count():
        return 0
    done = set(KnowledgeDocument.objects.filter(doc_type=DocType.NCR).values_list("source_key", flat=True))
    sources: list[Source] = []
    for ncr in closed.select_related("part", "operation__work_center", "step"):
        key = f"ncr:{ncr.number}"
        if key in done:
            continue
        lines = [ncr.description]
        for label, value in (
            ("Root cause", ncr.root_cause_text or ncr.root_cause_code),
            ("Containment", ncr.containment),
            ("Corrective action", ncr.corrective_action),
            ("Disposition", ncr.get_disposition_display() if ncr.disposition else ""),
        ):
            if value:
                lines.append(f"{label}: {value}")
        # Imported history may name a part or operation the local cache does not know yet: use its text labels.
        where = (ncr.operation_label or "NCR") + (f", step {ncr.step.order}" if ncr.step else "")
        parsed = ParsedDocument(
            title=f"{ncr.number} closed NCR — {ncr.part_label or 'unknown part'}",
            file_format="ncr",
            meta={
                "type": DocType.NCR.value,
                "part": ncr.part_label,
                "work_center": cast(Operation, ncr.operation).work_center.code if ncr.operation_id else "",
            },
            passages=[ParsedPassage(where, "\n".join(lines))],
        )
        sources.append(Source(key, parsed))
    for start in range(0, len(sources), 500):
        documents_ingest(sources=sources[start : start + 500], actor=actor)
    return len(sources)

"""Read-side queries for governance: the approval queue and version history."""

import datetime
from typing import Any

from django.db.models import Exists, F, OuterRef, Prefetch, QuerySet
from django.utils import timezone

from instructions.models import (
    AdaptationLog,
    ChangeProposal,
    Execution,
    InstructionVersion,
    ProposalStatus,
    Signature,
    UnclearFlag,
    WorkCenter,
    WorkInstruction,
    WorkOrder,
)


def proposal_queue(
    *, status: str = ProposalStatus.PENDING, area: str = "", work_center: str = "", min_age_days: int | None = None,
    risk: str = "",
) -> QuerySet[ChangeProposal]:  # fmt: skip
    """Proposals for the approval queue, oldest first (the longest-waiting need a decision first)."""
    proposals = ChangeProposal.objects.select_related(
        "instruction__operation__work_center", "instruction__part", "base_version", "proposed_by"
    ).prefetch_related("signatures")
    proposals = proposals.annotate(current_version_id=F("instruction__current_version_id"))
    if status:
        proposals = proposals.filter(status=status)
    if area:
        proposals = proposals.filter(instruction__operation__work_center__area=area)
    if work_center:
        proposals = proposals.filter(instruction__operation__work_center__code=work_center)
    if min_age_days:
        proposals = proposals.filter(created_at__lte=timezone.now() - datetime.timedelta(days=min_age_days))
    if risk:
        proposals = proposals.filter(risk=risk)
    return proposals.order_by("created_at", "id")


def queue_filter_options() -> dict[str, Any]:
    centers = WorkCenter.objects.filter(operations__instructions__isnull=False).distinct().order_by("code")
    return {
        "areas": sorted({c.area for c in centers if c.area}),
        "work_centers": list(centers),
    }


def version_history(instruction: WorkInstruction) -> list[InstructionVersion]:
    """Every version, newest first, with the proposal that released it and its signatures."""
    return list(
        instruction.versions.select_related("published_by", "restored_from")
        .prefetch_related(
            Prefetch(
                "proposal__signatures",
                queryset=Signature.objects.select_related("signer").order_by("signed_at", "id"),
            )
        )
        .select_related("proposal__proposed_by")
        .order_by("-number")
    )


def version_proposal(version: InstructionVersion) -> ChangeProposal | None:
    try:
        return version.proposal  # type: ignore[attr-defined,no-any-return]
    except ChangeProposal.DoesNotExist:
        return None


def instructions_overview() -> QuerySet[WorkInstruction]:
    return WorkInstruction.objects.select_related(
        "part", "operation__work_center", "current_version__published_by"
    ).order_by("part__number", "operation__sequence")


def dashboard_flags() -> QuerySet[UnclearFlag]:
    """The desk home page's latest unclear-step flags."""
    return UnclearFlag.objects.select_related("step", "raised_by", "work_order", "version__instruction")[:15]


def dashboard_adaptations() -> QuerySet[AdaptationLog]:
    """The desk home page's latest adaptation log rows."""
    return AdaptationLog.objects.select_related("employee", "version__instruction", "work_order")[:15]


def work_orders_startable(work_orders: QuerySet[WorkOrder]) -> QuerySet[WorkOrder]:
    """Each work order annotated `startable`: a released instruction for its part and operation (a version in
    effect), or a run already on it. The station home's open work and its next-jobs list both show the others as
    waiting for an instruction, instead of a tile whose tap only says so afterwards."""
    released = WorkInstruction.objects.filter(
        current_version__isnull=False, part=OuterRef("part"), operation=OuterRef("operation")
    )
    return work_orders.annotate(
        startable=Exists(released) | Exists(Execution.objects.filter(work_order=OuterRef("pk")))
    )

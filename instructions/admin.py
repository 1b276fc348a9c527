from django.contrib import admin

from instructions.models import (
    AdaptationLog,
    CertificationOverride,
    ChangeProposal,
    Execution,
    InstructionVersion,
    Operation,
    Part,
    ProposalEvidence,
    Signature,
    Station,
    Step,
    UnclearFlag,
    WorkCenter,
    WorkInstruction,
    WorkOrder,
)
from plexcopilot.admin import ReadOnlyAdmin


@admin.register(Part)
class PartAdmin(admin.ModelAdmin):
    list_display = ["number", "revision", "name", "plex_part_id"]
    search_fields = ["number", "name"]


@admin.register(WorkCenter)
class WorkCenterAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "area"]
    list_filter = ["area"]


@admin.register(Operation)
class OperationAdmin(admin.ModelAdmin):
    list_display = ["part", "sequence", "name", "work_center", "required_certification"]
    list_filter = ["work_center"]


@admin.register(WorkOrder)
class WorkOrderAdmin(admin.ModelAdmin):
    list_display = ["barcode", "number", "part", "operation", "quantity", "status", "due_date"]
    list_filter = ["status"]
    search_fields = ["barcode", "number"]


@admin.register(Station)
class StationAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "work_center", "active"]


@admin.register(WorkInstruction)
class WorkInstructionAdmin(admin.ModelAdmin):
    list_display = ["title", "part", "operation", "current_version"]
    readonly_fields = ["current_version"]  # changes go through proposals and approval


class StepInline(admin.TabularInline):
    model = Step
    fields = (
        "order",
        "title",
        "critical",
        "safety_critical",
        "check_kind",
        "spec_lower",
        "spec_upper",
        "spec_unit",
    )
    readonly_fields = fields
    can_delete = False
    extra = 0

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(InstructionVersion)
class InstructionVersionAdmin(ReadOnlyAdmin):
    list_display = ["instruction", "number", "effective_from", "published_by", "content_hash"]
    inlines = [StepInline]


@admin.register(Execution)
class ExecutionAdmin(ReadOnlyAdmin):
    list_display = ["work_order", "version", "status", "current_order", "started_by", "started_at"]
    list_filter = ["status"]


@admin.register(UnclearFlag)
class UnclearFlagAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "version", "step", "work_order", "raised_by", "comment"]


@admin.register(CertificationOverride)
class CertificationOverrideAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "execution", "operator", "supervisor", "reason"]


@admin.register(AdaptationLog)
class AdaptationLogAdmin(ReadOnlyAdmin):
    list_display = ["at", "employee", "work_order", "version", "level", "language"]
    list_filter = ["level", "language"]


# --- Governance: proposals and signatures are records; decisions happen in the approval queue ----


class ProposalEvidenceInline(admin.TabularInline):
    model = ProposalEvidence
    fields = ("kind", "label", "step_key", "flag", "defect", "measurement", "object_type", "object_id")
    readonly_fields = fields
    can_delete = False
    extra = 0

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


class SignatureInline(admin.TabularInline):
    model = Signature
    fields = ("printed_name", "role", "meaning", "method", "signed_at", "content_hash")
    readonly_fields = fields
    can_delete = False
    extra = 0

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(ChangeProposal)
class ChangeProposalAdmin(ReadOnlyAdmin):
    list_display = ["pk", "instruction", "base_version", "summary", "source", "risk", "status", "created_at"]
    list_filter = ["status", "risk", "source"]
    inlines = [ProposalEvidenceInline, SignatureInline]


@admin.register(Signature)
class SignatureAdmin(ReadOnlyAdmin):
    list_display = ["signed_at", "printed_name", "role", "meaning", "method", "proposal", "content_hash"]
    list_filter = ["role", "meaning"]

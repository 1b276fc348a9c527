from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from plexcopilot.admin import ReadOnlyAdmin
from plexcopilot.admin_audit import admin_action_audit
from quality.models import (
    NCR,
    DefectCategory,
    DefectReport,
    NCRTriageDraft,
    QualityAlert,
    RootCauseCode,
    TriageDecision,
    TriageModel,
)


class TaxonomyAdmin(admin.ModelAdmin):
    """Categories and codes are edited and retired here; one in use by history cannot be deleted (retire it)."""

    list_filter = ["active", "source"]
    search_fields = ["code"]
    actions = ["retire", "reinstate"]

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        if obj is None:
            return super().has_delete_permission(request)
        return super().has_delete_permission(request, obj) and not self.in_use(obj)

    def get_readonly_fields(self, request: HttpRequest, obj: object = None) -> list[str]:
        return ["code", "source", "created_at"] if obj is not None else ["source", "created_at"]

    @admin.action(description="Retire (no longer offered; history keeps it)")
    def retire(self, request: HttpRequest, queryset: QuerySet) -> None:
        retired = list(queryset.filter(active=True))
        queryset.filter(pk__in=[c.pk for c in retired]).update(active=False)
        admin_action_audit(request, "retired", retired, "retired (no longer offered; history keeps it)")

    @admin.action(description="Offer again")
    def reinstate(self, request: HttpRequest, queryset: QuerySet) -> None:
        offered = list(queryset.filter(active=False))
        queryset.filter(pk__in=[c.pk for c in offered]).update(active=True)
        admin_action_audit(request, "reinstated", offered, "offered again")

    def in_use(self, obj: object) -> bool:
        raise NotImplementedError


@admin.register(DefectCategory)
class DefectCategoryAdmin(TaxonomyAdmin):
    list_display = ["code", "label", "active", "source", "plex_id"]
    search_fields = ["code", "label"]

    def in_use(self, obj: object) -> bool:
        code = obj.code  # type: ignore[attr-defined]
        return (
            NCR.objects.filter(category=code).exists() or DefectReport.objects.filter(category=code).exists()
        )


@admin.register(RootCauseCode)
class RootCauseCodeAdmin(TaxonomyAdmin):
    list_display = ["code", "description", "active", "source", "plex_id"]
    search_fields = ["code", "description"]

    def in_use(self, obj: object) -> bool:
        return NCR.objects.filter(root_cause_code=obj.code).exists()  # type: ignore[attr-defined]


@admin.register(TriageModel)
class TriageModelAdmin(ReadOnlyAdmin):
    list_display = ["trained_at", "cases", "state", "seconds", "method"]
    exclude = ["blob"]


@admin.register(DefectReport)
class DefectReportAdmin(ReadOnlyAdmin):
    list_display = ["id", "created_at", "part", "operation", "step_key", "category", "quantity"]
    list_filter = ["category", "part"]


@admin.register(NCR)
class NCRAdmin(ReadOnlyAdmin):
    list_display = [
        "number",
        "source",
        "status",
        "part_number",
        "operation_number",
        "category",
        "root_cause_code",
        "opened_at",
    ]
    list_filter = ["source", "status", "category", "part"]
    search_fields = ["number", "description", "root_cause_code"]


@admin.register(NCRTriageDraft)
class NCRTriageDraftAdmin(ReadOnlyAdmin):
    list_display = ["ncr", "status", "requested_at", "completed_at", "method"]
    list_filter = ["status"]


@admin.register(TriageDecision)
class TriageDecisionAdmin(ReadOnlyAdmin):
    list_display = ["draft", "field", "verdict", "proposed_rank", "decided_by", "decided_at"]
    list_filter = ["field", "verdict"]


@admin.register(QualityAlert)
class QualityAlertAdmin(ReadOnlyAdmin):
    list_display = ["raised_at", "kind", "instruction", "step_title", "proposal_id", "acknowledged_at"]
    list_filter = ["kind"]

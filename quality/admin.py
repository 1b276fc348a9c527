from django.contrib import admin

from plexcopilot.admin import ReadOnlyAdmin
from quality.models import NCR, DefectReport, NCRTriageDraft, QualityAlert, TriageDecision


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
        "part",
        "operation",
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

from django.contrib import admin

from copilot.models import CopilotQuestion, KnowledgeDocument


@admin.register(KnowledgeDocument)
class KnowledgeDocumentAdmin(admin.ModelAdmin):
    list_display = ["title", "doc_type", "part_number", "work_center_code", "area", "roles", "updated_at"]
    list_filter = ["doc_type", "area"]
    search_fields = ["title", "source_key"]
    readonly_fields = ["source_key", "content_hash", "text", "version", "uploaded_by"]


@admin.register(CopilotQuestion)
class CopilotQuestionAdmin(admin.ModelAdmin):
    list_display = ["question", "operator", "work_order", "step", "engine", "helpful", "asked_at"]
    list_filter = ["engine", "helpful"]
    readonly_fields = [f.name for f in CopilotQuestion._meta.fields]

    def has_add_permission(self, request) -> bool:  # type: ignore[no-untyped-def]
        return False  # questions are asked at a station, never typed in here

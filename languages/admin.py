from django.contrib import admin

from languages.models import GlossaryTerm, MemorySegment, StepTranslation, TranslationReview


@admin.register(GlossaryTerm)
class GlossaryTermAdmin(admin.ModelAdmin):
    list_display = ["term", "language", "translation", "kind", "note"]
    list_filter = ["language", "kind"]
    search_fields = ["term", "translation"]


@admin.register(MemorySegment)
class MemorySegmentAdmin(admin.ModelAdmin):
    list_display = ["language", "source_text", "target_text", "origin", "approved_by", "approved_at"]
    list_filter = ["language", "origin"]
    search_fields = ["source_text", "target_text"]
    exclude = ["source_hash"]


@admin.register(TranslationReview)
class TranslationReviewAdmin(admin.ModelAdmin):
    """Decisions are made on the review page (signed and audited); the admin only reads them."""

    list_display = ["language", "source_text", "machine_text", "status", "decided_by", "decided_at"]
    list_filter = ["language", "status"]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(StepTranslation)
class StepTranslationAdmin(admin.ModelAdmin):
    list_display = ["version", "step_key", "language", "machine", "untranslated", "flagged", "computed_at"]
    list_filter = ["language", "machine", "untranslated", "flagged"]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

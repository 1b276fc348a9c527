from django.contrib import admin

from planning.models import (
    Changeover,
    Downtime,
    Plan,
    PlanJob,
    PlanSlot,
    RoutingTime,
    UtilityDraw,
    UtilityLimit,
)
from plexcopilot.admin import ReadOnlyAdmin


@admin.register(PlanJob)
class PlanJobAdmin(admin.ModelAdmin):
    list_display = ["number", "part", "quantity", "due", "priority", "material_ready_at", "open"]
    list_filter = ["open", "priority"]
    search_fields = ["number"]


@admin.register(RoutingTime)
class RoutingTimeAdmin(admin.ModelAdmin):
    list_display = ["operation", "setup_minutes", "run_minutes_per_unit", "family"]
    filter_horizontal = ["alternatives"]


@admin.register(Changeover)
class ChangeoverAdmin(admin.ModelAdmin):
    list_display = ["from_family", "to_family", "minutes"]


@admin.register(UtilityLimit)
class UtilityLimitAdmin(admin.ModelAdmin):
    list_display = ["utility", "cap", "window_start", "window_end"]


@admin.register(UtilityDraw)
class UtilityDrawAdmin(admin.ModelAdmin):
    list_display = ["work_center", "utility", "amount"]
    list_filter = ["utility"]


@admin.register(Downtime)
class DowntimeAdmin(admin.ModelAdmin):
    list_display = ["work_center", "kind", "start", "end", "note"]
    list_filter = ["kind", "work_center"]


class PlanSlotInline(admin.TabularInline):
    model = PlanSlot
    extra = 0
    can_delete = False
    readonly_fields = ["job", "operation", "work_center", "setup_start", "start", "end", "started", "late"]

    def has_add_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False


@admin.register(Plan)
class PlanAdmin(ReadOnlyAdmin):
    """Plans change only by what-if and signed release (audited)."""

    list_display = ["id", "version", "status", "label", "rank", "trigger", "released_at", "released_by"]
    list_filter = ["status"]
    inlines = [PlanSlotInline]

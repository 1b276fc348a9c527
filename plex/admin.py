from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from plex.models import (
    ControlPlan,
    LaborEntry,
    OutboxItem,
    OutboxStatus,
    PartSpecification,
    StepSpecLink,
    SyncError,
    SyncRun,
    SyncState,
    WorkCenterStatus,
)
from plex.outbox import outbox_retry
from plexcopilot.admin_audit import admin_action_audit


class ReadOnly(admin.ModelAdmin):
    """Written by the sync, not by hand."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(SyncState)
class SyncStateAdmin(ReadOnly):
    list_display = [
        "resource",
        "last_success_at",
        "last_attempt_at",
        "seen",
        "changed",
        "skipped",
        "last_error",
    ]
    actions = ["sync_now"]

    @admin.action(description="Sync now (queued for the background worker)")
    def sync_now(self, request: HttpRequest, queryset: QuerySet[SyncState]) -> None:
        from plex.tasks import plex_sync_task

        plex_sync_task.enqueue()
        admin_action_audit(request, "sync_now", list(queryset), "asked to sync now")
        self.message_user(request, "A Plex sync is queued; `manage.py db_worker` runs it.")


class SyncErrorInline(admin.TabularInline):
    model = SyncError
    fields = ["resource", "plex_id", "message", "resolved"]
    readonly_fields = ["resource", "plex_id", "message"]
    extra = 0
    can_delete = False


@admin.register(SyncRun)
class SyncRunAdmin(ReadOnly):
    list_display = ["started_at", "finished_at", "status", "calls", "message"]
    list_filter = ["status"]
    inlines = [SyncErrorInline]


@admin.register(SyncError)
class SyncErrorAdmin(admin.ModelAdmin):
    list_display = ["created_at", "resource", "plex_id", "message", "resolved"]
    list_filter = ["resolved", "resource"]
    search_fields = ["plex_id", "message"]
    readonly_fields = ["run", "resource", "plex_id", "message", "payload", "created_at"]
    actions = ["mark_resolved"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description="Mark resolved (fixed in Plex or accepted)")
    def mark_resolved(self, request: HttpRequest, queryset: QuerySet[SyncError]) -> None:
        open_problems = list(queryset.filter(resolved=False))
        count = queryset.filter(pk__in=[e.pk for e in open_problems]).update(resolved=True)
        admin_action_audit(request, "resolved", open_problems, "marked resolved")
        self.message_user(request, f"{count} sync problems marked resolved.")


@admin.register(OutboxItem)
class OutboxItemAdmin(ReadOnly):
    list_display = ["id", "kind", "status", "attempts", "last_error", "next_attempt_at", "sent_at"]
    list_filter = ["status", "kind"]
    search_fields = ["idempotency_key", "last_error"]
    actions = ["retry"]

    @admin.action(description="Retry now")
    def retry(self, request: HttpRequest, queryset: QuerySet[OutboxItem]) -> None:
        count = outbox_retry(items=list(queryset.exclude(status=OutboxStatus.SENT)), actor=request.user)
        self.message_user(request, f"{count} write-backs queued to send again.", messages.SUCCESS)


@admin.register(PartSpecification)
class PartSpecificationAdmin(ReadOnly):
    list_display = ["part", "number", "description", "lower", "nominal", "upper", "unit", "plex_id"]
    search_fields = ["part__number", "number", "description"]


@admin.register(StepSpecLink)
class StepSpecLinkAdmin(admin.ModelAdmin):
    list_display = ["instruction", "step_key", "specification"]
    raw_id_fields = ["instruction", "specification"]


@admin.register(ControlPlan)
class ControlPlanAdmin(ReadOnly):
    list_display = ["number", "description", "status", "plan_type"]


@admin.register(LaborEntry)
class LaborEntryAdmin(ReadOnly):
    list_display = [
        "begin",
        "end",
        "employee",
        "work_center",
        "job_code",
        "cost_activity",
        "duration_minutes",
    ]
    list_filter = ["cost_activity"]


@admin.register(WorkCenterStatus)
class WorkCenterStatusAdmin(ReadOnly):
    list_display = ["work_center", "status", "job_number", "fetched_at"]

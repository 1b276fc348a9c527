from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from plexcopilot.models import AuditEvent


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records that change only through the app's services (which write the audit trail): readable in
    the admin, never added, changed or deleted there."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    """The audit trail is append-only."""

    list_display = ["id", "at", "actor_name", "action", "object_type", "object_id", "summary"]
    list_filter = ["action", "object_type"]
    search_fields = ["summary", "actor_name", "object_id"]

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from plexcopilot.forms import EmployeeAdminForm
from plexcopilot.models import AuditEvent, Employee
from plexcopilot.services import audit_record


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


@admin.register(Employee)
class EmployeeAdmin(admin.ModelAdmin):
    form = EmployeeAdminForm
    list_display = ["badge_id", "last_name", "first_name", "role", "shift", "language", "active"]
    list_filter = ["role", "shift", "active", "language"]
    search_fields = ["badge_id", "first_name", "last_name", "plex_employee_id"]
    actions = ["deactivate"]

    def save_model(self, request: HttpRequest, obj: Employee, form: EmployeeAdminForm, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if form.cleaned_data.get("new_pin"):
            audit_record(actor=request.user, action="employee.pin_set", obj=obj,
                         summary=f"PIN set for {obj.full_name} ({obj.badge_id}) in the admin")  # fmt: skip

    @admin.action(description="Deactivate (cannot sign in at a station)")
    def deactivate(self, request: HttpRequest, queryset: QuerySet[Employee]) -> None:
        for employee in queryset:
            Employee.objects.filter(pk=employee.pk).update(active=False)
            audit_record(actor=request.user, action="employee.deactivate", obj=employee,
                         summary=f"{employee.full_name} deactivated in the admin")  # fmt: skip
        self.message_user(request, f"{queryset.count()} employee(s) deactivated.", messages.SUCCESS)

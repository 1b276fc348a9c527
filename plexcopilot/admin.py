from collections.abc import Sequence
from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.widgets import AutocompleteSelect
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest

from plexcopilot.forms import EmployeeAdminForm
from plexcopilot.models import AuditEvent, CertificationType, Employee
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


class KeyCheckedAutocompleteSelect(AutocompleteSelect):
    """Django's autocomplete widget, minus its 500: re-rendering a refused form, it looks the posted value up
    as a key, and a value the key cannot hold (a word, a NUL byte, a number past the column's range) raised
    there (ValueError, OverflowError) instead of the form's own "Select a valid choice". Such a value selects
    nothing; the form's error says why."""

    def optgroups(self, name: str, value: Sequence[str], attr: Any = None) -> list:
        remote = self.field.remote_field
        key = remote.model._meta.get_field(getattr(remote, "field_name", remote.model._meta.pk.attname))
        return super().optgroups(name, [v for v in value if _holds(key, v)], attr)


def _holds(key: Any, value: str) -> bool:
    try:
        key.run_validators(key.to_python(value))
    except (ValidationError, ValueError, TypeError, OverflowError):
        return False
    return True


class AutocompleteAdmin(admin.ModelAdmin):
    """A ModelAdmin whose autocomplete_fields use KeyCheckedAutocompleteSelect."""

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = KeyCheckedAutocompleteSelect(
                db_field, self.admin_site, using=kwargs.get("using")
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


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


@admin.register(CertificationType)
class CertificationTypeAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "validity_days"]
    search_fields = ["code", "name"]

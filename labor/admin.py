from typing import Any

from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponse

from labor.models import (
    Absence,
    AndonCall,
    CrewAssignment,
    CrewPlan,
    EmployeeCertification,
    Handover,
    LaborFlag,
    Punch,
    ScheduledJob,
    Shift,
)
from labor.selectors import shift_list
from plexcopilot.admin import EmployeeAdmin, ReadOnlyAdmin
from plexcopilot.models import Employee


class EmployeeCertificationInline(admin.TabularInline):
    model = EmployeeCertification
    extra = 0


# The employee record is the core's (plexcopilot.admin); labor adds the certifications to its page.
admin.site.unregister(Employee)


@admin.register(Employee)
class EmployeeWithCertificationsAdmin(EmployeeAdmin):
    inlines = [*EmployeeAdmin.inlines, EmployeeCertificationInline]


@admin.register(EmployeeCertification)
class EmployeeCertificationAdmin(admin.ModelAdmin):
    list_display = ["employee", "certification_type", "level", "valid_until"]
    list_filter = ["certification_type", "level"]
    search_fields = ["employee__last_name", "employee__badge_id"]


@admin.register(Shift)
class ShiftAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "starts", "ends", "paid_hours", "grace_minutes"]

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        if request.method == "GET" and not Shift.objects.exists():
            pattern = ", ".join(f"{s.code} {s.starts:%H:%M}–{s.ends:%H:%M}" for s in shift_list())
            messages.info(request, f"No shifts are defined here, so the plant runs on the built-in pattern ({pattern}). "
                          "Defining a shift replaces the whole pattern: add every shift the plant runs (then set "
                          "grace minutes, paid hours).")  # fmt: skip
        elif request.method == "GET" and (gaps := uncovered_hours(list(Shift.objects.all()))):
            messages.warning(request, f"No shift covers {gaps}: the built-in pattern no longer applies once a shift "
                             "is defined, so clock punches then belong to no shift. Add the missing shifts.")  # fmt: skip
        return super().changelist_view(request, extra_context)


def uncovered_hours(shifts: list[Shift]) -> str:
    """The times of day no defined shift covers, as "14:00–06:00" (several joined by "and"), or ""."""
    covered = [False] * 1440
    for shift in shifts:
        start, end = shift.starts.hour * 60 + shift.starts.minute, shift.ends.hour * 60 + shift.ends.minute
        for minute in range(start, end if end > start else end + 1440):
            covered[minute % 1440] = True
    if all(covered):
        return ""
    gaps, minute = [], 0
    first_covered = covered.index(True) if any(covered) else 0
    while minute < 1440:  # walk once round the clock from a covered minute, so a gap over midnight is one gap
        at = (first_covered + minute) % 1440
        if not covered[at]:
            length = next((n for n in range(1, 1441) if covered[(at + n) % 1440] or n == 1440), 1440)
            gaps.append(
                f"{at // 60:02d}:{at % 60:02d}–{(at + length) % 1440 // 60:02d}:{(at + length) % 60:02d}"
            )
            minute += length
        else:
            minute += 1
    return " and ".join(gaps)


@admin.register(Punch)
class PunchAdmin(ReadOnlyAdmin):
    """Read-only: punches are corrected from the flag queue with a new punch, never edited."""

    list_display = ["employee", "kind", "at", "work_center", "work_order", "source", "replaces", "voids"]
    list_filter = ["kind", "source"]
    search_fields = ["employee__last_name", "employee__badge_id"]
    date_hierarchy = "at"


@admin.register(LaborFlag)
class LaborFlagAdmin(admin.ModelAdmin):
    list_display = ["day", "employee", "rule", "confidence", "status"]
    list_filter = ["status", "rule"]
    readonly_fields = ["key"]


@admin.register(ScheduledJob)
class ScheduledJobAdmin(admin.ModelAdmin):
    list_display = ["day", "shift", "work_order", "crew_size", "hours"]
    list_filter = ["shift"]


@admin.register(Absence)
class AbsenceAdmin(admin.ModelAdmin):
    list_display = ["employee", "first_day", "last_day", "reason"]


class CrewAssignmentInline(admin.TabularInline):
    model = CrewAssignment
    extra = 0


@admin.register(CrewPlan)
class CrewPlanAdmin(admin.ModelAdmin):
    list_display = ["day", "shift", "status", "feasible", "created_at"]
    inlines = [CrewAssignmentInline]


@admin.register(AndonCall)
class AndonCallAdmin(admin.ModelAdmin):
    list_display = [
        "raised_at",
        "work_center",
        "category",
        "urgency",
        "line_down",
        "acknowledged_at",
        "resolved_at",
    ]
    list_filter = ["category", "urgency", "line_down"]


@admin.register(Handover)
class HandoverAdmin(admin.ModelAdmin):
    list_display = ["day", "shift", "signed_by", "signed_at", "acknowledged_by", "acknowledged_at"]

from django.contrib import admin

from labor_analytics.models import (
    EmployeeGrade,
    LaborGrade,
    LaborSettings,
    OperationStandard,
    ShiftPremium,
)
from plexcopilot.admin import AutocompleteAdmin

admin.site.register(LaborSettings)
admin.site.register(ShiftPremium)


@admin.register(LaborGrade)
class LaborGradeAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "hourly_rate"]


@admin.register(EmployeeGrade)
class EmployeeGradeAdmin(AutocompleteAdmin):
    list_display = ["employee", "grade"]
    autocomplete_fields = ["employee"]


@admin.register(OperationStandard)
class OperationStandardAdmin(admin.ModelAdmin):
    list_display = ["operation", "setup_hours", "hours_per_unit", "standard_rate"]

from django.apps import AppConfig


class LaborAnalyticsConfig(AppConfig):
    name = "labor_analytics"
    verbose_name = "Labor analytics: costs, variances, forecasts, misapplied codes, scores"

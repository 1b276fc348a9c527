from django.apps import AppConfig


class LaborAnalyticsConfig(AppConfig):
    name = "labor_analytics"
    verbose_name = "Labor analytics: costs, variances, forecasts, misapplied codes, scores"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from labor_analytics import models
        from labor_analytics.costs import on_punch_recorded
        from labor_analytics.tasks import on_rates_changed, on_work_order_closed
        from plexcopilot import events

        for model in (models.LaborGrade, models.EmployeeGrade, models.ShiftPremium, models.OperationStandard,
                      models.LaborSettings):  # fmt: skip
            post_save.connect(on_rates_changed, sender=model, dispatch_uid=f"labor-costs-{model.__name__}")
            post_delete.connect(
                on_rates_changed, sender=model, dispatch_uid=f"labor-costs-{model.__name__}-del"
            )

        events.subscribe(events.PUNCH_RECORDED, on_punch_recorded)
        events.subscribe(events.WORK_ORDER_CLOSED, on_work_order_closed)

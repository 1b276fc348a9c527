from django.apps import AppConfig


class LaborAnalyticsConfig(AppConfig):
    name = "labor_analytics"
    verbose_name = "Labor analytics: costs, variances, forecasts, misapplied codes, scores"

    def ready(self) -> None:
        from labor_analytics.costs import on_punch_recorded
        from labor_analytics.tasks import on_work_order_closed
        from plexcopilot import events

        events.subscribe(events.PUNCH_RECORDED, on_punch_recorded)
        events.subscribe(events.WORK_ORDER_CLOSED, on_work_order_closed)

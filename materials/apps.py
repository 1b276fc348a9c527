from django.apps import AppConfig


class MaterialsConfig(AppConfig):
    name = "materials"
    verbose_name = "Materials: line-side buffers, shortages and call-offs"

    def ready(self) -> None:
        from materials import consumption, tasks
        from plexcopilot import events

        events.subscribe(events.PRODUCTION_RECORDED, consumption.on_production_recorded)
        # Stock, supply or demand moved: the desk's figures follow without anyone pressing "Re-evaluate now".
        for event in (
            events.PRODUCTION_RECORDED,
            events.SCHEDULE_RELEASED,
            events.WORK_ORDER_CLOSED,
            events.REPLENISHMENT_REQUESTED,
            events.INVENTORY_SYNCED,
        ):
            events.subscribe(event, tasks.on_stock_or_demand_changed)

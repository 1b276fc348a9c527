from django.apps import AppConfig


class MaterialsConfig(AppConfig):
    name = "materials"
    verbose_name = "Materials: line-side buffers, shortages and call-offs"

    def ready(self) -> None:
        from materials import consumption
        from plexcopilot import events

        events.subscribe(events.PRODUCTION_RECORDED, consumption.on_production_recorded)

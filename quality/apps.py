from django.apps import AppConfig


class QualityConfig(AppConfig):
    name = "quality"
    verbose_name = "Quality"

    def ready(self) -> None:
        from plexcopilot import dashboard, events
        from quality import feedback_loop, selectors

        dashboard.tile_register("defects", selectors.dashboard_defects)

        events.subscribe(events.STEP_FLAGGED, feedback_loop.on_step_flagged)
        events.subscribe(events.MEASUREMENT_RECORDED, feedback_loop.on_measurement_recorded)

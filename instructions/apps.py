from django.apps import AppConfig


class InstructionsConfig(AppConfig):
    name = "instructions"
    verbose_name = "Work instructions and stations"

    def ready(self) -> None:
        from instructions import selectors
        from plexcopilot import dashboard

        dashboard.tile_register("flags", selectors.dashboard_flags)
        dashboard.tile_register("adaptations", selectors.dashboard_adaptations)

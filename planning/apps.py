from django.apps import AppConfig


class PlanningConfig(AppConfig):
    name = "planning"
    verbose_name = "Scheduling and dispatch"

    def ready(self) -> None:
        from planning import triggers
        from plexcopilot import events

        events.subscribe(events.WORK_CENTER_STATUS_CHANGED, triggers.on_work_center_status)
        events.subscribe(events.ANDON_RAISED, triggers.on_andon_raised)
        events.subscribe(events.MATERIAL_SHORTAGE_PREDICTED, triggers.on_material_shortage)
        events.subscribe(events.MATERIAL_SHORTAGE_RESOLVED, triggers.on_material_shortage_resolved)
        events.subscribe(events.SCHEDULE_RELEASED, triggers.on_schedule_released)

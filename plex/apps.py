from django.apps import AppConfig


class PlexConfig(AppConfig):
    name = "plex"
    verbose_name = "Plex Connect integration: client, sync, write-back"

    def ready(self) -> None:
        from plex import handlers
        from plexcopilot import events

        events.subscribe(events.PRODUCTION_RECORDED, handlers.on_production_recorded)
        events.subscribe(events.WORK_ORDER_CLOSED, handlers.on_work_order_closed)
        events.subscribe(events.MEASUREMENT_RECORDED, handlers.on_measurement_recorded)
        events.subscribe(events.PUNCH_RECORDED, handlers.on_punch_recorded)
        events.subscribe(events.REPLENISHMENT_REQUESTED, handlers.on_replenishment_requested)
        events.subscribe(events.SCHEDULE_RELEASED, handlers.on_schedule_released)
        events.subscribe(events.TIMECARD_APPROVED, handlers.on_timecard_approved)
        events.subscribe(events.VERSION_PUBLISHED, handlers.on_version_published)
        events.subscribe(events.NCR_DRAFT_APPROVED, handlers.on_ncr_draft_approved)
        events.subscribe(events.ANDON_RAISED, handlers.on_andon_raised)
        events.subscribe(events.ANDON_RESOLVED, handlers.on_andon_resolved)

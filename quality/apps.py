from django.apps import AppConfig


class QualityConfig(AppConfig):
    name = "quality"
    verbose_name = "Quality"

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from instructions.models import Operation, Part
        from plexcopilot import events
        from quality import handlers

        # A changed NCR history retrains the triage in the background.
        events.subscribe(events.NCR_HISTORY_CHANGED, handlers.on_ncr_history_changed)
        # History imported before its parts / operations were synced is linked when they arrive.
        post_save.connect(handlers.on_part_saved, sender=Part, dispatch_uid="quality-link-part")
        post_save.connect(
            handlers.on_operation_saved, sender=Operation, dispatch_uid="quality-link-operation"
        )

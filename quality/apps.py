from django.apps import AppConfig


class QualityConfig(AppConfig):
    name = "quality"
    verbose_name = "Quality"

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from instructions import demo as plant_demo
        from instructions import proposals, station_hooks
        from instructions.models import Operation, Part
        from labor.handover import handover_section_register
        from plexcopilot import dashboard, events
        from quality import demo, feedback_loop, handlers, instruction_hooks, selectors
        from quality.models import DefectReport, StepQuestion

        # Change proposals cite defect reports as evidence (by foreign key).
        proposals.evidence_describer_register(DefectReport, instruction_hooks.defect_evidence)
        proposals.evidence_describer_register(StepQuestion, instruction_hooks.question_evidence)
        # The demo plant's [[defects]] section.
        plant_demo.demo_section_register(demo.demo_defects_load)
        # The station warns of recent defects on a step and carries the defect report sheet.
        station_hooks.recent_defects_register(instruction_hooks.recent_defects)
        station_hooks.step_context_register(instruction_hooks.step_context)

        dashboard.tile_register("defects", selectors.dashboard_defects)
        # The shift handover lists the shift's defects and open NCRs (labor sits below quality).
        handover_section_register("quality", selectors.handover_section)
        # The closed loop: trouble on a step queues quality's threshold checks.
        events.subscribe(events.STEP_FLAGGED, feedback_loop.on_step_flagged)
        events.subscribe(events.MEASUREMENT_RECORDED, feedback_loop.on_measurement_recorded)
        events.subscribe(events.COPILOT_QUESTION_ASKED, feedback_loop.on_copilot_question_asked)
        # A changed NCR history retrains the triage in the background.
        events.subscribe(events.NCR_HISTORY_CHANGED, handlers.on_ncr_history_changed)
        # History imported before its parts / operations were synced is linked when they arrive.
        post_save.connect(handlers.on_part_saved, sender=Part, dispatch_uid="quality-link-part")
        post_save.connect(
            handlers.on_operation_saved, sender=Operation, dispatch_uid="quality-link-operation"
        )

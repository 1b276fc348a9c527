from django.apps import AppConfig


class LaborConfig(AppConfig):
    name = "labor"
    verbose_name = "Labor and certifications"

    def ready(self) -> None:
        from instructions import demo as plant_demo
        from instructions import station_hooks
        from labor import certifications, demo, punches

        # The station asks how far the operator is certified; labor keeps the certifications and answers.
        station_hooks.certification_check_register(certifications.certification_status)
        # The run page warns an operator whose time on the job is not recorded (not clocked in here).
        station_hooks.station_notice_register(punches.clock_notice)
        # The demo plant's employees get their [[employees.certifications]] from labor.
        plant_demo.demo_section_register(demo.demo_certifications_load)

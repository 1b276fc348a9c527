from django.apps import AppConfig


class LanguagesConfig(AppConfig):
    name = "languages"
    verbose_name = "Languages and terminology"

    def ready(self) -> None:
        from languages import services
        from plexcopilot import events

        events.subscribe(events.VERSION_PUBLISHED, services.on_version_published)

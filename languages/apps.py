from django.apps import AppConfig


class LanguagesConfig(AppConfig):
    name = "languages"
    verbose_name = "Languages and terminology"

    def ready(self) -> None:
        from instructions import station_hooks
        from languages import step_cache
        from plexcopilot import events

        events.subscribe(events.VERSION_PUBLISHED, step_cache.on_version_published)
        # The station shows each step in the operator's language from the per-version cache.
        station_hooks.translator_register(adapt=step_cache.adapted_translate, texts=step_cache.steps_text)

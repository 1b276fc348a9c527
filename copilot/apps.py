from django.apps import AppConfig


class CopilotConfig(AppConfig):
    name = "copilot"
    verbose_name = "Copilot"

    def ready(self) -> None:
        from copilot.tasks import knowledge_index_enqueue
        from plexcopilot import events

        # New knowledge is indexed in the background, never on a question's path.
        for event in (events.VERSION_PUBLISHED, events.NCR_HISTORY_CHANGED, events.LIBRARY_CHANGED):
            events.subscribe(event, knowledge_index_enqueue)

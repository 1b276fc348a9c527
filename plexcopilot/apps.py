from django.apps import AppConfig


class PlexcopilotConfig(AppConfig):
    name = "plexcopilot"
    verbose_name = "Plant audit trail"

from django.apps import AppConfig


class PlexConfig(AppConfig):
    name = "plex"
    verbose_name = "Plex Connect integration: client, sync, write-back"

from django.core.management.base import BaseCommand

from languages.demo import translations_refresh_all


class Command(BaseCommand):
    help = "Translate the current version of every instruction into the operators' languages (cached)."

    def handle(self, *args: object, **options: object) -> None:
        self.stdout.write(f"Translated or refreshed {translations_refresh_all()} cached steps.")

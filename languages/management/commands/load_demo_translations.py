from django.core.management.base import BaseCommand

from languages.demo import demo_translations_load
from languages.review import ReviewError


class Command(BaseCommand):
    help = "Load the demo plant's glossary and approved Spanish translations, then refresh cached steps."

    def handle(self, *args: object, **options: object) -> None:
        try:
            counts = demo_translations_load()
        except ReviewError as error:
            self.stderr.write(f"A demo translation failed its check: {error}")
            raise SystemExit(1) from None
        for key, value in counts.items():
            self.stdout.write(f"{key}: {value}")

from django.core.management.base import BaseCommand

from instructions.demo import DESK_PASSWORD, demo_plant_load


class Command(BaseCommand):
    help = "Load (or refresh) the demo plant, Northfield Components — Plant 2. Safe to run twice."

    def handle(self, *args: object, **options: object) -> None:
        counts = demo_plant_load()
        for name, count in counts.items():
            self.stdout.write(f"{name}: {count}")
        self.stdout.write(
            self.style.SUCCESS(
                "Demo plant ready. Stations sign in with badge + PIN (see README); "
                f"desk users use their badge number and the password '{DESK_PASSWORD}'."
            )
        )

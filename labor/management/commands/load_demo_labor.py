from typing import Any

from django.core.management.base import BaseCommand

from labor.demo import labor_demo_load


class Command(BaseCommand):
    help = "Load demo time-clock history, Andon calls, punch flags, a crew plan and a handover draft."

    def handle(self, *args: Any, **options: Any) -> None:
        result = labor_demo_load()
        self.stdout.write(", ".join(f"{k}: {v}" for k, v in result.items()))

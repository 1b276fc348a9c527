from typing import Any

from django.core.management.base import BaseCommand

from planning.demo import demo_schedule_load


class Command(BaseCommand):
    help = "Load a week of demo jobs (setups, changeovers, a PM window, two-shift calendar) and release a first plan."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--time-limit", type=float, default=10.0)

    def handle(self, *args: Any, **options: Any) -> None:
        result = demo_schedule_load(time_limit=options["time_limit"])
        self.stdout.write(", ".join(f"{k}: {v}" for k, v in result.items()))

from typing import Any

from django.core.management.base import BaseCommand

from labor_analytics.demo import labor_analytics_demo_load


class Command(BaseCommand):
    help = "Labor-analytics demo data (after load_demo_plant and load_demo_labor); safe to run again."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(str(labor_analytics_demo_load()))

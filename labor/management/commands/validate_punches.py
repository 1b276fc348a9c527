import datetime
from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone

from labor.punch_checks import punches_validate


class Command(BaseCommand):
    help = "Check recent punches against the labor rules and queue new flags for supervisors (run from cron)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--days", type=int, default=2)

    def handle(self, *args: Any, **options: Any) -> None:
        created = punches_validate(start=timezone.now() - datetime.timedelta(days=options["days"]))
        self.stdout.write(f"{created} new labor flag(s)")

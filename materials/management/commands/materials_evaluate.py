from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from materials.tasks import materials_evaluate_now, materials_evaluate_schedule


class Command(BaseCommand):
    help = "Predict line-side shortages and re-evaluate buffers (drafts call-offs, suggests kanban sizes)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--schedule",
            action="store_true",
            help="also queue the background evaluation that repeats every MATERIALS_EVALUATE_EVERY_SECONDS "
            "(run by `manage.py run_worker`; safe to repeat: never a second waiting one)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        alerts, buffers = materials_evaluate_now(now=timezone.now())
        self.stdout.write(f"{alerts} shortage(s) predicted, {buffers} buffer(s) evaluated")
        if options["schedule"]:
            queued = materials_evaluate_schedule()
            self.stdout.write("next evaluation queued" if queued else "an evaluation is already queued")

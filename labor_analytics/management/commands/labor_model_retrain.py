from typing import Any

from django.core.management.base import BaseCommand

from labor_analytics.costs import job_costs_refresh
from labor_analytics.tasks import job_model_retrain_task


class Command(BaseCommand):
    help = "Recompute job costs, then retrain the job-hours model (--background: queue it for db_worker)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--background", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(f"{job_costs_refresh()} job(s) costed")
        if options["background"]:
            job_model_retrain_task.enqueue()
            self.stdout.write("retraining queued")
        else:
            self.stdout.write(job_model_retrain_task.call())

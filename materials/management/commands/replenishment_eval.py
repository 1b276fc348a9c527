"""`manage.py replenishment_eval FILE.csv [--json]`: replay a demand history under the app's buffer policy and two
baselines (min/max from the mean demand; Croston/SBA order-up-to for a 95 % cycle service level), same run."""

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from materials.evaluation import evaluate_file
from materials.replay import DemandFileError


class Command(BaseCommand):
    help = "Replay FILE.csv (item,period,demand,lead_time,moq,unit_cost) under the app's policy and two baselines."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file")
        parser.add_argument("--json", action="store_true", help="print the figures as JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            figures = evaluate_file(options["file"])
        except (OSError, DemandFileError) as error:
            raise CommandError(str(error)) from error
        if options["json"]:
            self.stdout.write(json.dumps(figures))
            return
        self.stdout.write(
            f"{'policy':<14}{'fill rate':>10}{'avg on-hand value':>20}{'orders':>9}{'stockout periods':>18}"
        )
        for name, row in figures.items():
            self.stdout.write(
                f"{name:<14}{row['fill_rate']:>10.4f}{row['avg_on_hand_value']:>20.2f}{row['orders']:>9}"
                f"{row['stockout_periods']:>18}"
            )

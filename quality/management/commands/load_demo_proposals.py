from typing import Any

from django.core.management.base import BaseCommand

from quality.demo_proposals import demo_proposals_load


class Command(BaseCommand):
    help = "Put the demo change proposals in the approval queue (after load_demo_plant). Safe to run again."

    def handle(self, *args: Any, **options: Any) -> None:
        created = demo_proposals_load()
        self.stdout.write(
            f"{created} demo proposals created. Desk sign-in as 200201 (Rosa Delgado, supervisor) or 300301 "
            "(Priya Raman, quality) with 'northfield-demo' and open /governance/queue/."
        )

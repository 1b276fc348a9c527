from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone

from materials.buffers import buffers_evaluate
from materials.shortages import shortages_predict


class Command(BaseCommand):
    help = "Predict line-side shortages and re-evaluate buffers (drafts call-offs, suggests kanban sizes)."

    def handle(self, *args: Any, **options: Any) -> None:
        now = timezone.now()
        alerts = shortages_predict(now=now)
        buffers = buffers_evaluate(now=now)
        self.stdout.write(f"{len(alerts)} shortage(s) predicted, {len(buffers)} buffer(s) evaluated")

from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone

from materials.demo import demo_materials_load


class Command(BaseCommand):
    help = "Load the demo plant's materials (BOMs, line-side stock, kanban loops, history) and evaluate them now."

    def handle(self, *args: Any, **options: Any) -> None:
        counts = demo_materials_load(now=timezone.now())
        self.stdout.write(", ".join(f"{value} {name}" for name, value in counts.items()))

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from copilot.ingest import vectors_reconcile
from copilot.library_files import library_ingest_paths
from copilot.plant_index import instruction_versions_index, ncrs_index


class Command(BaseCommand):
    help = "Build or update the copilot's knowledge index: the library folders and every published instruction version."

    def handle(self, *args: Any, **options: Any) -> None:
        folders = [Path(p) for p in settings.COPILOT_LIBRARY_DIRS if Path(p).exists()]
        report = library_ingest_paths(
            paths=folders, progress=self.stdout.write if options["verbosity"] > 1 else None
        )
        for error in report.errors or []:
            self.stderr.write(error)
        versions = instruction_versions_index()
        ncrs = ncrs_index()
        repaired = vectors_reconcile()
        self.stdout.write(
            self.style.SUCCESS(
                f"Library: {report.added} added, {report.updated} updated, {report.unchanged} unchanged, "
                f"{report.removed} removed. Instruction versions indexed: {versions}. Closed NCRs indexed: {ncrs}. Vectors repaired: {repaired}."
            )
        )

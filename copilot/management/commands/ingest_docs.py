from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from copilot.services import library_ingest_paths


class Command(BaseCommand):
    help = "Ingest SOPs, troubleshooting guides, maintenance logs and corrective actions (files or folders)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "paths", nargs="+", help="Markdown, text, HTML or PDF files, or folders (recursive)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        paths = [Path(p) for p in options["paths"]]
        missing = [str(p) for p in paths if not p.exists()]
        if missing:
            raise CommandError(f"Not found: {', '.join(missing)}")
        report = library_ingest_paths(paths=paths, progress=self.stdout.write)
        for error in report.errors or []:
            self.stderr.write(error)
        self.stdout.write(
            self.style.SUCCESS(
                f"{report.added} added, {report.updated} updated, {report.unchanged} unchanged, "
                f"{report.removed} removed; {report.chunks} passages indexed."
            )
        )

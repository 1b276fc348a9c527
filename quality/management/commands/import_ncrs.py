"""`manage.py import_ncrs FILE.csv`: import closed NCR history (columns in docs/quality.md)."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from quality.services import ncr_history_import


class Command(BaseCommand):
    help = "Import historical NCRs from a CSV file. Bad rows are reported with line numbers; re-imports skip known ids."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file", type=Path)

    def handle(self, *args: Any, file: Path, **options: Any) -> None:
        try:
            with file.open(encoding="utf-8-sig", newline="") as handle:
                report = ncr_history_import(lines=handle, actor=None)
        except FileNotFoundError:
            raise CommandError(f"No such file: {file}") from None
        except UnicodeDecodeError as error:
            raise CommandError(
                f"{file} is not UTF-8 text (byte {error.start}). Save it as UTF-8 CSV."
            ) from None
        for line, reason in report.errors:
            self.stderr.write(f"{file}:{line}: {reason}")
        self.stdout.write(
            f"imported: {report.imported}\nalready_there: {report.already_there}\nrefused: {len(report.errors)}"
        )

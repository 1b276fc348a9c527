"""`manage.py import_ncrs FILE.csv [--create-codes] [--dry-run]`: import closed NCR history (columns in docs/quality.md)."""

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from quality.ncr_import import ncr_history_import


class Command(BaseCommand):
    help = (
        "Import historical NCRs from a CSV file (streamed: any size). Bad rows are reported with line numbers; "
        "re-imports skip known ids; parts and operations not synced yet are kept as text and linked later."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--create-codes",
            action="store_true",
            help="Create the defect categories and root-cause codes the file uses that are not known yet "
            "(otherwise their rows are refused and the unknown codes listed).",
        )
        parser.add_argument("--dry-run", action="store_true", help="Report what would happen; write nothing.")
        parser.add_argument("--no-progress", action="store_true", help="No progress line on stderr.")

    def handle(
        self, *args: Any, file: Path, create_codes: bool, dry_run: bool, no_progress: bool, **options: Any
    ) -> None:
        try:
            size = file.stat().st_size or 1
            handle = file.open(encoding="utf-8-sig", newline="", errors="strict")
        except FileNotFoundError:
            raise CommandError(f"No such file: {file}") from None
        show = not no_progress and sys.stderr.isatty()

        def progress(rows: int, characters: int) -> None:
            if show:
                done = min(1.0, characters / size)
                bar = "#" * int(30 * done)
                self.stderr.write(f"\r[{bar:<30}] {done:4.0%} {rows} rows", ending="")

        try:
            with handle:
                report = ncr_history_import(
                    lines=handle, actor=None, create_codes=create_codes, dry_run=dry_run, progress=progress
                )
        except UnicodeDecodeError as error:
            raise CommandError(
                f"{file} is not UTF-8 text (byte {error.start}). Save it as UTF-8 CSV."
            ) from None
        if show:
            self.stderr.write("")
        if report.file_error:
            raise CommandError(f"{file}: nothing was imported: {report.file_error} (see docs/quality.md).")
        for line, reason in report.errors:
            self.stderr.write(f"{file}:{line}: {reason}")
        if report.refused > len(report.errors):
            self.stderr.write(f"... and {report.refused - len(report.errors)} more refused rows")
        prefix = "would be " if dry_run else ""
        lines = [
            f"{prefix}imported: {report.imported}",
            f"already_there: {report.already_there}",
            f"refused: {report.refused}",
            f"{prefix}kept unlinked (part or operation not synced yet): {report.unlinked}",
        ]
        if report.unsynced:
            more = f", and {report.unsynced_more} more" if report.unsynced_more else ""
            lines.append(
                "not synced yet (rows): " + _counts(report.unsynced, len(report.unsynced_rows)) + more
            )
        if report.unknown_categories:
            lines.append("unknown categories (use --create-codes): " + _counts(report.unknown_categories))
        if report.unknown_root_causes:
            lines.append(
                "unknown root-cause codes (use --create-codes): " + _counts(report.unknown_root_causes)
            )
        if report.created_categories:
            lines.append("created categories: " + ", ".join(report.created_categories))
        if report.created_root_causes:
            lines.append("created root-cause codes: " + ", ".join(report.created_root_causes))
        if dry_run:
            lines.append("dry run: nothing was written")
        self.stdout.write("\n".join(lines))


def _counts(counter: Any, most: int = 50) -> str:
    return ", ".join(f"{code} ({n})" for code, n in counter.most_common(most))

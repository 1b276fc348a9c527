"""NCR history import: a plant's NCR export (CSV, any size) becomes closed NCRs the triage learns from.

Rows stream through in batches (`BATCH_ROWS`), so memory stays flat for a ten-year export of millions of rows:
each batch is checked against the database for ids already there and written in its own transaction. Parts and
operations the local cache does not know are kept as text (`NCR.part_number` / `operation_number`) and linked
when a Plex sync creates them (`quality.apps` listens). Unknown categories and root-cause codes are created with
`create_codes=True`, else the row is refused with the reason and the report lists every unknown code with its
count. Bad rows (NUL bytes, oversize fields, bad dates...) are refused with their line number, never a traceback.
"""

import csv
import datetime
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from instructions.models import Operation, Part, Step
from plexcopilot import events
from plexcopilot.services import audit_record
from quality import taxonomy
from quality.models import NCR, Disposition, NCRSource, NCRStatus

IMPORT_COLUMNS = ["id", "date", "part", "operation", "description", "category", "root_cause_code"]
OPTIONAL_COLUMNS = ["step", "quantity", "containment", "corrective_action", "disposition"]
BATCH_ROWS = 2000
MAX_ERRORS_KEPT = 1000  # the report keeps the first errors in full and counts the rest
UNSYNCED_LISTED = 20  # the report names this many parts not synced yet, most rows first
LIMITS = {  # longest value accepted per column (the model's limits)
    "id": 40,
    "part": 60,
    "operation": 20,
    "description": 4000,
    "containment": 4000,
    "corrective_action": 4000,
    "category": 40,
    "root_cause_code": 32,
}


class RowInvalid(Exception):
    pass


@dataclass
class ImportReport:
    imported: int = 0
    already_there: int = 0
    refused: int = 0
    rows: int = 0
    unlinked: int = 0  # kept with a part / operation the cache does not know yet
    errors: list[tuple[int, str]] = field(default_factory=list)
    unknown_categories: Counter[str] = field(default_factory=Counter)
    unknown_root_causes: Counter[str] = field(default_factory=Counter)
    unsynced: Counter[str] = field(default_factory=Counter)  # "P-100" or "P-100 op 20" -> rows
    created_categories: list[str] = field(default_factory=list)
    created_root_causes: list[str] = field(default_factory=list)
    dry_run: bool = False
    # The file as a whole could not be read (empty, no header, a required column missing).
    file_error: str = ""

    @property
    def unknown_category_rows(self) -> list[tuple[str, int]]:
        """(code, rows) most used first (a template cannot call a Counter's methods: it looks up keys)."""
        return self.unknown_categories.most_common()

    @property
    def unknown_root_cause_rows(self) -> list[tuple[str, int]]:
        return self.unknown_root_causes.most_common()

    @property
    def unsynced_rows(self) -> list[tuple[str, int]]:
        """The parts (or operations of a known part) not synced yet, most rows first, the first `UNSYNCED_LISTED`."""
        return self.unsynced.most_common(UNSYNCED_LISTED)

    @property
    def unsynced_more(self) -> int:
        return max(0, len(self.unsynced) - UNSYNCED_LISTED)

    def refuse(self, line: int, reason: str) -> None:
        self.refused += 1
        if len(self.errors) < MAX_ERRORS_KEPT:
            self.errors.append((line, reason))


@dataclass
class _Lookups:
    parts: dict[str, Part]
    operations: dict[tuple[int, str], Operation]
    steps: dict[tuple[int, str], str] = field(default_factory=dict)

    @classmethod
    def load(cls) -> "_Lookups":
        parts = {p.number.upper(): p for p in Part.objects.all()}
        operations = {(o.part_id, str(o.sequence)): o for o in Operation.objects.all()}
        return cls(parts, operations)

    def step_key(self, operation: Operation, raw: str) -> str:
        if not raw.isdigit():
            raise RowInvalid(f"step “{raw[:10]}” is not a step number")
        cache_key = (operation.pk, raw)
        if cache_key not in self.steps:
            self.steps[cache_key] = (
                Step.objects.filter(
                    version__instruction__operation=operation,
                    version=F("version__instruction__current_version"),
                    order=int(raw),
                )
                .values_list("key", flat=True)
                .first()
                or ""
            )
        if not self.steps[cache_key]:
            raise RowInvalid(f"the instruction for {operation} has no step {raw}")
        return self.steps[cache_key]


def _counted(lines: Iterable[str], counter: list[int]) -> Iterator[str]:
    for line in lines:
        counter[0] += len(line)
        yield line


def ncr_history_import(
    *,
    lines: Iterable[str],
    actor: Any | None,
    create_codes: bool = False,
    dry_run: bool = False,
    progress: Callable[[int, int], None] | None = None,
    batch_rows: int = BATCH_ROWS,
) -> ImportReport:
    """Import closed NCRs from CSV text (columns in docs/quality.md). `progress(rows, characters read)`.

    Good rows are imported, bad rows are reported by line number with the reason, and an id already in the
    database is skipped, so importing the same file twice changes nothing. `dry_run` writes nothing.
    """
    report = ImportReport(dry_run=dry_run)
    read = [0]
    reader = csv.reader(_counted(lines, read))
    try:
        header = [h.strip().lower() for h in next(reader)]
    except StopIteration:
        report.file_error = "the file is empty"
        return report
    except csv.Error as error:
        report.file_error = f"its first line (the column names) cannot be read: {error}"
        return report
    missing = [c for c in IMPORT_COLUMNS if c not in header]
    if missing:
        # A file without its columns is not N bad rows: nothing in it can be read, so it is refused whole.
        report.file_error = f"its first line does not name the column(s) {', '.join(missing)}"
        return report
    lookups = _Lookups.load()
    batch: list[tuple[int, NCR]] = []
    while True:
        try:
            raw = next(reader)
        except StopIteration:
            break
        except csv.Error as error:  # e.g. a field over the csv module's limit
            report.rows += 1
            report.refuse(reader.line_num, f"unreadable row ({error}); the rest of the file is imported")
            continue
        report.rows += 1
        line = reader.line_num
        if not any(v.strip() for v in raw):
            report.rows -= 1
            continue
        if len(raw) > len(header):
            report.refuse(line, "more fields than columns (quote text that contains commas)")
            continue
        values = {h: v.strip() for h, v in zip(header, raw, strict=False)}
        try:
            ncr = _row(values, lookups, report, create_codes)
        except RowInvalid as error:
            report.refuse(line, str(error))
            continue
        batch.append((line, ncr))
        if len(batch) >= batch_rows:
            _flush(batch, report, create_codes, dry_run)
            batch = []
            if progress:
                progress(report.rows, read[0])
    _flush(batch, report, create_codes, dry_run)
    report.errors.sort()  # duplicates are found when their batch is written, after later lines
    if progress:
        progress(report.rows, read[0])
    if not dry_run and (report.imported or report.created_categories or report.created_root_causes):
        with transaction.atomic():
            audit_record(
                actor=actor,
                action="ncr.import",
                object_type="quality.ncr",
                summary=f"Imported {report.imported} historical NCRs ({report.refused} rows refused, "
                f"{report.unlinked} with parts or operations not synced yet)",
                data={
                    "imported": report.imported,
                    "refused": report.refused,
                    "already_there": report.already_there,
                    "unlinked": report.unlinked,
                    "created_categories": report.created_categories,
                    "created_root_causes": report.created_root_causes,
                },
            )
            events.publish(events.NCR_HISTORY_CHANGED, imported=report.imported)
    return report


def _flush(batch: list[tuple[int, NCR]], report: ImportReport, create_codes: bool, dry_run: bool) -> None:
    """Skip ids already in the database or twice in the batch, create the batch's new codes, write it."""
    if not batch:
        return
    there = set(NCR.objects.filter(number__in=[n.number for _, n in batch]).values_list("number", flat=True))
    rows: list[NCR] = []
    seen: set[str] = set()
    for line, ncr in batch:
        if ncr.number in there:
            report.already_there += 1
        elif ncr.number in seen:
            report.refuse(line, f"id {ncr.number} appears twice in the file")
        else:
            seen.add(ncr.number)
            rows.append(ncr)
    for n in rows:
        # A known part with no operation given (receiving inspection, a customer return) is linked as it is: no
        # sync will bring it more, so it is neither "kept unlinked" nor a part to sync.
        if n.part_id is None or (n.operation_id is None and n.operation_number):
            report.unlinked += 1
            # An unknown part is linked case-blind when it arrives: "pump-77" is PUMP-77.
            name = n.part_number.upper() if n.part_id is None else f"{n.part_number} op {n.operation_number}"
            report.unsynced[name] += 1
    if dry_run:
        report.imported += len(rows)
        if create_codes:  # what the import would create, each code once
            for codes, known, created in (
                ({n.category for n in rows}, taxonomy.category_known, report.created_categories),
                ({n.root_cause_code for n in rows}, taxonomy.root_cause_known, report.created_root_causes),
            ):
                created += [c for c in sorted(codes - set(created)) if c and not known(c, active_only=False)]
        return
    with transaction.atomic():
        if create_codes:
            cats, causes = taxonomy.codes_create(
                categories={n.category for n in rows}, root_causes={n.root_cause_code for n in rows}
            )
            report.created_categories += cats
            report.created_root_causes += causes
        report.imported += len(NCR.objects.bulk_create(rows, ignore_conflicts=True))


def _row(values: dict[str, str], lookups: _Lookups, report: ImportReport, create_codes: bool) -> NCR:
    if any("\x00" in v for v in values.values()):
        raise RowInvalid("contains a NUL byte (a damaged or binary file?)")
    for column, limit in LIMITS.items():
        if len(values.get(column, "")) > limit:
            raise RowInvalid(
                f"column {column!r} is too long ({len(values[column])} characters; at most {limit})"
            )
    number = values.get("id", "")
    if not number:
        raise RowInvalid("id is empty")
    try:
        day = datetime.date.fromisoformat(values.get("date", ""))
    except ValueError:
        raise RowInvalid(f"date “{values.get('date', '')[:20]}” is not YYYY-MM-DD") from None
    part_number, operation_number = values.get("part", ""), values.get("operation", "")
    if not part_number:
        raise RowInvalid("part is empty")
    part = lookups.parts.get(part_number.upper())
    if operation_number.isdigit():
        operation_number = str(int(operation_number))  # "010" is operation 10
    operation = lookups.operations.get((part.pk, operation_number)) if part else None
    description = values.get("description", "")
    if not description:
        raise RowInvalid("description is empty")
    category = taxonomy.normalise_category(values.get("category", ""))
    if not taxonomy.valid_category_code(category):
        raise RowInvalid(f"category “{values.get('category', '')[:30]}” is not a category name")
    code = re.sub(r"[\s_]+", "-", values.get("root_cause_code", "").strip().upper())
    if not taxonomy.valid_root_cause_code(code):
        raise RowInvalid(f"root cause code “{code[:40]}” is not a code like TOOL-WEAR")
    unknown = []  # both named at once: adding only the category and importing again would refuse the row again
    if not create_codes and not taxonomy.category_known(category, active_only=False):
        report.unknown_categories[category] += 1
        unknown.append(f"unknown category “{category}”")
    if not create_codes and not taxonomy.root_cause_known(code, active_only=False):
        report.unknown_root_causes[code] += 1
        unknown.append(f"unknown root cause code “{code}”")
    if unknown:
        them = "them" if len(unknown) > 1 else "it"
        raise RowInvalid(
            f"{' and '.join(unknown)} (add {them} in the admin, or import with the option that creates codes)"
        )
    step_key = lookups.step_key(operation, values["step"]) if values.get("step") and operation else ""
    quantity = 1
    if values.get("quantity"):
        if not values["quantity"].isdigit() or int(values["quantity"]) < 1:
            raise RowInvalid(f"quantity “{values['quantity'][:10]}” is not a positive whole number")
        quantity = min(int(values["quantity"]), 2_000_000_000)
    disposition = values.get("disposition", "").lower().replace(" ", "_")
    if disposition not in Disposition.values:
        raise RowInvalid(f"unknown disposition “{disposition[:20]}”")
    opened = timezone.make_aware(datetime.datetime.combine(day, datetime.time(12)))
    return NCR(
        number=number,
        source=NCRSource.IMPORT,
        part=part,
        operation=operation,
        part_number=part.number if part else part_number,
        operation_number=operation_number,
        step_key=step_key,
        quantity=quantity,
        description=description,
        category=category,
        root_cause_code=code,
        containment=values.get("containment", ""),
        corrective_action=values.get("corrective_action", ""),
        disposition=disposition,
        status=NCRStatus.CLOSED,
        opened_at=opened,
        closed_at=opened,
    )


def ncr_link(*, parts: Iterable[Part] | None = None) -> int:
    """Link NCRs kept with part / operation numbers only, once those exist locally; returns NCRs linked.

    Bulk updates per part, so a sync that brings one part costs a few queries, whatever the history's size.
    """
    linked = 0
    for part in parts if parts is not None else Part.objects.all():
        waiting = NCR.objects.filter(operation__isnull=True, part_number__iexact=part.number)
        waiting.filter(part__isnull=True).update(part=part)
        for operation in Operation.objects.filter(part=part):
            linked += waiting.filter(operation_number=str(operation.sequence)).update(
                part=part, operation=operation
            )
    return linked

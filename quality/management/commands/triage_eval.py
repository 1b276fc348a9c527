"""`manage.py triage_eval [--csv FILE --text COL --category COL [--root-cause COL]] [--folds K] [--json]`.

Stratified k-fold accuracy of the NCR triage beside three baselines (majority class, TF-IDF nearest neighbour,
TF-IDF + logistic regression), all computed in the same run on the same folds. Without --csv it evaluates the
NCR history in the database; with --csv any labelled CSV, without importing it.
"""

import csv
import json
import re
import sys
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from quality.evaluation import METHODS, evaluate, max_folds
from quality.models import TriageDecision, TriageField
from quality.triage import default_embed

MIN_CASES = 10
WORD = re.compile(r"(?u)\b\w\w+\b")  # scikit-learn's token pattern: a text needs one to have features
DELIMITERS = (",", ";", "\t", "|")


def _delimiter(header_line: str, wanted: list[str]) -> str:
    """A comma, unless the header only has the wanted columns when split on ; tab or | (European Excel, TSV)."""
    for delimiter in DELIMITERS:
        names = [name.strip().strip('"') for name in header_line.rstrip("\r\n").split(delimiter)]
        if all(column in names for column in wanted):
            return delimiter
    return ","


class Command(BaseCommand):
    help = "Stratified k-fold evaluation of the triage and three baselines, on the NCR history or a labelled CSV."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--csv", type=Path, help="a labelled CSV (UTF-8, header row) to evaluate instead")
        parser.add_argument("--text", help="the CSV column with the text (several: comma-separated)")
        parser.add_argument("--category", help="the CSV column with the category")
        parser.add_argument("--root-cause", dest="root_cause", help="the CSV column with the root cause")
        parser.add_argument(
            "--group",
            help="optional CSV column with a key the triage may use, e.g. the part/operation or step",
        )
        parser.add_argument("--folds", type=int, default=5, help="cross-validation folds (default 5)")
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument("--json", action="store_true", help="print one JSON object")
        parser.add_argument("--no-embeddings", action="store_true", help="words and characters only")

    def handle(self, *args: Any, **o: Any) -> None:
        if o["folds"] < 2:
            raise CommandError("--folds must be at least 2.")
        if o["csv"]:
            texts, categories, causes, groups = self._from_csv(o)
        else:
            texts, categories, causes, groups = self._from_history()
        if len(texts) < MIN_CASES:
            raise CommandError(f"Only {len(texts)} labelled rows; at least {MIN_CASES} are needed.")
        if not any(WORD.search(text) for text in texts):
            raise CommandError(
                "The text has no words (two or more letters or digits) in any row: nothing to learn."
            )
        for name, labels in (("category", categories), ("root cause", causes)):
            try:
                if labels is not None:
                    max_folds(labels, o["folds"])  # the evaluation's own rule: some label must occur twice
            except ValueError:
                raise CommandError(
                    f"Every {name} occurs only once: there is nothing to learn from."
                ) from None
        progress = None if o["json"] else (lambda message: self.stderr.write(message))
        result = evaluate(
            texts,
            categories,
            causes,
            folds=min(o["folds"], len(texts)),
            embed=None if o["no_embeddings"] else default_embed(),
            seed=o["seed"],
            progress=progress,
            groups=groups,
            train_limit=settings.QUALITY_TRIAGE_TRAIN_LIMIT,
        )
        if o["json"]:
            self.stdout.write(json.dumps(result))
            return
        self.stdout.write(f"cases: {result['cases']}")
        for method in METHODS:
            for field, scores in result[method].items():
                for name, value in scores.items():
                    self.stdout.write(f"{method}_{field}_{name}: {value:.3f}")
        if not o["csv"]:
            self._decisions()

    def _from_csv(self, o: dict[str, Any]) -> tuple[list[str], list[str], list[str] | None, list[str] | None]:
        if not o["text"] or not o["category"]:
            raise CommandError("--csv needs --text COL and --category COL.")
        text_cols = [c.strip() for c in o["text"].split(",") if c.strip()]
        csv.field_size_limit(min(sys.maxsize, 2**31 - 1))
        wanted = [*text_cols, o["category"], *[o[k] for k in ("root_cause", "group") if o[k]]]
        try:
            return self._read_csv(o, text_cols, wanted, "utf-8-sig", "strict")
        except UnicodeDecodeError as error:
            # Excel on Windows saves "CSV" in the ANSI code page: read it as such, and say so.
            self.stderr.write(f"{o['csv']} is not UTF-8 (byte {error.start}); reading it as Windows-1252.")
            return self._read_csv(o, text_cols, wanted, "cp1252", "replace")

    def _read_csv(
        self, o: dict[str, Any], text_cols: list[str], wanted: list[str], encoding: str, errors: str
    ) -> tuple[list[str], list[str], list[str] | None, list[str] | None]:
        try:
            with o["csv"].open(encoding=encoding, errors=errors, newline="") as handle:
                delimiter = _delimiter(handle.readline(), wanted)
                handle.seek(0)
                reader = csv.DictReader(handle, delimiter=delimiter)
                header = reader.fieldnames or []
                missing = [c for c in wanted if c not in header]
                if missing:
                    raise CommandError(
                        f"{o['csv']} has no column(s) {', '.join(missing)} (it has: {', '.join(header)})"
                    )
                texts, categories, causes, groups = [], [], [], []
                for row in reader:
                    text = " ".join(
                        (row.get(c) or "").replace("\x00", " ").strip() for c in text_cols
                    ).strip()
                    category = (row.get(o["category"]) or "").strip()
                    cause = (row.get(o["root_cause"]) or "").strip() if o["root_cause"] else "-"
                    if text and category and cause:  # rows without a label or text cannot be scored
                        texts.append(text)
                        categories.append(category)
                        causes.append(cause)
                        groups.append((row.get(o["group"]) or "").strip() if o["group"] else "")
        except FileNotFoundError:
            raise CommandError(f"No such file: {o['csv']}") from None
        except csv.Error as error:
            raise CommandError(f"{o['csv']}: not readable as CSV ({error}).") from None
        return texts, categories, causes if o["root_cause"] else None, groups if o["group"] else None

    def _from_history(self) -> tuple[list[str], list[str], list[str], list[str]]:
        from quality.triage_drafts import ncr_history_cases

        cases = ncr_history_cases()
        if len(cases) < MIN_CASES:
            raise CommandError(
                f"Only {len(cases)} NCRs with a category and root cause; import history first "
                "(manage.py import_ncrs demo/ncr_history.csv --create-codes)."
            )
        return (
            [c.text for c in cases],
            [c.category for c in cases],
            [c.root_cause for c in cases],
            [c.step or c.operation for c in cases],
        )

    def _decisions(self) -> None:
        """How the engineers' own decisions on floor drafts agree with what was drafted."""
        for field in (TriageField.CATEGORY, TriageField.ROOT_CAUSE):
            ranks = list(TriageDecision.objects.filter(field=field).values_list("proposed_rank", flat=True))
            self.stdout.write(f"decisions_{field}: {len(ranks)}")
            if ranks:
                self.stdout.write(f"decisions_{field}_top1: {sum(r == 1 for r in ranks) / len(ranks):.3f}")
                self.stdout.write(
                    f"decisions_{field}_top3: {sum(1 <= r <= 3 for r in ranks) / len(ranks):.3f}"
                )

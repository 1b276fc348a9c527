"""`manage.py triage_eval`: leave-one-out accuracy of the NCR triage on the NCR history, beside two baselines."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from quality.models import TriageDecision, TriageField
from quality.services import ncr_history_cases
from quality.triage import evaluate


class Command(BaseCommand):
    help = "Leave-one-out evaluation of the triage over the NCR history; prints `name: value` lines."

    def handle(self, *args: Any, **options: Any) -> None:
        cases = ncr_history_cases()
        if len(cases) < 10:
            raise CommandError(
                f"Only {len(cases)} NCRs with a category and root cause; import history first "
                "(manage.py import_ncrs demo/ncr_history.csv)."
            )
        result = evaluate(cases)
        self.stdout.write(f"cases: {result.cases}")
        for name, value in result.figures.items():
            self.stdout.write(f"{name}: {value:.3f}")
        # How the engineers' own decisions on floor drafts agree with what was drafted.
        for field in (TriageField.CATEGORY, TriageField.ROOT_CAUSE):
            ranks = list(TriageDecision.objects.filter(field=field).values_list("proposed_rank", flat=True))
            self.stdout.write(f"decisions_{field}: {len(ranks)}")
            if ranks:
                self.stdout.write(f"decisions_{field}_top1: {sum(r == 1 for r in ranks) / len(ranks):.3f}")
                self.stdout.write(
                    f"decisions_{field}_top3: {sum(1 <= r <= 3 for r in ranks) / len(ranks):.3f}"
                )

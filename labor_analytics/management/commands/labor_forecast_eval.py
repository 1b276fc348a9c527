"""`manage.py labor_forecast_eval FILE.csv [--json]`: crew efficiency forecast against the plan and the
crew's previous value (docs/labor-analytics.md, "Forecast evaluation")."""

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from labor_analytics.crewday import crew_days_read
from labor_analytics.efficiency_eval import evaluate


class Command(BaseCommand):
    help = "Evaluate the next-day crew efficiency forecast on a crew-day history CSV."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file")
        parser.add_argument("--json", action="store_true", help="Print only the figures as JSON.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            rows = crew_days_read(options["file"])
            outcome = evaluate(rows)
        except (OSError, ValueError) as exc:
            raise CommandError(str(exc)) from exc
        figures, details = outcome["figures"], outcome["details"]
        if options["json"]:
            self.stdout.write(json.dumps(figures))
            return
        w = self.stdout.write
        w(f"Trained on {details['train_dates']} dates ({details['train_rows']} crew-days), forecast "
          f"{details['test_dates']} dates from {details['first_test_date']} ({details['test_rows']} crew-days).")  # fmt: skip
        w(f"{'forecast':<10} {'MAE':>8} {'coverage80':>11} {'overtime WAPE':>14}")
        for name in ("model", "plan", "previous"):
            f = figures[name]
            cov = f"{f['coverage80']:.1%}" if "coverage80" in f else "—"
            w(f"{name:<10} {f['mae']:>8.4f} {cov:>11} {_pct(f['overtime_wape']):>14}")
        w(f"Median 80 % interval width {details['interval_width_median']:.3f}; trees weight "
          f"{details['shrink']}; overtime k {details['overtime_k']}.")  # fmt: skip
        w("Next-day overtime WAPE per crew (model / plan / previous):")
        for crew, wapes in details["overtime_wape_per_crew"].items():
            w(f"  {crew:<24} {_pct(wapes['model']):>8} {_pct(wapes['plan']):>8} {_pct(wapes['previous']):>8}")


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1%}"

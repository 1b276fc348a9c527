"""`manage.py quality_scan`: run the out-of-spec trend and feedback-threshold checks on every step with recent feedback."""

from typing import Any

from django.core.management.base import BaseCommand

from quality.alerts import quality_scan


class Command(BaseCommand):
    help = "Check every step with recent flags, defects, out-of-spec readings or questions against the thresholds."

    def handle(self, *args: Any, **options: Any) -> None:
        alerts = quality_scan()
        for alert in alerts:
            proposal = f" (proposal {alert.proposal_id})" if alert.proposal_id else ""
            self.stdout.write(f"{alert.get_kind_display()}: {alert.summary}{proposal}")
        self.stdout.write(f"alerts: {len(alerts)}")

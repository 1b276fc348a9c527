"""`manage.py verify_audit`: walk the hash chain; exit 1 naming the first broken entry."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from plexcopilot.services import audit_verify


class Command(BaseCommand):
    help = "Check the audit trail's hash chain and name the first broken entry."

    def handle(self, *args: Any, **options: Any) -> None:
        intact, count, problem = audit_verify()
        if not intact:
            raise CommandError(f"Audit trail BROKEN after checking {count} events: {problem}.")
        self.stdout.write(self.style.SUCCESS(f"Audit trail intact: {count} events, hash chain verified."))

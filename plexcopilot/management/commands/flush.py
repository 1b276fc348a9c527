"""`flush` empties every table, the append-only audit table included (test teardown uses it)."""

import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.commands import flush

from plexcopilot.audit_guard import audit_guard_suspended


class Command(flush.Command):
    help = flush.Command.help + " The audit table's append-only guard is lifted for this command only."

    def handle(self, **options: Any) -> None:
        with audit_guard_suspended(using=options["database"]):
            super().handle(**options)
        # The emptied chain starts again: its old checkpoints are kept aside, not checked against it.
        checkpoints = Path(settings.AUDIT_CHECKPOINT_FILE)
        if checkpoints.exists():
            checkpoints.rename(checkpoints.with_name(f"{checkpoints.name}.flushed-{int(time.time())}"))

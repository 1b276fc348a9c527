import time

from django.core.management.base import BaseCommand, CommandError, CommandParser

from plex.outbox import outbox_drain, plex_enabled


class Command(BaseCommand):
    help = "Send queued write-backs to Plex (once, or every N seconds with --every)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--every", type=int, default=0, help="repeat every N seconds (0 = once)")

    def handle(self, *args: object, every: int, **options: object) -> None:
        if not plex_enabled():
            raise CommandError("PLEX_BASE_URL is not set: the Plex integration is off (see docs/plex.md).")
        while True:
            result = outbox_drain()
            self.stdout.write(
                f"sent={result.sent} retrying={result.retrying} failed={result.failed} {result.stopped[:200]}"
            )
            if not every:
                return
            time.sleep(every)

import time

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from plex.outbox import outbox_drain, plex_enabled
from plex.sync import RESOURCES, plex_sync
from plex.tasks import plex_schedule
from plexcopilot.roles import ADMIN, user_has_role


class Command(BaseCommand):
    help = "Poll Plex Connect into the local cache (once, or every N seconds with --every), then drain the outbox."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--every", type=int, default=0, help="repeat every N seconds (0 = once)")
        parser.add_argument("--resource", action="append", choices=RESOURCES, help="only these resources")
        parser.add_argument(
            "--actor",
            help="username of the plant admin running the first sync: new baseline instructions are released "
            "under their system-import signature (without it they wait as drafts)",
        )
        parser.add_argument(
            "--schedule",
            action="store_true",
            help="queue the self-repeating background sync for db_worker and exit",
        )

    def handle(
        self,
        *args: object,
        every: int,
        resource: list[str] | None,
        schedule: bool,
        actor: str | None = None,
        **options: object,
    ) -> None:
        if not plex_enabled():
            raise CommandError("PLEX_BASE_URL is not set: the Plex integration is off (see docs/plex.md).")
        admin = None
        if actor is not None:  # `--actor=` (an empty name) is refused too, not taken as "no actor"
            admin = get_user_model().objects.filter(username=actor).first()
            if admin is None or not user_has_role(admin, ADMIN):
                raise CommandError(f"--actor {actor!r} is not a plant admin's username.")
        if schedule:
            queued = plex_schedule(delay_seconds=0)
            self.stdout.write(
                "Background Plex sync queued." if queued else "A background Plex sync is already queued."
            )
            return
        while True:
            run = plex_sync(resources=resource, actor=admin)
            drained = outbox_drain()
            self.stdout.write(
                f"{run.started_at:%Y-%m-%d %H:%M:%S} sync {run.status}: {run.counts} calls={run.calls} "
                f"errors={run.errors.count()} {run.message[:200]} | outbox sent={drained.sent} "
                f"retrying={drained.retrying} failed={drained.failed}"
            )
            if not every:
                return
            time.sleep(every or settings.PLEX_SYNC_EVERY_SECONDS)

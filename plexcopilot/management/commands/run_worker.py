"""`manage.py run_worker`: the supervised background worker (see plexcopilot.worker)."""

import signal
import sys
import threading
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from plexcopilot import worker


class Command(BaseCommand):
    help = "Work the background task queue; restarts itself after crashes and database outages."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--child", action="store_true", help="Run the worker itself (used by the supervisor)."
        )
        parser.add_argument("--worker-id", default="", help="Name of this worker (the supervisor sets it).")
        parser.add_argument("--interval", type=float, default=1.0, help="Seconds between queue polls.")

    def handle(self, *args: Any, **options: Any) -> None:
        stopping = threading.Event()

        def stop(signum: int, frame: object) -> None:
            stopping.set()

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        if not options["child"]:
            argv = [sys.argv[0], "run_worker", "--interval", str(options["interval"])]
            worker.supervise(argv=argv, stop=stopping.is_set)
            return
        worker_id = options["worker_id"] or worker.worker_id_new()
        beat = threading.Event()
        worker.heartbeat_thread(worker_id=worker_id, stop=beat)
        try:
            worker.worker_loop(worker_id=worker_id, interval=options["interval"], stop=stopping.is_set)
        finally:
            beat.set()

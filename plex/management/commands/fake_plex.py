import time

from django.core.management.base import BaseCommand, CommandParser

from plex.fake_server import FakePlex


class Command(BaseCommand):
    help = "Run the fake Plex Connect server on 127.0.0.1 (tests and demo only; never a real tenant)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--port", type=int, default=0, help="port (0 = any free port)")
        parser.add_argument("--api-key", default="fake-plex-key")
        parser.add_argument("--rate", type=int, default=200, help="calls per minute before 429")
        parser.add_argument(
            "--delay", type=float, default=0.0, help="seconds before each answer (a slow Plex)"
        )

    def handle(
        self, *args: object, port: int, api_key: str, rate: int, delay: float, **options: object
    ) -> None:
        fake = FakePlex(api_key=api_key, rate_limit=rate, port=port)
        fake.delay = delay
        fake.start()
        self.stdout.write(
            f"Fake Plex Connect at {fake.url}\n  export PLEX_BASE_URL={fake.url} PLEX_API_KEY={api_key}"
        )
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            fake.stop()

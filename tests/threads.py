"""Work run in a thread of a test: each thread opens its own database connections, closed when it ends."""

from collections.abc import Callable
from typing import Any

from django.db import connections


def in_thread(work: Callable[[], Any]) -> Callable[[], Any]:
    """`work` wrapped to run in a pool's thread: its connections are closed when it returns or raises."""

    def run() -> Any:
        try:
            return work()
        finally:
            connections.close_all()

    return run

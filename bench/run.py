"""`make bench`: one `name: value` line per figure, also written to bench-results.json.

Runs against a fresh SQLite database in a temporary data dir with the demo plant loaded. Each module in
BENCHES has `run() -> dict[str, float]`. Figures are medians/percentiles over many runs, not single timings.
"""

import importlib
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BENCHES = [
    "bench.station",
    "bench.languages",
    "bench.labor",
    "bench.labor_forecast",
    "bench.governance",
    "bench.quality",
    "bench.copilot_docs",
    "bench.crosslang",  # before bench.copilot: it adds 100k synthetic chunks
    "bench.first_question",  # fresh processes on the library bench.crosslang ingested
    "bench.copilot",
    "bench.plex",
    "bench.schedule",
    "bench.materials",
]


def main() -> None:
    data_dir = tempfile.mkdtemp(prefix="plexcopilot-bench-")
    os.environ["PLEXCOPILOT_DATA_DIR"] = data_dir
    os.environ.pop("DATABASE_URL", None)
    os.environ.pop("REDIS_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "plexcopilot.settings")
    import django

    django.setup()
    from django.core.management import call_command

    from instructions.demo import demo_plant_load

    call_command("migrate", verbosity=0)
    demo_plant_load()
    selected = sys.argv[1:] or BENCHES
    results: dict[str, float] = {}
    for name in selected:
        module = importlib.import_module(name if name.startswith("bench.") else f"bench.{name}")
        started = time.perf_counter()
        figures = module.run()
        for key, value in figures.items():
            results[key] = round(float(value), 3)
            print(f"{key}: {results[key]}", flush=True)
        print(f"# {name} took {time.perf_counter() - started:.1f}s", file=sys.stderr)
    (ROOT / "bench-results.json").write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()

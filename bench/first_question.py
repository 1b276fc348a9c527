"""The first question's first token in a fresh worker process, warmed as the server warms it.

`run()` (in `make bench`) starts fresh Python processes on the bench's database. Each imports
plexcopilot.asgi, as daphne does, which starts the copilot warm-up thread; once the warm-up is done (a server
takes traffic while it runs; a tablet's first question comes seconds later), it times one operator question
on a step → the first streamed token of the answer (the question stored, retrieval, the extractive answer).
The baseline is the same process with COPILOT_WARM_AT_START=0: the first question then loads the model and
the indexes itself. Figures are medians over fresh starts. Run after a bench that ingested the demo library.
"""

import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STARTS = 5
QUESTION = "¿Cómo quito un atasco en la estación 5?"  # the Spanish operator: translation on the path


def _child() -> None:
    started = time.perf_counter()
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "plexcopilot.settings")
    import asyncio

    import plexcopilot.asgi  # noqa: F401  (what daphne imports: starts the warm-up thread)
    from copilot import warmup

    warm_wait = 0.0
    if os.environ.get("COPILOT_WARM_AT_START") != "0":
        warmup.done.wait(120)
        warm_wait = time.perf_counter() - started
    from django.conf import settings

    from copilot.answering import question_answer_stream
    from copilot.questions import QuestionContext, question_prepare
    from instructions.models import Execution, Station, WorkOrder
    from instructions.runs import execution_start
    from plexcopilot.models import Employee

    settings.LLM_BASE_URL = ""  # the extractive engine: the figure is ours, not an LLM's
    station = Station.objects.get(code="ST-PRS-400")
    employee = Employee.objects.get(badge_id="100101")
    work_order = WorkOrder.objects.get(barcode="WO-24123-10")
    execution = Execution.objects.filter(work_order=work_order, status="active").first() or execution_start(
        work_order=work_order, employee=employee
    )
    context = QuestionContext(
        employee=employee, role="operator", area=station.work_center.area, execution=execution,
        step=execution.version.steps.get(order=4),
    )  # fmt: skip

    async def first_token(prepared) -> None:  # type: ignore[no-untyped-def]
        async for _kind, _value in question_answer_stream(prepared=prepared):
            return

    asked = time.perf_counter()
    prepared = question_prepare(context=context, question=QUESTION)
    asyncio.run(first_token(prepared))
    first = (time.perf_counter() - asked) * 1000
    print(json.dumps({"first_token_ms": first, "warm_s": warm_wait}))


def _start(warm: bool) -> dict[str, float]:
    env = dict(os.environ, COPILOT_WARM_AT_START="1" if warm else "0")
    out = subprocess.run(
        [sys.executable, "-m", "bench.first_question"], cwd=ROOT, env=env, capture_output=True, text=True,
        check=True, timeout=300,
    )  # fmt: skip
    return json.loads(out.stdout.strip().splitlines()[-1])


def run() -> dict[str, float]:
    from django.db import connection

    connection.close()  # the children open the same SQLite file
    warmed = [_start(True) for _ in range(STARTS)]
    cold = [_start(False) for _ in range(STARTS)]
    return {
        "copilot_first_question_first_token_ms": statistics.median(r["first_token_ms"] for r in warmed),
        "copilot_first_question_first_token_ms_unwarmed": statistics.median(
            r["first_token_ms"] for r in cold
        ),
        "copilot_warmup_s": statistics.median(r["warm_s"] for r in warmed),
    }


if __name__ == "__main__":
    _child()

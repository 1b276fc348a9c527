"""The full demo plant with every role signed in: the crawl's world (test_crawl.py, test_malformed_posts.py)."""

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from copilot.library_files import library_ingest_paths
from copilot.models import CopilotQuestion
from instructions.models import Execution
from languages.models import TranslationReview
from materials.models import KanbanChange, KanbanLoop
from tests.copilot.sources_fixtures import write_sources
from tests.plexcopilot import crawl


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker, tmp_path_factory):
    """`make demo`'s loaders, once for the module, rolled back at its end."""
    media = tmp_path_factory.mktemp("crawl-media")
    chroma = tmp_path_factory.mktemp("crawl-chroma")
    demo_library = str(crawl.settings.BASE_DIR / "demo" / "library")
    with (
        override_settings(
            MEDIA_ROOT=media,
            COPILOT_CHROMA_DIR=chroma,
            COPILOT_UPLOAD_DIR=tmp_path_factory.mktemp("crawl-uploads"),
            COPILOT_LIBRARY_DIRS=[demo_library],
            CHROMA_URL="",
            LLM_BASE_URL="",
            STATION_IDLE_TIMEOUT_SECONDS=24 * 3600,
            PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
        ),
        django_db_blocker.unblock(),
        transaction.atomic(),
    ):
        for name, *args in crawl.demo_commands():
            call_command(
                name, *(str(crawl.settings.BASE_DIR / a) if "/" in a else a for a in args), verbosity=0
            )
        # A maintenance log and a video clip with transcripts: the demo library has neither kind yet.
        library_ingest_paths(paths=[write_sources(tmp_path_factory.mktemp("crawl-sources"))])
        contexts = _role_contexts()
        # What a machine translation backend queues for a supervisor (the demo installs none).
        TranslationReview.objects.create(language="es", source_text="Check the die set.", source_hash="crawl",
                                         machine_text="Revise el juego de troqueles.", backend="crawl")  # fmt: skip
        call_command("quality_scan", verbosity=0)
        for _client, ctx in contexts.values():
            ctx.ids = crawl.demo_ids()
        yield {"media": media, "contexts": contexts}
        transaction.set_rollback(True)


def _role_contexts() -> dict:
    """Each role signed in; each operator scans a work order at its station (its own execution) and asks once."""
    contexts = {}
    for role in crawl.ROLES:
        client = crawl.sign_in(role)
        ctx = crawl.Ctx(role=role)
        if role in crawl.OPERATORS:
            ctx.station_code = crawl.OPERATORS[role][1]
            barcode = {"ST-PRS-400": "WO-24123-10", "ST-INS-LT1": "WO-24119-20"}[ctx.station_code]
            response = client.post("/station/scan/", {"code": barcode})
            assert response.status_code == 302, (role, response.status_code, response.content[:300])
            ctx.execution_id = int(response["Location"].strip("/").split("/")[-2])
            ctx.work_order_id = Execution.objects.get(pk=ctx.execution_id).work_order_id
            client.post(
                f"/copilot/ask/{ctx.execution_id}/1/", {"question": "What torque for the clamp bolts?"}
            )
            ctx.question_id = (
                CopilotQuestion.objects.filter(operator__badge_id=crawl.OPERATORS[role][0]).get().pk
            )
            if role == "op-expert":  # a run of out-of-spec readings: quality gets a trend alert
                step = Execution.objects.get(pk=ctx.execution_id).version.steps.filter(
                    spec_upper__isnull=False).order_by("order").first()  # fmt: skip
                for _ in range(3):
                    url = f"/station/run/{ctx.execution_id}/{step.order}/measure/"
                    client.post(url, {"value": str(step.spec_upper + 50)})
            loop = KanbanLoop.objects.filter(location__work_center__stations__code=ctx.station_code).first()
            if loop is not None:  # an empty kanban card scanned at the station: a call-off for the handler
                client.post("/materials/station/call/", {"card": f"KB-{loop.pk}-1"})
        contexts[role] = (client, ctx)
    contexts["supervisor"][0].post("/materials/evaluate/")  # buffers: call-offs and kanban suggestions
    if not KanbanChange.objects.exists():  # what weeks of red buffers propose (the demo has days, not weeks)
        loop = KanbanLoop.objects.order_by("pk").first()
        KanbanChange.objects.create(loop=loop, old_card_count=loop.card_count, card_count=loop.card_count + 1,
                                    old_quantity_per_card=loop.quantity_per_card,
                                    quantity_per_card=loop.quantity_per_card, reason="Red in 60% (crawl)",
                                    created_at=timezone.now())  # fmt: skip
    return contexts

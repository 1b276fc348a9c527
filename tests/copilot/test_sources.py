"""Maintenance work orders and video clips as library sources; citations that say which document."""

import io
import json

import pytest
from django.core.management import call_command

from copilot.index_schema import SearchFilter
from copilot.library_files import library_ingest_paths
from copilot.models import KnowledgeChunk, KnowledgeDocument
from copilot.questions import knowledge_answer
from tests.copilot.sources_fixtures import write_sources
from tests.copilot.test_views import desk

pytestmark = pytest.mark.django_db


@pytest.fixture
def sources_dir(tmp_path):
    return write_sources(tmp_path / "plant-library")


class TestMaintenanceLog:
    def test_each_work_order_is_a_cited_source_with_the_action_that_fixed_it(self, sources_dir):
        report = library_ingest_paths(paths=[sources_dir])
        assert not report.errors
        wo = KnowledgeDocument.objects.get(title="WO 40123, 2026-03-02, PRS-400")
        assert (wo.doc_type, wo.work_center_code, wo.path) == (
            "maintenance", "PRS-400", "maintenance-logs/work-orders.csv",
        )  # fmt: skip
        answer = knowledge_answer(
            question="fingers keep dropping the blank at station 3, what fixed it before?",
            search_filter=SearchFilter(),
        )
        assert (
            "WO 40123, 2026-03-02, PRS-400: Symptom: Transfer fingers drop the blank at station 3. "
            "Cause: Finger pads worn smooth. Action: Replaced the finger pads and re-taught the transfer height."
        ) in answer.text
        assert "WO 40123, 2026-03-02, PRS-400" in [p.title for p in answer.citations]

    def test_a_work_order_gone_from_the_log_is_dropped_and_unchanged_ones_are_skipped(self, sources_dir):
        library_ingest_paths(paths=[sources_dir])
        log = sources_dir / "maintenance-logs" / "work-orders.csv"
        log.write_text(
            "\n".join(line for line in log.read_text().splitlines() if not line.startswith("40117"))
        )
        report = library_ingest_paths(paths=[sources_dir])
        assert report.removed == 1 and report.added == 0
        assert not KnowledgeDocument.objects.filter(title__startswith="WO 40117").exists()


class TestVideoClips:
    def test_a_clip_is_cited_at_its_moment_and_opens_there_in_the_operators_language(
        self, sources_dir, demo_plant
    ):
        library_ingest_paths(paths=[sources_dir])
        clip = KnowledgeDocument.objects.get(title="Transfer finger pads on the 400 t press")
        assert clip.media.endswith("clips/transfer-fingers.webm") and set(clip.tracks) == {"en", "es"}
        starts = list(clip.chunks.order_by("ordinal").values_list("start_seconds", flat=True))
        assert starts == [0.0, 4.0, 8.0]
        answer = knowledge_answer(
            question="how do I swap the finger pads and re-teach the transfer height",
            search_filter=SearchFilter(),
        )
        cited = next(p for p in answer.citations if p.title == clip.title)
        assert cited.start == 8.0 and cited.url == f"/copilot/clip/{cited.chunk_id}/"

        ana = desk("100101")  # Spanish
        page = ana.get(cited.url).content.decode()
        assert f'src="/copilot/clips/{clip.pk}/media/#t=8.0"' in page
        assert f'srclang="es" label="es" src="/copilot/clips/{clip.pk}/track/es.vtt" default' in page
        assert "Cambie ambas almohadillas" in page  # the cited passage in her language
        track = ana.get(f"/copilot/clips/{clip.pk}/track/es.vtt")
        assert track["Content-Type"].startswith("text/vtt") and b"WEBVTT" in track.content
        part = ana.get(f"/copilot/clips/{clip.pk}/media/", HTTP_RANGE="bytes=100-199")
        assert part.status_code == 206 and part["Content-Range"].startswith("bytes 100-199/")
        assert len(b"".join(part.streaming_content)) == 100

    def test_a_clip_opened_at_the_station_keeps_the_station_layout(self, sources_dir, station_run):
        library_ingest_paths(paths=[sources_dir])
        client, execution, _ana = station_run
        clip = KnowledgeDocument.objects.get(title="Transfer finger pads on the 400 t press")
        cited = clip.chunks.get(start_seconds=8.0)
        step = f"/station/run/{execution.pk}/4/"
        response = client.get(f"/copilot/clip/{cited.pk}/", {"back": step})
        body = response.content.decode()
        assert response.status_code == 200
        # it was the desk layout, with the desk's sign-out
        assert 'class="station"' in body and 'class="desk"' not in body
        assert 'action="/station/signout/"' in body and 'action="/accounts/logout/"' not in body
        assert f'href="{step}"' in body and "Volver al paso" in body  # Ana reads Spanish
        assert "Cambie ambas almohadillas" in body and "citado en 0:08" in body

    def test_a_clip_at_a_url_is_ingested_from_the_command_line(self, sources_dir):
        out = io.StringIO()
        call_command(
            "ingest_docs", "https://video.example/press/fingers.mp4",
            "--transcript", str(sources_dir / "clips" / "transfer-fingers.vtt"), stdout=out,
        )  # fmt: skip
        clip = KnowledgeDocument.objects.get(media="https://video.example/press/fingers.mp4")
        assert clip.url == clip.media and clip.chunks.count() == 3
        assert "1 added" in out.getvalue()


class TestAskJson:
    def test_citations_name_the_document_title_section_and_url(self, library_dir):
        (library_dir / "sops" / "copy").mkdir()
        same = (library_dir / "sops" / "prs-400-clearing-a-jam.md").read_text()
        (library_dir / "sops" / "copy" / "prs-400-clearing-a-jam.md").write_text(
            same.replace("magnetic pick-up tool", "magnetic pick-up tool MT-9")
        )
        library_ingest_paths(paths=[library_dir])
        out = io.StringIO()
        call_command("ask", "magnetic pick-up tool MT-9 for a jam", "--json", stdout=out)
        first = json.loads(out.getvalue())["citations"][0]
        assert first["document"] == "sops/copy/prs-400-clearing-a-jam.md"  # two documents share the title
        assert first["title"].startswith("SOP-PRS-014") and first["section"]
        assert first["url"].startswith("/copilot/source/") and first["chunk_id"]


class TestUploadApproval:
    def test_an_upload_is_citable_only_after_a_second_person_approves_it(self, demo_plant, run_worker):
        quality, admin = desk("300301"), desk("900901")
        upload = io.BytesIO(b"# Coil cradle\n\nThe coil cradle brake is set to 3 bar for 1.2 mm coil.\n")
        upload.name = "coil-cradle.md"
        assert quality.post("/copilot/library/upload/", {"file": upload}).status_code == 302
        run_worker()  # read and indexed in the background
        document = KnowledgeDocument.objects.get(title="Coil cradle")
        assert document.status == "pending"

        def cited() -> bool:
            answer = knowledge_answer(question="coil cradle brake pressure", search_filter=SearchFilter())
            return any(p.title == "Coil cradle" for p in answer.citations)

        assert not cited()
        assert desk("100101").get(f"/copilot/source/{document.chunks.first().pk}/").status_code in (
            302,
            403,
            404,
        )
        refused = quality.post(f"/copilot/library/{document.pk}/review/", {"decision": "approve"})
        assert refused.status_code == 403 and b"second person" in refused.content
        assert not cited()
        assert (
            admin.post(f"/copilot/library/{document.pk}/review/", {"decision": "approve"}).status_code == 302
        )
        document.refresh_from_db()
        assert document.status == "approved" and document.approved_by.username
        assert cited()
        assert KnowledgeChunk.objects.filter(document=document).exists()

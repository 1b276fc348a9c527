"""Library uploads are read and indexed by the background worker, never inside the upload request: the page shows
"Indexing…" until the worker is done, and why when a file cannot be read."""

import io

import pytest
from django.test import Client
from django_tasks_db.models import DBTaskResult

from copilot import library as library_module
from copilot.models import DocumentStatus, IndexStatus, KnowledgeDocument
from copilot.tasks import library_upload_task
from plexcopilot.models import Employee
from tests.copilot.test_library_parse import tiny_pdf

pytestmark = pytest.mark.django_db


def desk(badge: str) -> Client:
    client = Client()
    client.force_login(Employee.objects.get(badge_id=badge).user)
    return client


def pdf_upload(data: bytes, name: str) -> io.BytesIO:
    upload = io.BytesIO(data)
    upload.name = name
    return upload


class TestBackgroundIndexing:
    def test_a_big_pdf_is_queued_by_the_request_and_read_by_the_worker(
        self, library, run_worker, monkeypatch
    ):
        reads: list[str] = []
        parse_pdf = library_module.parse_pdf

        def counted(raw: bytes, fallback: str):
            reads.append(fallback)
            return parse_pdf(raw, fallback)

        monkeypatch.setattr(library_module, "parse_pdf", counted)
        lines = [
            f"Section {n}: the hydraulic overload on PRS-400 resets with key HK-{n}." for n in range(400)
        ]
        admin, quality = desk("900901"), desk("300301")
        response = admin.post(
            "/copilot/library/upload/",
            {"file": pdf_upload(tiny_pdf(lines), "press-overload-manual.pdf"), "doc_type": "troubleshooting"},
        )
        assert response.status_code == 302
        assert reads == []  # nothing was parsed, embedded or indexed in the request
        document = KnowledgeDocument.objects.get(upload_name="press-overload-manual.pdf")
        assert (document.index_status, document.status) == (IndexStatus.QUEUED, DocumentStatus.PENDING)
        assert not document.chunks.exists()
        assert (
            DBTaskResult.objects.filter(task_path=library_upload_task.module_path, status="READY").count()
            == 1
        )
        page = quality.get("/copilot/library/").content.decode()
        assert f'data-testid="indexing-{document.pk}"' in page and "Indexing…" in page
        assert 'hx-trigger="every 3s"' in page  # the table refreshes itself while something is indexing
        refused = quality.post(f"/copilot/library/{document.pk}/review/", {"decision": "approve"})
        assert refused.status_code == 403 and "still being indexed" in refused.content.decode()

        run_worker()
        document.refresh_from_db()
        assert reads == ["Press overload manual"]
        assert document.index_status == IndexStatus.READY and document.doc_type == "troubleshooting"
        assert document.chunks.exists() and "HK-399" in document.text
        page = quality.get("/copilot/library/").content.decode()
        assert "Indexing…" not in page and 'hx-trigger="every 3s"' not in page
        assert (
            quality.post(f"/copilot/library/{document.pk}/review/", {"decision": "approve"}).status_code
            == 302
        )

    def test_a_file_the_worker_cannot_read_is_shown_as_failed_with_why(self, library, run_worker):
        admin, quality = desk("900901"), desk("300301")
        broken = b"%PDF-1.4\n" + b"\x00garbage" * 50
        assert (
            admin.post("/copilot/library/upload/", {"file": pdf_upload(broken, "scan.pdf")}).status_code
            == 302
        )
        run_worker()
        document = KnowledgeDocument.objects.get(upload_name="scan.pdf")
        assert document.index_status == IndexStatus.FAILED and document.index_error.startswith("scan.pdf")
        page = quality.get("/copilot/library/").content.decode()
        assert f'data-testid="index-failed-{document.pk}"' in page and "Indexing failed: scan.pdf" in page
        refused = quality.post(f"/copilot/library/{document.pk}/review/", {"decision": "approve"})
        assert refused.status_code == 403 and "could not be indexed" in refused.content.decode()

    def test_a_waiting_upload_says_when_the_worker_is_not_running(self, library):
        admin = desk("900901")
        admin.post("/copilot/library/upload/", {"file": pdf_upload(tiny_pdf(["Reset with HK-2."]), "a.pdf")})
        assert 'data-testid="worker-down"' in admin.get("/copilot/library/").content.decode()

    def test_what_can_be_refused_at_once_is_refused_in_the_request(self, library):
        admin = desk("900901")
        response = admin.post("/copilot/library/upload/", {"file": pdf_upload(b"hello", "notes.pdf")})
        assert response.status_code == 422 and "not a PDF file" in response.content.decode()
        response = admin.post(
            "/copilot/library/upload/", {"file": pdf_upload(b"\xff\xfe\x00bad", "notes.md")}
        )
        assert response.status_code == 422 and "not UTF-8 text" in response.content.decode()
        assert not KnowledgeDocument.objects.filter(upload_name__startswith="notes").exists()

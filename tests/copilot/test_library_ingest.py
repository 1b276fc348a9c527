import io

import pytest
from django.core.management import call_command

from copilot import vectorstore
from copilot.library_files import library_ingest_paths
from copilot.models import KnowledgeChunk, KnowledgeDocument
from plexcopilot.models import AuditEvent

pytestmark = pytest.mark.django_db


def vector_count() -> int:
    return vectorstore.collection().count()


class TestIngest:
    def test_it_indexes_every_file_of_a_folder_with_its_metadata(self, library_dir):
        report = library_ingest_paths(paths=[library_dir])
        assert report.added == 7 and not report.errors
        jam = KnowledgeDocument.objects.get(title__startswith="SOP-PRS-014")
        assert (jam.doc_type, jam.work_center_code, jam.area) == ("sop", "PRS-400", "Stamping")
        assert KnowledgeDocument.objects.get(title__contains="safety circuit").roles == "supervisor,admin"
        assert vector_count() == KnowledgeChunk.objects.count() > 20
        assert AuditEvent.objects.filter(action="copilot.document.add").count() == 7

    def test_it_skips_unchanged_files_updates_changed_ones_and_drops_removed_ones(self, library_dir):
        library_ingest_paths(paths=[library_dir])
        chunks_before = KnowledgeChunk.objects.count()
        again = library_ingest_paths(paths=[library_dir])
        assert (again.added, again.updated, again.unchanged, again.removed) == (0, 0, 7, 0)
        assert KnowledgeChunk.objects.count() == chunks_before

        sop = library_dir / "sops" / "pw2-electrode-tip-dressing.md"
        sop.write_text(
            sop.read_text() + "\n## Spare dressers\nSpare hand dressers are kept in cabinet W-4.\n"
        )
        (library_dir / "maintenance" / "pw2-maintenance-log.txt").unlink()
        report = library_ingest_paths(paths=[library_dir])
        assert (report.updated, report.removed, report.unchanged) == (1, 1, 5)
        assert not KnowledgeDocument.objects.filter(title__startswith="Maintenance log — projection").exists()
        assert KnowledgeChunk.objects.filter(text__contains="cabinet W-4").exists()
        assert vector_count() == KnowledgeChunk.objects.count()

    def test_it_reports_unreadable_files_and_keeps_going(self, library_dir):
        (library_dir / "sops" / "empty.md").write_text("")
        report = library_ingest_paths(paths=[library_dir])
        assert report.added == 7
        assert any("no text found" in e for e in report.errors or [])

    def test_the_command_shows_progress_and_a_summary(self, library_dir):
        out = io.StringIO()
        call_command("ingest_docs", str(library_dir), stdout=out)
        text = out.getvalue()
        assert "[1/7] added" in text and "7 added, 0 updated, 0 unchanged, 0 removed" in text


class TestBuildIndex:
    def test_it_indexes_the_library_and_instruction_versions_and_is_idempotent(
        self, demo_plant, library_dir, settings
    ):
        settings.COPILOT_LIBRARY_DIRS = [str(library_dir)]
        out = io.StringIO()
        call_command("build_index", stdout=out)
        assert "7 added" in out.getvalue() and "Instruction versions indexed: 6" in out.getvalue()
        assert KnowledgeDocument.objects.filter(doc_type="instruction", version__isnull=False).count() == 6
        out = io.StringIO()
        call_command("build_index", stdout=out)
        assert "0 added, 0 updated, 7 unchanged" in out.getvalue()
        assert "Instruction versions indexed: 0" in out.getvalue()

    def test_it_restores_vectors_missing_from_a_fresh_vector_store(
        self, demo_plant, library_dir, settings, tmp_path
    ):
        settings.COPILOT_LIBRARY_DIRS = [str(library_dir)]
        call_command("build_index", stdout=io.StringIO())
        settings.COPILOT_CHROMA_DIR = tmp_path / "fresh-chroma"
        out = io.StringIO()
        call_command("build_index", stdout=out)
        assert vector_count() == KnowledgeChunk.objects.count()
        assert f"Vectors repaired: {KnowledgeChunk.objects.count()}" in out.getvalue()


class TestClosedNcrs:
    def test_closed_ncrs_are_indexed_in_the_background_and_open_ones_are_not(self, library):
        from django.utils import timezone

        from copilot.index_schema import SearchFilter
        from copilot.questions import knowledge_answer
        from instructions.models import Operation
        from quality.models import NCR

        operation = Operation.objects.get(part__number="BRK-2040", sequence=20)
        common = {"part": operation.part, "operation": operation, "opened_at": timezone.now()}
        NCR.objects.create(
            number="NCR-T1", status="closed", description="Weld nut cross-threaded by the customer's nutrunner.",
            corrective_action="Thread gauge moved to every part; spare gauge set GG-10 at PW-2.", **common,
        )  # fmt: skip
        NCR.objects.create(
            number="NCR-T2", status="open", description="Weld nut cross-threaded again.", **common
        )
        from copilot.tasks import knowledge_index_task

        assert "1 NCRs indexed" in knowledge_index_task.call()  # the worker's job, never the question's
        answer = knowledge_answer(
            question="weld nut cross-threaded spare gauge set", search_filter=SearchFilter()
        )
        assert answer.citations[0].title == "NCR-T1 closed NCR — BRK-2040"
        assert "GG-10" in answer.text
        assert not KnowledgeDocument.objects.filter(title__startswith="NCR-T2").exists()

    def test_imported_ncrs_for_parts_not_synced_yet_are_indexed_by_their_text_labels(self, library):
        from django.utils import timezone

        from copilot.tasks import knowledge_index_task
        from quality.models import NCR

        NCR.objects.create(
            number="NCR-U1", status="closed", part_number="PUMP-77", operation_number="20",
            description="Leak on flange.", corrective_action="New gasket GK-4 at every flange.",
            opened_at=timezone.now(),
        )  # fmt: skip
        assert "1 NCRs indexed" in knowledge_index_task.call()
        document = KnowledgeDocument.objects.get(title="NCR-U1 closed NCR — PUMP-77")
        assert (document.part_number, document.work_center_code) == ("PUMP-77", "")
        assert document.chunks.first().location == "op 20"


class TestIndexingOffTheQuestionPath:
    def test_an_import_queues_background_indexing_and_questions_never_index(
        self, library, monkeypatch, django_capture_on_commit_callbacks
    ):
        from django.tasks import TaskResultStatus
        from django_tasks_db.models import DBTaskResult

        from copilot import plant_index, questions
        from copilot.index_schema import SearchFilter
        from copilot.tasks import knowledge_index_task
        from quality.ncr_import import ncr_history_import

        csv_text = (
            "id,date,part,operation,description,category,root_cause_code,corrective_action\n"
            "NCR-BG1,2026-01-05,BRK-2040,20,Weld nut cross-threaded,weld,THREAD,Gauge GG-10 on every part\n"
            "NCR-BG2,2026-01-06,BRK-2040,20,Weld nut spun,weld,THREAD,Gauge GG-11 on every part\n"
        )
        for _ in range(2):  # a second import while the first run still waits queues nothing more
            with django_capture_on_commit_callbacks(execute=True):
                report = ncr_history_import(lines=csv_text.splitlines(True), actor=None, create_codes=True)
        assert report.errors == []
        queued = DBTaskResult.objects.filter(task_path=knowledge_index_task.module_path)
        assert queued.filter(status=TaskResultStatus.READY).count() == 1

        def no_indexing(**kwargs):
            raise AssertionError("a question must not index")

        monkeypatch.setattr(plant_index, "ncrs_index", no_indexing)
        monkeypatch.setattr(plant_index, "instruction_versions_index", no_indexing)
        before = questions.knowledge_answer(
            question="weld nut cross-threaded gauge", search_filter=SearchFilter()
        )
        assert all(not c.title.startswith("NCR-BG") for c in before.citations)  # the current index, meanwhile
        monkeypatch.undo()
        assert "2 NCRs indexed" in knowledge_index_task.call()
        after = questions.knowledge_answer(
            question="weld nut cross-threaded gauge GG-10", search_filter=SearchFilter()
        )
        assert any(c.title.startswith("NCR-BG1") for c in after.citations)

import io

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from plexcopilot.models import AuditEvent
from quality.models import NCR, NCRSource, NCRStatus
from quality.ncr_import import ncr_history_import
from tests.quality.conftest import HISTORY, desk_client

pytestmark = pytest.mark.django_db

HEADER = "id,date,part,operation,step,quantity,description,category,root_cause_code,containment,corrective_action,disposition\n"
GOOD = "NCR-T1,2026-03-02,BRK-2040,10,9,12,Anchor hole oversize 10.62 mm,dimensional,TOOL-WEAR,Sorted the tote,Regrind interval cut,scrap\n"
BAD_ROWS = [
    ("NCR-T2,2026-13-40,BRK-2040,10,,1,x,dimensional,TOOL-WEAR,,,\n", "date"),
    ("NCR-T3,2026-03-02,BRK-2040,10,,1,x\x00y,dimensional,TOOL-WEAR,,,\n", "NUL"),
    ("NCR-T4,2026-03-02,BRK-2040,10,,1," + "x" * 4001 + ",dimensional,TOOL-WEAR,,,\n", "too long"),
    ("NCR-T5,2026-03-02,BRK-2040,10,,1,x,wobbly,TOOL-WEAR,,,\n", "unknown category “wobbly”"),
    ("NCR-T6,2026-03-02,BRK-2040,10,,1,x,dimensional,tool wear!,,,\n", "root cause code"),
    ("NCR-T7,2026-03-02,BRK-2040,10,,1,,dimensional,TOOL-WEAR,,,\n", "description is empty"),
    ("NCR-T8,2026-03-02,BRK-2040,10,99,1,x,dimensional,TOOL-WEAR,,,\n", "no step 99"),
    ("NCR-T9,2026-03-02,BRK-2040,10,,-4,x,dimensional,TOOL-WEAR,,,\n", "quantity"),
    ("NCR-T1,2026-03-02,BRK-2040,10,,1,again,dimensional,TOOL-WEAR,,,\n", "twice"),
    ("NCR-T10,2026-03-02,BRK-2040,10,,1,x,dimensional,TOOL-WEAR,,,,extra\n", "more fields"),
]


def csv_text(*rows: str) -> io.StringIO:
    return io.StringIO(HEADER + "".join(rows), newline="")


class TestNcrImport:
    def test_it_imports_good_rows_and_reports_bad_ones_by_line_with_the_reason(self, demo_plant):
        report = ncr_history_import(lines=csv_text(GOOD, *[row for row, _ in BAD_ROWS]), actor=None)
        assert report.imported == 1
        assert [line for line, _ in report.errors] == list(range(3, 3 + len(BAD_ROWS)))
        for (line, reason), (_row, expected) in zip(report.errors, BAD_ROWS, strict=True):
            assert expected in reason, (line, reason)
        ncr = NCR.objects.get(number="NCR-T1")
        assert (ncr.source, ncr.status, ncr.category, ncr.root_cause_code, ncr.quantity) == (
            NCRSource.IMPORT,
            NCRStatus.CLOSED,
            "dimensional",
            "TOOL-WEAR",
            12,
        )
        assert (
            ncr.step_key
            and ncr.operation.instructions.get().current_version.steps.get(key=ncr.step_key).order == 9
        )
        assert AuditEvent.objects.filter(action="ncr.import").count() == 1

    def test_it_does_not_duplicate_on_re_import(self, demo_plant):
        ncr_history_import(lines=csv_text(GOOD), actor=None)
        again = ncr_history_import(lines=csv_text(GOOD), actor=None)
        assert (again.imported, again.already_there, again.errors) == (0, 1, [])
        assert NCR.objects.filter(number="NCR-T1").count() == 1

    def test_it_refuses_a_file_without_the_required_columns_as_a_whole_not_as_a_bad_row(self, demo_plant):
        report = ncr_history_import(lines=io.StringIO("id,date,part\nA,2026-01-01,BRK-2040\n"), actor=None)
        assert report.imported == 0 and report.refused == 0 and report.errors == []
        assert "operation" in report.file_error and "root_cause_code" in report.file_error
        assert ncr_history_import(lines=io.StringIO(""), actor=None).file_error == "the file is empty"

    def test_a_check_of_a_file_without_its_columns_says_nothing_can_be_imported(self, demo_plant, tmp_path):
        """It said '1 row would be refused' and listed line 1, as if the rest of the file were fine."""
        client = desk_client("300301")
        upload = SimpleUploadedFile("h.csv", b"number;date;part\nNCR-1;2026-03-02;BRK-2040\n", "text/csv")
        response = client.post("/quality/import/", {"file": upload, "dry_run": "on"})
        page = response.content.decode()
        assert response.status_code == 422 and 'data-testid="import-file-error"' in page
        assert "Nothing was imported: its first line does not name the column(s) id, date, part," in page
        assert "would be refused" not in page
        path = tmp_path / "h.csv"
        path.write_text("number;date;part\n", encoding="utf-8")
        with pytest.raises(
            CommandError, match="nothing was imported: its first line does not name the column"
        ):
            call_command("import_ncrs", str(path), "--dry-run")

    def test_it_imports_the_shipped_demo_history_with_the_command_twice(self, demo_plant, capsys):
        call_command("import_ncrs", str(HISTORY), "--create-codes")
        first = capsys.readouterr()
        call_command("import_ncrs", str(HISTORY))
        second = capsys.readouterr()
        count = NCR.objects.filter(source=NCRSource.IMPORT).count()
        assert count >= 300 and f"imported: {count}" in first.out and "refused: 0" in first.out
        assert f"already_there: {count}" in second.out and "imported: 0" in second.out
        readme = (settings.BASE_DIR / "README.md").read_text(encoding="utf-8")
        assert f"{count} historical NCRs" in " ".join(readme.split())  # what `make demo` is said to load

    def test_the_demo_history_brings_no_second_category_for_one_meaning(self, demo_plant, capsys):
        """`make demo`: the history's `cosmetic` and `fastening` are the demo plant's retired categories, so the
        import creates none, the station and NCR lists offer one category per meaning, the history keeps its
        codes (the triage figures of docs/quality.md are computed on them) and triage never proposes them."""
        from quality import taxonomy
        from quality.models import SEED_CATEGORIES
        from quality.triage import Candidate, Triage
        from quality.triage_drafts import _proposable

        call_command("import_ncrs", str(HISTORY), "--create-codes")
        out = capsys.readouterr().out
        assert "refused: 0" in out and "created categories" not in out
        assert {code for code, _label in taxonomy.category_choices()} == set(SEED_CATEGORIES)
        used = set(NCR.objects.values_list("category", flat=True))
        assert used - set(SEED_CATEGORIES) == {"cosmetic", "fastening"}
        assert NCR.objects.filter(category="cosmetic").first().get_category_display() == (
            "Cosmetic (retired: now Surface)"
        )
        drafted = _proposable(Triage([Candidate("cosmetic", 0.5), Candidate("surface", 0.4)], [], [], []))
        assert [c.code for c in drafted.categories] == ["surface"]

    def test_it_shows_bad_rows_on_the_upload_page_and_refuses_non_utf8(self, demo_plant):
        client = desk_client("300301")
        upload = SimpleUploadedFile("h.csv", (HEADER + GOOD + BAD_ROWS[3][0]).encode(), "text/csv")
        response = client.post("/quality/import/", {"file": upload})
        page = response.content.decode()
        assert response.status_code == 422
        assert "Imported 1 NCR;" in page and "unknown category" in page and "<td>3</td>" in page
        latin = SimpleUploadedFile("h.csv", (HEADER + GOOD).replace("oversize", "übergroß").encode("latin-1"))
        response = client.post("/quality/import/", {"file": latin})
        assert response.status_code == 422 and "not UTF-8" in response.content.decode()

    def test_it_lets_only_quality_engineers_import(self, demo_plant):
        operator_desk = desk_client("200201")  # a supervisor: not a quality role
        assert operator_desk.get("/quality/import/").status_code == 403


UNSYNCED = [
    "NCR-U1,2026-03-02,PUMP-77,20,,3,Leak on flange,leak,SEAL-WORN,,,\n",
    "NCR-U2,2026-03-03,BRK-2040,30,,1,Hole oversize,dimensional,TOOL-WEAR,,,\n",
    "NCR-U3,2026-03-04,pump-77,020,,1,not starting,electrical,MOTOR-FAULT,,,\n",
]


class TestRealHistoryImport:
    def test_it_keeps_rows_for_parts_and_operations_not_synced_yet_and_links_them_when_they_arrive(
        self, demo_plant, django_capture_on_commit_callbacks
    ):
        from instructions.models import Operation, Part, WorkCenter

        report = ncr_history_import(lines=csv_text(*UNSYNCED), actor=None, create_codes=True)
        assert (report.imported, report.unlinked, report.errors) == (3, 3, [])
        kept = NCR.objects.get(number="NCR-U1")
        assert (kept.part, kept.operation, kept.part_number, kept.operation_number) == (
            None,
            None,
            "PUMP-77",
            "20",
        )
        assert NCR.objects.get(number="NCR-U2").part.number == "BRK-2040"  # known part, unknown operation
        with django_capture_on_commit_callbacks(execute=True):  # what a Plex sync does
            part = Part.objects.create(number="PUMP-77", revision="A", name="Pump")
            operation = Operation.objects.create(
                part=part, sequence=20, name="Assemble", work_center=WorkCenter.objects.first()
            )
        linked = NCR.objects.filter(number__in=["NCR-U1", "NCR-U3"])
        assert {(n.part_id, n.operation_id) for n in linked} == {(part.pk, operation.pk)}

    def test_it_reports_unknown_codes_without_create_codes_and_creates_them_with_it(self, demo_plant):
        from quality.models import DefectCategory, RootCauseCode, TaxonomySource

        report = ncr_history_import(lines=csv_text(*UNSYNCED), actor=None)
        assert report.imported == 1  # NCR-U2 uses known codes
        # a row with an unknown category and an unknown code names both (adding one and importing again would
        # refuse the row again)
        assert report.unknown_categories == {"electrical": 1} and report.unknown_root_causes == {
            "SEAL-WORN": 1,
            "MOTOR-FAULT": 1,
        }
        assert any(
            "unknown category “electrical” and unknown root cause code “MOTOR-FAULT”" in e
            for _, e in report.errors
        )
        again = ncr_history_import(lines=csv_text(*UNSYNCED), actor=None, create_codes=True)
        assert (again.imported, again.already_there) == (2, 1)
        assert again.created_categories == ["electrical"]
        assert set(again.created_root_causes) == {"SEAL-WORN", "MOTOR-FAULT"}
        assert DefectCategory.objects.get(code="electrical").source == TaxonomySource.IMPORT
        assert RootCauseCode.objects.filter(code="MOTOR-FAULT", active=True).exists()

    def test_a_dry_run_reports_what_would_happen_and_writes_nothing(self, demo_plant, capsys, tmp_path):
        from quality.models import DefectCategory

        path = tmp_path / "h.csv"
        path.write_text(HEADER + "".join(UNSYNCED) + GOOD, encoding="utf-8")
        call_command("import_ncrs", str(path), "--dry-run", "--create-codes")
        out = capsys.readouterr().out
        assert "would be imported: 4" in out and "dry run: nothing was written" in out
        assert "not synced yet (rows): PUMP-77 (2), BRK-2040 op 30 (1)" in out
        assert not NCR.objects.exists() and not DefectCategory.objects.filter(code="electrical").exists()

    def test_it_streams_in_batches_with_progress_and_keeps_going_past_bad_rows(self, demo_plant):
        rows = [
            f"NCR-S{i},2026-03-02,BRK-2040,10,,1,Hole oversize {i},dimensional,TOOL-WEAR,,,\n"
            for i in range(25)
        ]
        rows[7] = "NCR-S7,2026-03-02,BRK-2040,10,,1,bad\x00,dimensional,TOOL-WEAR,,,\n"
        seen = []
        report = ncr_history_import(
            lines=csv_text(*rows), actor=None, batch_rows=10, progress=lambda n, chars: seen.append(n)
        )
        assert (report.imported, report.refused, report.rows) == (24, 1, 25)
        assert report.errors == [(9, "contains a NUL byte (a damaged or binary file?)")]
        assert seen == sorted(seen) and len(seen) >= 3 and seen[-1] == 25

    def test_a_retired_category_is_not_offered_but_its_history_keeps_its_label(self, demo_plant):
        from quality.forms import DefectForm
        from quality.models import DefectCategory

        ncr_history_import(lines=csv_text(GOOD), actor=None)
        DefectCategory.objects.filter(code="dimensional").update(active=False)
        from quality import taxonomy

        taxonomy.forget()
        assert "dimensional" not in dict(DefectForm().fields["category"].choices)
        assert NCR.objects.get(number="NCR-T1").get_category_display() == "Dimensional"
        again = ncr_history_import(lines=csv_text(GOOD.replace("NCR-T1", "NCR-T2")), actor=None)
        assert again.imported == 1  # history may use retired categories


def test_the_upload_page_checks_only_or_creates_codes_and_says_what_it_did(demo_plant):
    """The page offered neither the command's --dry-run nor --create-codes, and its report said nothing of
    unknown codes or unsynced parts: a quality engineer could only find out by importing."""
    from quality.models import DefectCategory

    client = desk_client("300301")
    page = client.get("/quality/import/").content.decode()
    assert 'name="dry_run"' in page and 'name="create_codes"' in page

    def upload():
        return SimpleUploadedFile("h.csv", (HEADER + "".join(UNSYNCED)).encode(), "text/csv")

    page = client.post("/quality/import/", {"file": upload()}).content.decode()
    assert "Imported 1 NCR; 0 were already there; 2 rows refused." in page
    assert (
        "categories: electrical (1 row)" in page
        and "SEAL-WORN (1 row)" in page
        and "MOTOR-FAULT (1 row)" in page
    )
    assert "1 NCR names a part or operation not synced from Plex yet: it is kept" in page
    assert '<span data-testid="import-unsynced">BRK-2040 op 30 (1 row)</span>' in page  # which one, by name
    page = client.post("/quality/import/", {"file": upload(), "dry_run": "on", "create_codes": "on"}).content
    page = page.decode()
    assert (
        "Check only — nothing was written. Would import 2 NCRs; 1 is already there; 0 rows would be refused."
        in page
    )
    assert "Would create categories: electrical; root-cause codes: MOTOR-FAULT, SEAL-WORN." in page
    assert NCR.objects.count() == 1 and not DefectCategory.objects.filter(code="electrical").exists()
    response = client.post("/quality/import/", {"file": upload(), "create_codes": "on"})
    assert response.status_code == 200
    assert (
        "Created categories: electrical; root-cause codes: MOTOR-FAULT, SEAL-WORN."
        in response.content.decode()
    )
    assert NCR.objects.count() == 3 and DefectCategory.objects.filter(code="electrical").exists()


def test_the_report_names_the_unsynced_parts_most_rows_first_and_counts_the_rest(demo_plant):
    """A 10-year export can name hundreds of parts Plex has not synced here: the report names the first 20 by
    rows (a check does the same) and says how many more, so the engineer knows which parts to sync."""
    rows = [
        f"NCR-S{i},2026-03-02,OLD-{i % 25:02d},10,,1,Leak on flange,dimensional,TOOL-WEAR,,,\n"
        for i in range(60)
    ]
    rows += [f"NCR-X{i},2026-03-02,OLD-07,10,,1,Leak on flange,dimensional,TOOL-WEAR,,,\n" for i in range(3)]
    report = ncr_history_import(lines=csv_text("".join(rows)), actor=None, dry_run=True)
    assert report.unlinked == 63 and report.unsynced_rows[0] == ("OLD-07", 6)
    assert len(report.unsynced_rows) == 20 and report.unsynced_more == 5


def test_an_ncr_of_a_known_part_without_an_operation_is_not_listed_as_waiting_for_a_sync(demo_plant):
    """A receiving-inspection NCR names a part and no operation: it was counted 'kept unlinked' and listed as
    'BRK-2040, no operation' among the parts to sync, though no sync would ever link it more."""
    rows = (
        "NCR-R1,2026-03-02,BRK-2040,,,1,Burr on incoming blank,dimensional,TOOL-WEAR,,,\n"
        "NCR-R2,2026-03-02,BRK-2040,90,,1,Burr on edge,dimensional,TOOL-WEAR,,,\n"
    )
    report = ncr_history_import(lines=csv_text(rows), actor=None)
    assert (report.imported, report.unlinked, report.errors) == (2, 1, [])
    assert report.unsynced_rows == [("BRK-2040 op 90", 1)]
    kept = NCR.objects.get(number="NCR-R1")
    assert kept.part.number == "BRK-2040" and kept.operation is None and kept.operation_number == ""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from plexcopilot.models import AuditEvent
from quality.models import NCR, NCRSource, NCRStatus
from quality.services import ncr_history_import
from tests.quality.conftest import HISTORY, desk_client

pytestmark = pytest.mark.django_db

HEADER = "id,date,part,operation,step,quantity,description,category,root_cause_code,containment,corrective_action,disposition\n"
GOOD = "NCR-T1,2026-03-02,BRK-2040,10,9,12,Anchor hole oversize 10.62 mm,dimensional,TOOL-WEAR,Sorted the tote,Regrind interval cut,scrap\n"
BAD_ROWS = [
    ("NCR-T2,2026-13-40,BRK-2040,10,,1,x,dimensional,TOOL-WEAR,,,\n", "date"),
    ("NCR-T3,2026-03-02,NOPE-1,10,,1,x,dimensional,TOOL-WEAR,,,\n", "unknown part"),
    ("NCR-T4,2026-03-02,BRK-2040,30,,1,x,dimensional,TOOL-WEAR,,,\n", "no operation"),
    ("NCR-T5,2026-03-02,BRK-2040,10,,1,x,wobbly,TOOL-WEAR,,,\n", "unknown category"),
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

    def test_it_refuses_a_file_without_the_required_columns(self, demo_plant):
        report = ncr_history_import(lines=io.StringIO("id,date,part\nA,2026-01-01,BRK-2040\n"), actor=None)
        assert report.imported == 0 and report.errors[0][0] == 1
        assert "operation" in report.errors[0][1] and "root_cause_code" in report.errors[0][1]

    def test_it_imports_the_shipped_demo_history_with_the_command_twice(self, demo_plant, capsys):
        call_command("import_ncrs", str(HISTORY))
        first = capsys.readouterr()
        call_command("import_ncrs", str(HISTORY))
        second = capsys.readouterr()
        count = NCR.objects.filter(source=NCRSource.IMPORT).count()
        assert count >= 300 and f"imported: {count}" in first.out and "refused: 0" in first.out
        assert f"already_there: {count}" in second.out and "imported: 0" in second.out

    def test_it_shows_bad_rows_on_the_upload_page_and_refuses_non_utf8(self, demo_plant):
        client = desk_client("300301")
        upload = SimpleUploadedFile("h.csv", (HEADER + GOOD + BAD_ROWS[1][0]).encode(), "text/csv")
        response = client.post("/quality/import/", {"file": upload})
        page = response.content.decode()
        assert response.status_code == 422
        assert "Imported 1 NCRs" in page and "unknown part" in page and "<td>3</td>" in page
        latin = SimpleUploadedFile("h.csv", (HEADER + GOOD).replace("oversize", "übergroß").encode("latin-1"))
        response = client.post("/quality/import/", {"file": latin})
        assert response.status_code == 422 and "not UTF-8" in response.content.decode()

    def test_it_lets_only_quality_engineers_import(self, demo_plant):
        operator_desk = desk_client("200201")  # a supervisor: not a quality role
        assert operator_desk.get("/quality/import/").status_code == 403

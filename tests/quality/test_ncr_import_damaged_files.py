"""NUL bytes and oversize fields in an NCR import are bad rows with a reason, never a traceback or a 500."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from quality.models import NCR
from quality.ncr_import import ncr_history_import
from tests.quality.conftest import desk_client
from tests.quality.test_ncr_import import GOOD, HEADER

pytestmark = pytest.mark.django_db

NUL_ROW = "NCR-N1,2026-03-02,BRK-2040,10,,1,Burr on \x00edge,dimensional,TOOL-WEAR,,,\n"
HUGE_ROW = "NCR-N2,2026-03-02,BRK-2040,10,,1," + "x" * 1_000_000 + ",dimensional,TOOL-WEAR,,,\n"
LONG_ROW = "NCR-N3,2026-03-02,BRK-2040,10,,1," + "y" * 20_000 + ",dimensional,TOOL-WEAR,,,\n"
AFTER = "NCR-N4,2026-03-03,BRK-2040,10,,1,Scratch on flange,surface,TOOL-WEAR,,,\n"


def test_it_reports_nul_bytes_and_oversize_fields_as_bad_rows_and_imports_the_rest(demo_plant):
    text = io.StringIO(HEADER + GOOD + NUL_ROW + HUGE_ROW + LONG_ROW + AFTER, newline="")
    report = ncr_history_import(lines=text, actor=None)
    reasons = [reason for _line, reason in report.errors]
    assert len(reasons) == 3
    assert "NUL byte" in reasons[0] and "field limit" in reasons[1] and "too long" in reasons[2]
    assert report.imported == 2 and set(NCR.objects.values_list("number", flat=True)) >= {"NCR-T1", "NCR-N4"}


def test_the_command_reports_them_without_a_traceback(demo_plant, tmp_path, capsys):
    path = tmp_path / "damaged.csv"
    path.write_text(HEADER + NUL_ROW + HUGE_ROW + AFTER, encoding="utf-8")
    try:
        call_command("import_ncrs", str(path))
    except SystemExit:
        pass
    except Exception as error:  # CommandError for a file with bad rows is fine; a crash is not
        assert type(error).__name__ == "CommandError", error
    assert NCR.objects.filter(number="NCR-N4").exists()


def test_the_web_import_shows_them_as_bad_rows(demo_plant):
    client = desk_client("300301")
    upload = SimpleUploadedFile("ncrs.csv", (HEADER + NUL_ROW + AFTER).encode(), content_type="text/csv")
    response = client.post("/quality/import/", {"file": upload})
    assert response.status_code == 422 and "NUL byte" in response.content.decode()

"""`manage.py triage_eval --csv` on the files plants really export: Excel's semicolons and Windows-1252, tab
separated with a byte-order mark, labels too rare for the folds asked for, and files it cannot learn from."""

import csv
import io
import json

import pytest
from django.core.management import CommandError, call_command

from tests.quality.datasets import maintenance_log

pytestmark = pytest.mark.django_db


def export(path, rows: list[dict[str, str]], delimiter: str, encoding: str, bom: str = "") -> None:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), delimiter=delimiter)
    writer.writeheader()
    writer.writerows(rows)
    path.write_bytes((bom + buffer.getvalue()).encode(encoding))


def evaluate(path, *extra: str) -> tuple[dict, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command(
        "triage_eval", "--csv", str(path), "--text", "text", "--category", "class", "--no-embeddings", "--json",
        *extra, stdout=out, stderr=err,
    )  # fmt: skip
    return json.loads(out.getvalue()), err.getvalue()


def accented(rows: list[dict[str, str]]) -> list[dict[str, str]]:
    """The same log as a German plant writes it: umlauts and the degree sign, which cp1252 encodes in one byte."""
    return [{**row, "text": f"{row['text']} – Prüfung bei 80 °C"} for row in rows]


class TestPlantExports:
    def test_excel_semicolons_in_windows_1252_are_read_and_said_so(self, tmp_path):
        rows = accented(maintenance_log(40, seed=7))
        path = tmp_path / "export.csv"
        export(path, rows, ";", "cp1252")
        result, err = evaluate(path)
        assert result["cases"] == 40
        assert "not UTF-8" in err and "Windows-1252" in err
        # the same file as UTF-8 with commas gives the very same figures: nothing was lost in reading
        export(tmp_path / "utf8.csv", rows, ",", "utf-8")
        assert evaluate(tmp_path / "utf8.csv")[0] == result

    def test_tab_separated_with_a_byte_order_mark(self, tmp_path):
        path = tmp_path / "export.tsv"
        export(path, maintenance_log(30, seed=8), "\t", "utf-8", bom="\ufeff")
        result, _err = evaluate(path)
        assert result["cases"] == 30 and 0 <= result["triage"]["category"]["top1"] <= 1

    def test_labels_rarer_than_the_folds_get_fewer_folds_and_a_notice(self, tmp_path):
        rows = [{"text": f"pump {i % 10} seal worn batch {i}", "class": f"C{i % 10}"} for i in range(20)]
        path = tmp_path / "rare.csv"
        export(path, rows, ",", "utf-8")
        out, err = io.StringIO(), io.StringIO()
        call_command(
            "triage_eval", "--csv", str(path), "--text", "text", "--category", "class", "--no-embeddings",
            "--folds", "5", stdout=out, stderr=err,
        )  # fmt: skip
        assert "2 folds, not 5" in err.getvalue() and "cases: 20" in out.getvalue()

    @pytest.mark.parametrize(
        ("rows", "message"),
        [
            ([{"text": f"thing {i}", "class": f"L{i}"} for i in range(12)], "occurs only once"),
            ([{"text": "!!" if i % 2 else "--", "class": "AB"[i % 2]} for i in range(12)], "no words"),
        ],
    )
    def test_a_file_with_nothing_to_learn_is_refused_with_the_reason(self, tmp_path, rows, message):
        path = tmp_path / "bad.csv"
        export(path, rows, ",", "utf-8")
        with pytest.raises(CommandError, match=message):
            evaluate(path)

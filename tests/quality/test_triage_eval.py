import pytest
from django.core.management import CommandError, call_command

pytestmark = pytest.mark.django_db


def figures(output: str) -> dict[str, float]:
    return {name: float(value) for name, value in (line.split(": ") for line in output.strip().splitlines())}


class TestTriageEval:
    def test_it_prints_triage_and_both_baselines_from_one_leave_one_out_run(self, history, capsys):
        call_command("triage_eval")
        got = figures(capsys.readouterr().out)
        assert got["cases"] >= 300
        for name in (
            "triage_category_top1", "triage_category_top3", "triage_root_cause_top3",
            "tfidf_nn_category_top1", "tfidf_nn_category_top3", "tfidf_nn_root_cause_top3",
            "majority_category_top1", "majority_category_top3", "majority_root_cause_top3",
        ):  # fmt: skip
            assert 0 <= got[name] <= 1, name
        assert got["triage_category_top1"] > got["majority_category_top1"] + 0.3
        assert got["triage_root_cause_top3"] > got["majority_root_cause_top3"] + 0.3
        assert got["triage_category_top1"] <= got["triage_category_top3"]
        assert got["decisions_category"] == 0 and "decisions_category_top1" not in got

    def test_it_reports_how_engineers_decisions_agree_with_the_drafts(self, history, capsys):
        from quality.models import NCR
        from quality.services import ncr_decide
        from tests.quality.conftest import run_worker
        from tests.quality.test_ncr_triage import report_defect

        ncr = NCR.objects.get(
            defect=report_defect("WO-24119-10", 9, "Sensor bore oversize 18.026 mm; insert worn")
        )
        run_worker()
        ncr.refresh_from_db()
        engineer = ncr.reported_by.user
        ncr_decide(ncr=ncr, field="category", verdict="accepted", value="", user=engineer)
        ncr_decide(ncr=ncr, field="root_cause", verdict="edited", value="HANDLING", user=engineer)
        call_command("triage_eval")
        got = figures(capsys.readouterr().out)
        assert (got["decisions_category"], got["decisions_category_top1"]) == (1, 1.0)
        assert (got["decisions_root_cause"], got["decisions_root_cause_top3"]) == (1, 0.0)

    def test_it_refuses_to_evaluate_without_history(self, demo_plant):
        with pytest.raises(CommandError, match="import_ncrs"):
            call_command("triage_eval")

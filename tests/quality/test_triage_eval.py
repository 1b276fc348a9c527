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
        assert got["triage_category_top1"] > got["tfidf_nn_category_top1"]
        assert got["triage_root_cause_top1"] > got["tfidf_nn_root_cause_top1"]

    def test_it_refuses_to_evaluate_without_history(self, demo_plant):
        with pytest.raises(CommandError, match="import_ncrs"):
            call_command("triage_eval")

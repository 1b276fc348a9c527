"""The triage ranker on plain cases: first choice by support, alternatives by the closest NCR, cause-weighted words."""

from quality.triage import Bm25Index, Case, disagreement, triage


def case(i: int, text: str, category: str, cause: str, step: str = "P/10/a") -> Case:
    return Case(id=i, text=text, operation="P/10", step=step, category=category, root_cause=cause)


HISTORY = [
    case(1, "spatter on plate second shift", "weld", "CONSUMABLE"),
    case(2, "spatter on plate customer audit", "weld", "CONSUMABLE"),
    case(3, "spatter on plate night shift", "surface", "CONSUMABLE"),  # another engineer's judgement
    case(4, "spatter on plate locator covered second shift", "weld", "FIXTURE-CHIPS"),
    case(5, "spatter on plate locator covered customer audit", "weld", "FIXTURE-CHIPS"),
    case(6, "bore oversize insert worn second shift", "dimensional", "TOOL-WEAR", step="P/20/b"),
    case(7, "bore oversize insert worn night shift", "dimensional", "TOOL-WEAR", step="P/20/b"),
    case(8, "bore oversize customer audit", "dimensional", "GAGE-CAL", step="P/20/b"),
]


class TestTriageRanker:
    def test_it_ranks_the_best_supported_cause_first_and_cites_its_ncrs(self):
        query = Case(id=99, text="spatter on plate, locator covered", operation="P/10", step="P/10/a")
        result = triage(HISTORY, query)
        assert result.root_causes[0].code == "FIXTURE-CHIPS"
        assert set(result.root_causes[0].evidence) == {4, 5}
        assert [c.code for c in result.categories][:2] == ["weld", "surface"]
        assert abs(sum(c.confidence for c in result.root_causes) - 1) < 0.01

    def test_it_learns_which_categories_engineers_file_a_failure_mode_under(self):
        filed = disagreement(HISTORY)
        assert filed["weld"] == {"surface": 1 / 3}
        assert (
            filed["dimensional"] == {}
        )  # the TOOL-WEAR pair agrees; GAGE-CAL has no other NCR to compare with
        assert disagreement([]) == {}

    def test_it_weights_down_words_every_cause_shares(self):
        plain = Bm25Index(HISTORY)
        weighted = Bm25Index(HISTORY, weight_by="root_cause")
        shift = weighted.idf["shift"] / plain.idf["shift"]
        locator = weighted.idf["locat"] / plain.idf["locat"]
        assert 0 <= shift < locator <= 1

    def test_it_returns_nothing_without_similar_history(self):
        result = triage(HISTORY, Case(id=99, text="zzz qqq", operation="X/1"))
        assert result.categories == [] and result.root_causes == [] and result.containment == []

import pytest

from copilot.index_schema import SearchFilter
from copilot.models import KnowledgeChunk
from copilot.plant_index import instruction_versions_index
from copilot.questions import knowledge_search
from instructions.models import WorkInstruction
from instructions.publishing import version_publish

pytestmark = pytest.mark.django_db


def titles(passages) -> list[str]:
    return [p.title for p in passages]


class TestHybridSearch:
    def test_it_finds_the_jam_procedure_for_an_operators_words(self, library):
        passages = knowledge_search(
            question="how do I clear a jam on station 5?", search_filter=SearchFilter()
        )
        assert titles(passages)[0].startswith("SOP-PRS-014")

    def test_it_finds_a_fault_code_and_a_paraphrase(self, library):
        by_code = knowledge_search(question="TN-40", search_filter=SearchFilter())
        assert titles(by_code)[0].startswith("Troubleshooting guide — 400 t")
        paraphrase = knowledge_search(
            question="welding tips got fat and flattened, what now", search_filter=SearchFilter()
        )
        assert any("tip dressing" in t for t in titles(paraphrase)[:3])

    def test_it_filters_by_document_type_part_and_work_center(self, library):
        only_logs = knowledge_search(
            question="electrode", search_filter=SearchFilter(doc_types=("maintenance",))
        )
        assert only_logs and {p.doc_type for p in only_logs} == {"maintenance"}
        at_leak_test = knowledge_search(
            question="calibration", search_filter=SearchFilter(work_centers=("INS-LT1",), parts=("HSG-3315",))
        )
        assert at_leak_test
        assert all("PRS-400" not in p.title and "PW-2" not in p.title for p in at_leak_test)

    def test_it_hides_restricted_documents_from_roles_and_areas_not_allowed(self, library):
        question = "safety relay K-SR1 reset key switch"
        operator = knowledge_search(
            question=question, search_filter=SearchFilter(role="operator", area="Stamping")
        )
        supervisor = knowledge_search(
            question=question, search_filter=SearchFilter(role="supervisor", area="Stamping")
        )
        assert not any("safety circuit" in t for t in titles(operator))
        assert "safety circuit" in titles(supervisor)[0]
        welding = knowledge_search(
            question="clear a jam station 5", search_filter=SearchFilter(role="operator", area="Welding")
        )
        assert not any("PRS-014" in t for t in titles(welding))

    def test_it_pins_instruction_content_to_the_given_version(self, library):
        instruction = WorkInstruction.objects.get(title__startswith="Stamp and pierce")
        v1 = instruction.current_version
        steps = [s.content() for s in v1.steps.order_by("order")]
        steps[3]["text"] = "Torque the eight M16 die clamp bolts in a cross pattern to 190 N·m (175–205 N·m)."
        for s in steps:
            s.pop("order")
        v2 = version_publish(
            instruction=instruction, steps=steps, change_note="New clamps", published_by=None, base_version=v1
        )
        assert instruction_versions_index() == 1
        question = "die clamp bolts torque"
        on_v1 = knowledge_search(question=question, search_filter=SearchFilter(versions=(v1.pk,)))
        on_v2 = knowledge_search(question=question, search_filter=SearchFilter(versions=(v2.pk,)))
        assert "180 N·m" in on_v1[0].text and "(version 1)" in on_v1[0].title
        assert "190 N·m" in on_v2[0].text and "(version 2)" in on_v2[0].title
        assert not any("190 N·m" in p.text for p in on_v1)


class TestNarrowFilters:
    def test_exact_search_over_the_allowed_chunks_agrees_with_the_vector_store(self, library):
        from copilot import lexical, vectorstore
        from plexcopilot.embedding import embedder

        index = lexical.lexical_index()
        narrow = SearchFilter(doc_types=("maintenance",), work_centers=("WLD-PW2",))
        mask = index.mask(narrow)
        vector = embedder().embed(["electrode dressed after nut spin"])[0]
        exact = index.exact_dense(vector, mask, 3)
        by_chroma = vectorstore.collection().query(
            query_embeddings=vector.reshape(1, -1),
            n_results=3,
            where=vectorstore._chroma_where(narrow),
            include=[],
        )["ids"][0]
        assert exact == [int(i) for i in by_chroma]
        titles = set(KnowledgeChunk.objects.filter(pk__in=exact).values_list("document__title", flat=True))
        assert titles == {"Maintenance log — projection welder PW-2"}

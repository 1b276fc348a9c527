"""The station's defect sheet makes the operator choose a category (or say "not sure"): an untouched select no
longer files a burr as the first category in the list."""

import re

import pytest

from quality.models import DefectCategory, DefectReport
from tests.actors import at, start, station_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def spanish_run(plant):
    plant.certified.language = "es"
    plant.certified.save(update_fields=["language"])
    client = station_client(plant.station, plant.certified)
    return client, at(start(client, "WO-1-10"), 1)


def category_options(body: str) -> list[tuple[str, str, bool]]:
    select = re.search(r'<select name="category"[^>]*>(.*?)</select>', body, re.S)
    assert select is not None
    return [
        (value, label, bool(selected))
        for value, selected, label in re.findall(
            r'<option value="([^"]*)"( selected)?>([^<]*)</option>', select[1]
        )
    ]


class TestDefectCategoryChoice:
    def test_it_starts_on_a_blank_required_choice_and_ends_with_not_sure(self, spanish_run):
        client, url = spanish_run
        body = client.get(url).content.decode()
        options = category_options(body)
        assert options[0] == ("", "— elija lo que ve —", False)
        assert not any(selected for _value, _label, selected in options)
        assert options[-1] == ("other", "No estoy seguro / otro", False)
        assert re.search(r'<select name="category" required', body)

    def test_it_refuses_a_defect_without_a_category_in_spanish_and_keeps_what_was_typed(self, spanish_run):
        client, url = spanish_run
        response = client.post(
            url + "defect/", {"category": "", "quantity": "2", "description": "Rebaba grande en el borde"}
        )
        body = response.content.decode()
        assert response.status_code == 422
        assert not DefectReport.objects.exists()
        assert "Elija qué defecto ve en la lista, o «No estoy seguro / otro»." in body
        assert (
            "Rebaba grande en el borde</textarea>" in body
            and 'name="quantity" type="number" min="1" value="2"' in body
        )

    def test_not_sure_files_the_defect_as_other_for_quality_to_triage(self, spanish_run):
        client, url = spanish_run
        response = client.post(
            url + "defect/", {"category": "other", "quantity": "1", "description": "Rebaba grande"}
        )
        assert response.status_code == 200
        assert DefectReport.objects.get().category == "other"

    def test_without_an_other_category_there_is_no_not_sure_choice(self, spanish_run):
        from quality import taxonomy

        DefectCategory.objects.filter(code="other").update(active=False)
        taxonomy.forget()
        client, url = spanish_run
        options = category_options(client.get(url).content.decode())
        assert options[0][0] == "" and "other" not in [value for value, _label, _selected in options]

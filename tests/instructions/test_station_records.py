"""What the station says and records is what happened: the defect notice, flag and defect text limits."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from instructions.models import CertificationOverride, UnclearFlag
from quality.models import DefectReport
from tests.actors import at, start, station_client
from tests.quality.test_defect_report import _png

pytestmark = pytest.mark.django_db


@pytest.fixture
def step_url(plant):
    client = station_client(plant.station, plant.certified)
    return client, at(start(client, "WO-1-10"), 1)


def test_a_defect_without_a_photo_is_not_announced_with_its_photo(step_url):
    client, url = step_url
    page = client.post(url + "defect/", {"category": "surface", "quantity": "1", "description": "Scratch"})
    assert "Defect reported (no photo)" in page.content.decode()
    assert "with its photo" not in page.content.decode()


def test_a_defect_with_a_photo_says_so(step_url):
    client, url = step_url
    photo = SimpleUploadedFile("scratch.png", _png(), "image/png")
    data = {"category": "surface", "quantity": "1", "description": "Scratch", "photo": photo}
    assert "Defect reported with its photo" in client.post(url + "defect/", data).content.decode()


def test_an_over_long_flag_comment_is_refused_with_the_limit_not_cut(step_url):
    client, url = step_url
    response = client.post(url + "flag/", {"comment": "x" * 20_000})
    assert response.status_code == 422
    assert "20,000 characters long; 1,000 at most" in response.content.decode()
    assert not UnclearFlag.objects.exists()


def test_an_over_long_defect_description_gets_the_precise_message(step_url):
    client, url = step_url
    data = {"category": "surface", "quantity": "1", "description": "y" * 2_345}
    page = client.post(url + "defect/", data).content.decode()
    assert "2,345 characters long; 2,000 at most" in page
    assert "category, quantity and a description are needed" not in page
    assert not DefectReport.objects.exists()


def test_a_missing_defect_description_says_which_field(step_url):
    client, url = step_url
    page = client.post(url + "defect/", {"category": "surface", "quantity": "1", "description": ""})
    assert page.status_code == 422 and "Description is needed." in page.content.decode()


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"description": ""}, "Description is needed. The rest of what you entered was kept."),
        ({"description": "   \n "}, "Description is needed. The rest of what you entered was kept."),
        ({"quantity": "0"}, "Quantity must be at least 1. Your description was kept."),
        ({"quantity": "-4"}, "Quantity must be at least 1. Your description was kept."),
        ({"quantity": "two"}, "Quantity must be a whole number. Your description was kept."),
        ({"quantity": "100000"}, "Quantity must be between 1 and 100. Your description was kept."),
        ({"category": "nonsense"}, "Category: choose one from the list. Your description was kept."),
    ],
)
def test_every_defect_sheet_refusal_is_plain_and_says_what_was_kept(step_url, data, expected):
    client, url = step_url
    response = client.post(
        url + "defect/", {"category": "surface", "quantity": "1", "description": "Burr"} | data
    )
    page = response.content.decode()
    assert response.status_code == 422
    assert expected in page, page[page.find("alert-error") - 20 : page.find("alert-error") + 300]
    assert "This field is required" not in page and "Ensure this value" not in page
    assert not DefectReport.objects.exists()


def test_a_defect_sheet_refusal_with_a_photo_asks_for_it_again_in_the_operators_language(step_url, plant):
    client, url = step_url
    plant.certified.language = "es"
    plant.certified.save()
    photo = SimpleUploadedFile("scratch.png", _png(), "image/png")
    data = {"category": "surface", "quantity": "0", "description": "Rayón", "photo": photo}
    page = client.post(url + "defect/", data).content.decode()
    assert "Cantidad: al menos 1." in page
    assert "Se conservó su descripción; elija la foto de nuevo." in page
    assert "Rayón" in page  # the description is in the re-rendered sheet


def _field(page: str, name: str) -> str:
    """The opening tag of the form field `name` on the page."""
    start = page.index(f'name="{name}"')
    return page[page.rindex("<", 0, start) : page.index(">", start) + 1]


def test_an_over_long_flag_comment_comes_back_whole_in_a_field_the_browser_does_not_cut(step_url):
    client, url = step_url
    typed = "The torque on the sheet says 26 but the wrench is set to 24.\r\n" + "Which one? " * 100
    response = client.post(url + "flag/", {"comment": typed}, HTTP_HX_REQUEST="true")
    page = response.content.decode()
    assert response.status_code == 422
    assert "1,160 characters long; 1,000 at most" in page  # a line break counts once, as on the page
    assert typed.strip() in page  # the whole text as typed, not its first 1,000 characters
    field = _field(page, "comment")
    assert "maxlength" not in field and 'data-limit="1000"' in field
    assert not UnclearFlag.objects.exists()


def test_a_line_break_counts_once_against_the_flag_comment_limit(step_url):
    client, url = step_url
    typed = ("x" * 99 + "\r\n") * 10  # 1,000 characters as the page counts them, 1,010 as posted
    assert client.post(url + "flag/", {"comment": typed}).status_code == 200
    assert UnclearFlag.objects.get().comment == typed.replace("\r\n", "\n").strip()


def test_an_over_long_defect_description_is_kept_in_a_field_the_browser_does_not_cut(step_url):
    client, url = step_url
    typed = "Burr along the edge. " * 100
    data = {"category": "surface", "quantity": "1", "description": typed}
    page = client.post(url + "defect/", data).content.decode()
    assert "2,099 characters long; 2,000 at most" in page and typed.strip() in page
    field = _field(page, "description")
    assert "maxlength" not in field and 'data-limit="2000"' in field


def test_an_over_long_override_reason_is_refused_with_its_length_and_kept(plant):
    client = station_client(plant.station, plant.expired)
    url = at(start(client, "WO-1-10"), 3)
    reason = "Recert booked for Monday, I watch every cycle of this run myself. " * 9
    response = client.post(url + "override/", {"supervisor_badge": plant.supervisor.badge_id,
                                               "supervisor_pin": "2468", "reason": reason})  # fmt: skip
    page = response.content.decode()
    assert response.status_code == 422
    assert "593 characters long; 500 at most" in page
    assert "badge, PIN and a reason are all needed" not in page
    field = _field(page, "reason")
    assert f'value="{reason.strip()}' in field and "maxlength" not in field and 'data-limit="500"' in field
    assert not CertificationOverride.objects.exists()

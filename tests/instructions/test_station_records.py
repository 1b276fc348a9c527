"""What the station says and records is what happened: the defect notice, flag and defect text limits."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from instructions.models import UnclearFlag
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

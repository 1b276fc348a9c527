"""The floor overview shows defect-photo links only to roles that may open the photos."""

import datetime

import pytest
from django.core.files.base import ContentFile
from django.test import Client

from plexcopilot.roles import PLANNER
from quality.models import DefectReport
from tests.actors import make_employee

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 3, 9, 4, 5, tzinfo=datetime.UTC)  # Monday 00:05 in Detroit


@pytest.fixture
def defect(plant, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    report = DefectReport(
        part=plant.work_order.part, operation=plant.work_order.operation, reported_by=plant.certified,
        station=plant.station, category="other", description="Burr on the edge", created_at=NOW,
    )  # fmt: skip
    report.photo.save("d.jpg", ContentFile(b"\xff\xd8photo"), save=False)
    report.thumbnail.save("t.jpg", ContentFile(b"\xff\xd8thumb"), save=False)
    report.save()
    return report


def page_for(employee) -> tuple[str, Client]:
    client = Client()
    client.force_login(employee.user)
    return client.get("/").content.decode(), client


def test_a_planner_sees_the_defect_but_no_photo_link_it_could_not_open(plant, defect):
    page, client = page_for(make_employee("400499", PLANNER))
    assert "Burr on the edge" in page
    assert f"/quality/defects/{defect.pk}/" not in page
    assert client.get(f"/quality/defects/{defect.pk}/photo/").status_code == 403


def test_supervisor_and_quality_see_the_photo_link_and_can_open_it(plant, defect):
    for employee in (plant.supervisor, plant.quality):
        page, client = page_for(employee)
        assert f'href="/quality/defects/{defect.pk}/photo/"' in page
        assert client.get(f"/quality/defects/{defect.pk}/photo/").status_code == 200

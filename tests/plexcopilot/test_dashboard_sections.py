"""The floor overview links every section a desk role may open: a page nobody can click to is lost (walk finding:
a supervisor, who signs kanban size changes, had no way to the line-side materials page; the admin none to the
Django admin)."""

import pytest
from django.test import Client

from plexcopilot.roles import ADMIN, PLANNER, QUALITY, SUPERVISOR
from tests.actors import make_employee
from tests.plexcopilot.crawl import ACCESS

pytestmark = pytest.mark.django_db

# The sections' front pages and their addresses (the pages further in are reached from these).
SECTIONS = {
    "materials-home": "/materials/",
    "planning-board": "/planning/",
    "labor-home": "/labor/",
    "quality-queue": "/quality/",
    "instructions-approval-queue": "/governance/queue/",
    "audit-trail": "/audit/",
    "languages-review": "/languages/review/",
    "copilot-library": "/copilot/library/",
    "station-list": "/station/",
}


@pytest.mark.parametrize("role", [SUPERVISOR, QUALITY, PLANNER, ADMIN])
def test_the_overview_links_every_section_the_role_may_open(plant, role):
    employee = make_employee("700701", role)
    if role == ADMIN:
        employee.user.is_staff = employee.user.is_superuser = True
        employee.user.save()
    client = Client()
    client.force_login(employee.user)
    page = client.get("/").content.decode()
    for name, address in SECTIONS.items():
        linked = f'href="{address}"' in page
        assert linked == (role in ACCESS[name]), (role, name)
    assert ('href="/admin/"' in page) == (role == ADMIN)

"""The demo's finished Andon calls say who acknowledged and resolved them, as a real board's history does."""

import pytest
from django.test import Client

from labor.demo import labor_demo_load
from labor.models import AndonCall
from tests.actors import desk_login

pytestmark = pytest.mark.django_db


def test_every_resolved_demo_call_names_its_resolver_on_the_board(demo_plant):
    """The board's "Resolved" list showed "—" under By for every demo call (no resolver was recorded)."""
    labor_demo_load()
    resolved = AndonCall.objects.exclude(resolved_at=None)
    assert resolved.count() >= 2
    assert not resolved.filter(resolved_by=None).exists()
    assert not resolved.exclude(acknowledged_at=None).filter(acknowledged_by=None).exists()
    client = Client()
    assert desk_login(client, "200201", "northfield-demo")  # Rosa Delgado, supervisor
    page = client.get("/labor/andon/").content.decode()
    assert "Electrode dressed" in page and '<td data-label="By">—</td>' not in page

"""A safety-critical release reaches runs in progress at their next step boundary; ordinary ones do not."""

import pytest

from instructions.models import ChangeProposal, Execution, StepCompletion, VersionSwitch
from instructions.publishing import version_publish
from plexcopilot.models import AuditEvent
from tests.actors import at, start, station_client

pytestmark = pytest.mark.django_db

NEW_TEST = "Test the light curtain with the test rod at both side edges and in the middle; the ram must stop every time."


def release(plant, *, risk: str, text: str = NEW_TEST):
    """Publish the next version with step 3 (the light curtain) changed, as a signed proposal would."""
    current = plant.instruction.current_version
    steps = [step.content() for step in current.steps.order_by("order")]
    steps[2] = dict(steps[2], text=text)
    version = version_publish(instruction=plant.instruction, steps=steps, published_by=None, base_version=current,
                              change_note="Light curtain tested at both side edges: a dead edge beam was found")  # fmt: skip
    ChangeProposal.objects.create(
        instruction=plant.instruction, base_version=current, source="quality_engineer", status="approved",
        risk=risk, summary="Light curtain edges", rationale="Dead edge beam", content_hash=version.content_hash,
        published_version=version,
    )  # fmt: skip
    return version


def two_steps_done(client) -> str:
    url = start(client, "WO-1-10")
    client.post(url + "done/")
    client.post(at(url, 2) + "measure/", {"value": "26"})
    client.post(at(url, 2) + "done/")
    return url


def test_a_safety_critical_release_stops_the_run_and_moves_it_by_step_key(plant):
    client = station_client(plant.station, plant.certified)
    url = two_steps_done(client)
    v2 = release(plant, risk="safety_critical")

    page = client.get(at(url, 3))
    body = page.content.decode()
    assert "safety-critical change" in body and NEW_TEST in body
    assert "moves from version 1 to version 2" in body

    execution = Execution.objects.get()
    response = client.post(f"/station/run/{execution.pk}/switch/")
    assert response["Location"] == at(url, 3)
    execution.refresh_from_db()
    assert execution.version == v2 and execution.current_order == 3
    carried = StepCompletion.objects.filter(execution=execution, step__version=v2)
    assert sorted(carried.values_list("step__order", flat=True)) == [1, 2]  # the changed step 3 is done again
    switch = VersionSwitch.objects.get()
    assert switch.acknowledged_by == plant.certified and len(switch.changed_keys) == 1
    assert AuditEvent.objects.filter(action="execution.version_switch").exists()
    assert NEW_TEST in client.get(at(url, 3)).content.decode()
    assert client.post(at(url, 3) + "done/").status_code == 200


def test_the_switch_waits_for_the_step_boundary(plant):
    client = station_client(plant.station, plant.certified)
    url = start(client, "WO-1-10")
    release(plant, risk="safety_critical")
    done = client.post(url + "done/")  # the step in hand is finished, then the station stops
    assert StepCompletion.objects.count() == 1
    assert "safety-critical change" in done.content.decode()


def test_an_ordinary_release_keeps_new_work_uses_vn(plant):
    client = station_client(plant.station, plant.certified)
    url = two_steps_done(client)
    release(plant, risk="standard")
    body = client.get(at(url, 3)).content.decode()
    assert "safety-critical change" not in body and "Reset the light curtain" in body
    assert Execution.objects.get().version == plant.version

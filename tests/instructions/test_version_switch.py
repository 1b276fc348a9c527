"""A safety-critical release reaches runs in progress at their next step boundary; ordinary ones do not."""

import html
import re

import pytest
import time_machine

from instructions.models import ChangeProposal, Execution, StepCompletion, VersionSwitch
from instructions.publishing import version_publish
from plexcopilot.models import AuditEvent
from tests.actors import at, start, station_client
from tests.conftest import plant_instant

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


ANA_AT, MARCUS_AT, ANA_BACK_AT = "2026-03-10T22:16", "2026-03-10T22:29", "2026-03-10T22:40"


def demo_takeover_and_switch():
    """The demo walkthrough: Ana (100101) does steps 1-4 of WO-24123-10 at ST-PRS-400 at 22:16; a safety-critical
    release changes step 6; Marcus (100105) takes the run over at step 5 and acknowledges the switch at 22:29."""
    from instructions.demo import demo_plant_load
    from instructions.models import Station, WorkInstruction
    from plexcopilot.models import Employee

    with time_machine.travel(plant_instant(ANA_AT), tick=False):
        demo_plant_load()
        station = Station.objects.get(code="ST-PRS-400")
        ana = station_client(station, Employee.objects.get(badge_id="100101"), pin="4821")
        url = start(ana, "WO-24123-10")
        for order in (1, 2, 3, 4):
            if order == 4:
                ana.post(at(url, 4) + "measure/", {"value": "180"})
            assert ana.post(at(url, order) + "done/").status_code in (200, 204)
    instruction = WorkInstruction.objects.get(title__startswith="Stamp and pierce")
    current = instruction.current_version
    steps = [s.content() for s in current.steps.order_by("order")]
    steps[5] = dict(steps[5], text=NEW_TEST)  # "Remove lockout and test the light curtain"
    v2 = version_publish(instruction=instruction, steps=steps, published_by=None, base_version=current,
                         change_note="Light curtain tested at both side edges")  # fmt: skip
    ChangeProposal.objects.create(
        instruction=instruction, base_version=current, source="quality_engineer", status="approved",
        risk="safety_critical", summary="Light curtain edges", rationale="Dead edge beam",
        content_hash=v2.content_hash, published_version=v2,
    )  # fmt: skip
    with time_machine.travel(plant_instant(MARCUS_AT), tick=False):
        marcus = station_client(station, Employee.objects.get(badge_id="100105"), pin="2248")
        assert "Take over at step 5" in marcus.get(start(marcus, "WO-24123-10")).content.decode()
        execution = Execution.objects.get(work_order__barcode="WO-24123-10")
        marcus.post(f"/station/run/{execution.pk}/handoff/")
        assert "safety-critical change" in marcus.get(at(url, 5)).content.decode()
        assert marcus.post(f"/station/run/{execution.pk}/switch/")["Location"] == at(url, 5)
    return url, station, v2, marcus


def test_it_keeps_who_did_a_carried_step_when_and_where_and_records_the_switch_as_the_acknowledgers(db):
    url, station, v2, _marcus = demo_takeover_and_switch()
    execution = Execution.objects.get(work_order__barcode="WO-24123-10")
    assert execution.version == v2
    originals = {
        c.step.key: c for c in StepCompletion.objects.filter(execution=execution, step__version__number=1)
    }
    carried = StepCompletion.objects.filter(execution=execution, step__version=v2).select_related("step")
    assert sorted(c.step.order for c in carried) == [1, 2, 3, 4]
    for copy in carried:
        original = originals[copy.step.key]
        assert copy.completed_by.badge_id == "100101"  # Ana, not Marcus at the tablet
        assert copy.completed_at == original.completed_at == plant_instant(ANA_AT)  # 22:16, not 22:29
        assert copy.station_id == original.station_id == station.pk
        assert copy.carried_from == original
    switch = VersionSwitch.objects.get()
    assert switch.acknowledged_by.badge_id == "100105"
    event = AuditEvent.objects.get(action="execution.version_switch")
    assert event.actor_id == switch.acknowledged_by.user_id  # the switch is Marcus's action
    assert event.data["carried"] == sorted(originals)


def test_the_done_so_far_list_shows_each_step_once_after_a_switch(db):
    from plexcopilot.models import Employee

    url, station, _v2, _marcus = demo_takeover_and_switch()
    with time_machine.travel(plant_instant(ANA_BACK_AT), tick=False):
        ana = station_client(station, Employee.objects.get(badge_id="100101"), pin="4821")
        screen = ana.get(start(ana, "WO-24123-10")).content.decode()
    assert 'data-testid="handoff"' in screen
    done_list = screen[
        screen.index('<ol class="who-list">') : screen.index("</ol>", screen.index("who-list"))
    ]
    assert done_list.count("<li>") == 4
    assert [int(n) for n in re.findall(r"<li><span>(\d+)\.", done_list)] == [1, 2, 3, 4]
    assert done_list.count("Ana") == 4


def test_the_certification_stop_after_a_take_over_names_the_first_safety_step_not_done(db):
    """Marcus's PRESS-OP certification expired: steps 3 and 4 (safety-critical) are Ana's and done, so his stop
    is at step 6, the next safety-critical one; step 5 is his to do."""
    url, _station, _v2, marcus = demo_takeover_and_switch()
    with time_machine.travel(plant_instant(MARCUS_AT), tick=False):
        five = marcus.get(at(url, 5)).content.decode()
        assert 'data-testid="gate"' not in five and 'data-testid="done"' in five
        assert marcus.post(at(url, 5) + "done/").status_code == 200
        six = html.unescape(marcus.get(at(url, 6)).content.decode())
        gate = six[six.index('data-testid="gate"') : six.index('id="override-form"')]
        assert "Step 6 is safety-critical, so from step 6 on you can continue" in gate
        assert "step 3" not in gate
        assert marcus.post(at(url, 6) + "done/").status_code == 422
    assert not StepCompletion.objects.filter(step__version__number=2, step__order=6).exists()


def test_the_close_out_lists_who_did_each_step_once_after_a_switch(plant):
    client = station_client(plant.station, plant.certified)
    url = two_steps_done(client)
    release(plant, risk="safety_critical")
    execution = Execution.objects.get()
    client.post(f"/station/run/{execution.pk}/switch/")
    client.post(at(url, 3) + "done/")
    assert client.post(at(url, 4) + "done/")["Location"] == f"/station/run/{execution.pk}/closeout/"
    page = client.get(f"/station/run/{execution.pk}/closeout/").content.decode()
    who = page[page.index('data-testid="who-did"') : page.index("</ol>", page.index('data-testid="who-did"'))]
    assert [int(n) for n in re.findall(r"<li><span>(\d+)\.", who)] == [1, 2, 3, 4]


@pytest.mark.parametrize(
    "language, joined", [("en", "and"), ("es", "y"), ("pl", "i"), ("pt", "e"), ("vi", "và")]
)
def test_the_switch_notice_names_every_signer_of_a_two_signature_release(plant, language, joined):
    """A safety-critical change released on a supervisor's and a quality engineer's signatures: the notice names
    both (not only the quality engineer whose signature published it), in the operator's language."""
    from instructions.approval import proposal_sign
    from instructions.proposals import proposal_draft

    plant.certified.language = language
    plant.certified.save()
    client = station_client(plant.station, plant.certified)
    url = two_steps_done(client)
    base = plant.instruction.current_version
    step = base.steps.get(order=3)
    proposal = proposal_draft(
        instruction=plant.instruction, base_version=base, source="engineer_edit",
        edits=[{"op": "change", "key": step.key, "fields": {"caution": "Never bypass or mute the light curtain."}}],
        rationale="Muted curtain found.", evidence=[], proposed_by=None,
    )  # fmt: skip
    assert proposal.is_safety_critical
    proposal_sign(
        proposal=proposal,
        user=plant.supervisor.user,
        meaning="approved_for_release",
        password="desk-pass-123",
    )
    done = proposal_sign(
        proposal=proposal, user=plant.quality.user, meaning="reviewed", password="desk-pass-123"
    )
    assert done.published is not None

    body = html.unescape(client.get(at(url, 3)).content.decode())
    assert 'data-testid="switch-notice"' in body
    note = re.search(r'<p class="switch-note">(.*?)</p>', body, re.S).group(1)
    assert plant.supervisor.full_name in note and plant.quality.full_name in note, note
    assert f" {joined} " in note, note

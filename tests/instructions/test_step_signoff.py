"""Sign-off steps (first-piece approval): a second person's badge + PIN of an allowed role, recorded."""

import pytest

from instructions.models import CriticalSignoff, StepCompletion
from instructions.publishing import version_publish
from plexcopilot.models import AuditEvent
from tests.actors import PIN, STEPS, at, make_employee, start, station_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def signoff_plant(plant):
    steps = [dict(s, key=step.key) for s, step in zip(STEPS, plant.version.steps.all(), strict=True)]
    steps[3] = dict(steps[3], critical=True, check_kind="signoff")  # "Run the first piece" needs approval
    version_publish(instruction=plant.instruction, steps=steps, change_note="First piece approval",
                    published_by=None, base_version=plant.version)  # fmt: skip
    return plant


def through_step_3(client) -> str:
    url = start(client, "WO-1-10")
    client.post(url + "done/")
    client.post(at(url, 2) + "measure/", {"value": "26"})
    client.post(at(url, 2) + "done/")
    client.post(at(url, 3) + "done/")
    return at(url, 4)


class TestSignoff:
    def test_one_tap_is_not_enough(self, signoff_plant):
        client = station_client(signoff_plant.station, signoff_plant.trainee)
        url = through_step_3(client)
        page = client.get(url).content.decode()
        assert "SECOND-PERSON SIGN-OFF" in page and 'popovertarget="sheet-signoff"' in page
        response = client.post(url + "done/")
        assert response.status_code == 422
        assert "needs a second person" in response.content.decode()
        assert not StepCompletion.objects.filter(step__order=4).exists()

    @pytest.mark.parametrize(
        "who, pin, message",
        [
            ("trainee", PIN, "you cannot sign off your own step"),
            ("certified", PIN, "needs a supervisor or quality badge"),
            ("supervisor", "0000", "Badge or PIN not recognised"),
        ],
    )
    def test_it_refuses_the_operator_a_peer_or_a_wrong_pin(self, signoff_plant, who, pin, message):
        client = station_client(signoff_plant.station, signoff_plant.trainee)
        url = through_step_3(client)
        badge = getattr(signoff_plant, who).badge_id
        response = client.post(url + "signoff/", {"badge": badge, "pin": pin})
        assert response.status_code == 422
        assert message in response.content.decode()
        assert not CriticalSignoff.objects.exists()

    @pytest.mark.parametrize("role", ["supervisor", "quality"])
    def test_a_supervisor_or_quality_badge_signs_it_off_and_it_is_recorded(self, signoff_plant, role):
        client = station_client(signoff_plant.station, signoff_plant.trainee)
        url = through_step_3(client)
        signer = getattr(signoff_plant, role)
        response = client.post(url + "signoff/", {"badge": signer.badge_id, "pin": PIN})
        assert response.status_code == 302 and response["Location"].endswith("/closeout/")
        signoff = CriticalSignoff.objects.get()
        assert (signoff.signer, signoff.operator, signoff.signer_role) == (
            signer,
            signoff_plant.trainee,
            role,
        )
        assert StepCompletion.objects.get(step__order=4).completed_by == signoff_plant.trainee
        assert AuditEvent.objects.filter(action="step.signoff", actor=signer.user).exists()
        assert "Signed off by" in client.get(url).content.decode()

    def test_the_roles_are_a_setting(self, signoff_plant, settings):
        settings.STATION_SIGNOFF_ROLES = ["quality"]
        client = station_client(signoff_plant.station, signoff_plant.trainee)
        url = through_step_3(client)
        refused = client.post(url + "signoff/", {"badge": signoff_plant.supervisor.badge_id, "pin": PIN})
        assert refused.status_code == 422
        lead = make_employee("700009", "quality")
        assert client.post(url + "signoff/", {"badge": lead.badge_id, "pin": PIN}).status_code == 302

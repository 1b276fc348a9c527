"""Floor work is reachable only from a station of the work order's work center.

The test plant has a press work order (WO-1-10) run at the press tablet; an operator signed in at the weld
tablet must be refused on every station endpoint of that run, and nothing may be recorded.
"""

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from copilot.models import CopilotQuestion
from instructions.models import CertificationOverride, Measurement, StepCompletion, UnclearFlag
from quality.models import DefectReport
from tests.actors import PIN, at, start, station_client
from tests.instructions.test_version_consumer import connect, run
from tests.quality.test_defect_report import _png

pytestmark = pytest.mark.django_db

REFUSED_ON = {  # endpoint → (method, data, the records it must not create)
    "step page": ("get", None, None),
    "done": ("post", {}, StepCompletion),
    "measure": ("post", {"value": "26"}, Measurement),
    "flag": ("post", {"comment": "Which die?"}, UnclearFlag),
    "defect": ("post", {"category": "surface", "quantity": "1", "description": "Scratch"}, DefectReport),
    "override": ("post", {"supervisor_badge": "600001", "supervisor_pin": PIN, "reason": "Cover"},
                 CertificationOverride),
}  # fmt: skip
SUFFIX = {"step page": "", "done": "done/", "measure": "measure/", "flag": "flag/", "defect": "defect/",
          "override": "override/"}  # fmt: skip


@pytest.fixture
def press_run(plant):
    """The press run, started at the press tablet: its step-1 URL."""
    return at(start(station_client(plant.station, plant.certified), "WO-1-10"), 1)


@pytest.fixture
def weld_tablet(plant):
    return station_client(plant.other_station, plant.expert)


@pytest.mark.parametrize("endpoint", list(REFUSED_ON))
def test_a_station_of_another_work_center_is_refused(press_run, weld_tablet, endpoint):
    method, data, model = REFUSED_ON[endpoint]
    before = model.objects.count() if model else 0
    response = getattr(weld_tablet, method)(press_run + SUFFIX[endpoint], data or {})
    assert response.status_code == 403
    assert "another work center" in response.content.decode()
    assert "Back to the station" in response.content.decode()  # the friendly 403 with its way back
    if model is not None:
        assert model.objects.count() == before


def test_the_press_tablet_itself_still_works(press_run, plant):
    client = station_client(plant.station, plant.certified)
    assert client.get(press_run).status_code == 200
    assert client.post(press_run + "flag/", {"comment": "Which die?"}).status_code == 200
    assert UnclearFlag.objects.count() == 1


def test_the_copilot_refuses_a_question_from_another_work_center(press_run, weld_tablet):
    execution_id = press_run.strip("/").split("/")[-2]
    response = weld_tablet.post(f"/copilot/ask/{execution_id}/1/", {"question": "What torque?"})
    assert response.status_code in (302, 403)
    assert not CopilotQuestion.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_the_copilot_websocket_refuses_another_work_center(press_run, weld_tablet):
    execution_id = press_run.strip("/").split("/")[-2]

    async def scenario():
        communicator = connect(weld_tablet, f"/ws/copilot/{execution_id}/1/")
        connected, code = await communicator.connect()
        await communicator.disconnect()
        return connected, code

    assert run(scenario) == (False, 4403)


# --- Websocket groups: an instruction's release channel -------------------------------------------------


def _listen(client, plant):
    async def scenario():
        communicator = connect(client, f"/ws/instructions/{plant.instruction.pk}/{plant.version.pk}/")
        connected, code = await communicator.connect()
        await communicator.disconnect()
        return connected

    return run(scenario)


@pytest.mark.django_db(transaction=True)
def test_a_station_of_another_work_center_cannot_join_an_instructions_group(plant):
    assert _listen(station_client(plant.other_station, plant.expert), plant) is False


@pytest.mark.django_db(transaction=True)
def test_a_signed_in_operator_without_a_station_cannot_join_an_instructions_group(plant):
    client = Client()
    client.force_login(plant.certified.user)
    assert _listen(client, plant) is False


@pytest.mark.django_db(transaction=True)
def test_the_instructions_own_station_and_desk_roles_join_its_group(plant):
    assert _listen(station_client(plant.station, plant.certified), plant) is True
    supervisor = Client()
    supervisor.force_login(plant.supervisor.user)
    assert _listen(supervisor, plant) is True


@pytest.mark.django_db(transaction=True)
def test_an_operator_cannot_join_the_andon_board(plant):
    tablet = station_client(plant.station, plant.certified)

    async def scenario():
        communicator = connect(tablet, "/ws/labor/andon/")
        connected, _code = await communicator.connect()
        await communicator.disconnect()
        return connected

    assert run(scenario) is False


# --- Defect photos: desk roles and the station that took them ----------------------------------------------


@pytest.fixture
def photo_url(plant, press_run):
    client = station_client(plant.station, plant.certified)
    photo = SimpleUploadedFile("scratch.png", _png(), "image/png")
    data = {"category": "surface", "quantity": "1", "description": "Scratch", "photo": photo}
    assert client.post(press_run + "defect/", data).status_code == 200
    return f"/quality/defects/{DefectReport.objects.get().pk}/"


def test_the_station_that_took_a_photo_may_see_it(plant, photo_url):
    client = station_client(plant.station, plant.trainee)
    assert client.get(photo_url + "photo/").status_code == 200
    assert client.get(photo_url + "thumbnail/").status_code == 200


@pytest.mark.parametrize("size", ["photo", "thumbnail"])
def test_another_station_may_not_see_a_photo(plant, photo_url, size):
    assert station_client(plant.other_station, plant.expert).get(photo_url + f"{size}/").status_code == 403


def test_another_station_of_the_same_work_center_may_not_see_a_photo(plant, photo_url):
    from instructions.models import Station

    second = Station.objects.create(
        code="ST-T3", name="Second press tablet", work_center=plant.station.work_center
    )
    assert station_client(second, plant.expert).get(photo_url + "photo/").status_code == 403


def test_an_operator_signed_in_at_a_desk_may_not_see_a_photo(plant, photo_url):
    client = Client()
    client.force_login(plant.certified.user)
    assert client.get(photo_url + "photo/").status_code == 403


@pytest.mark.parametrize("who", ["supervisor", "quality", "admin"])
def test_desk_roles_see_every_photo(plant, photo_url, who):
    user = (
        get_user_model().objects.create_superuser("root", "root@example.com", "pw-123456")
        if who == "admin"
        else getattr(plant, who).user
    )
    client = Client()
    client.force_login(user)
    assert client.get(photo_url + "photo/").status_code == 200

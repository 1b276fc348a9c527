"""Only an Andon call that says the machine is stopped takes the work center out of the schedule and asks for
what-if scenarios; a maintenance call on a running machine is help asked for, not downtime."""

import datetime

import pytest
from django_tasks_db.models import DBTaskResult

from labor.andon import andon_raise
from planning.models import Downtime
from planning.tasks import SCENARIOS_TASK_PATH

pytestmark = pytest.mark.django_db


def raise_call(plant, capture, category, line_down):
    with capture(execute=True):
        return andon_raise(
            station=plant.station, employee=plant.certified, category=category, line_down=line_down
        )


def test_a_maintenance_call_on_a_running_machine_records_no_downtime_and_queues_nothing(
    clock, plant, django_capture_on_commit_callbacks
):
    raise_call(plant, django_capture_on_commit_callbacks, "maintenance", line_down=False)
    assert not Downtime.objects.exists()
    assert not DBTaskResult.objects.filter(task_path=SCENARIOS_TASK_PATH).exists()


@pytest.mark.parametrize("category", ["maintenance", "material"])
def test_a_line_down_call_puts_the_work_center_down_and_queues_the_scenarios(
    clock, plant, django_capture_on_commit_callbacks, category
):
    call = raise_call(plant, django_capture_on_commit_callbacks, category, line_down=True)
    window = Downtime.objects.get()
    assert (window.work_center, window.kind) == (plant.station.work_center, "down")
    assert window.end - window.start == datetime.timedelta(hours=4)
    assert window.note == f"Andon call {call.pk}: {category}"
    queued = DBTaskResult.objects.get(task_path=SCENARIOS_TASK_PATH)
    assert f"{plant.station.work_center.code} is down" in queued.args_kwargs["kwargs"]["summary"]

import threading
from decimal import Decimal

import pytest
from django.db import connection

from instructions.models import Execution, ExecutionStatus, Measurement, StepCompletion, UnclearFlag
from plexcopilot.models import AuditEvent
from tests.actors import at, start, station_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def run(plant):
    client = station_client(plant.station, plant.certified)
    url = start(client, "WO-1-10")
    client.post(url + "done/")
    return client, at(url, 2)


class TestMeasurements:
    def test_it_accepts_an_in_spec_reading(self, run):
        client, url = run
        response = client.post(url + "measure/", {"value": "26.4"})
        assert "26.4 N·m is within spec (24–28 N·m)" in response.content.decode()
        assert Measurement.objects.get().in_spec is True

    def test_it_keeps_an_out_of_spec_reading_marked_and_prompts_a_recheck(self, run):
        client, url = run
        response = client.post(url + "measure/", {"value": "31.2"})
        body = response.content.decode()
        assert "OUT OF SPEC: 31.2 N·m is above the limit (24–28 N·m)" in body
        assert "Re-check the part" in body
        first = Measurement.objects.get()
        assert first.in_spec is False and first.raw_value == "31.2"
        client.post(url + "measure/", {"value": "25,9"})
        recheck = Measurement.objects.latest("id")
        assert recheck.in_spec and recheck.recheck_of == first and recheck.value == Decimal("25.9")
        assert Measurement.objects.count() == 2
        assert AuditEvent.objects.filter(action="measurement.out_of_spec").count() == 1

    @pytest.mark.parametrize("raw", ["abc", "", "1e400", "NaN", "12..5"])
    def test_it_explains_a_reading_that_is_not_a_number_and_keeps_what_was_typed(self, run, raw):
        client, url = run
        response = client.post(url + "measure/", {"value": raw})
        assert response.status_code == 422
        body = response.content.decode()
        assert "not a number" in body or "out of any possible range" in body
        assert not Measurement.objects.exists()

    def test_it_blocks_done_until_the_last_reading_is_in_spec(self, run):
        client, url = run
        assert client.post(url + "done/").status_code == 422
        client.post(url + "measure/", {"value": "30"})
        response = client.post(url + "done/")
        assert response.status_code == 422
        assert "out of spec" in response.content.decode()
        client.post(url + "measure/", {"value": "27"})
        assert client.post(url + "done/").status_code == 200
        assert StepCompletion.objects.filter(step__order=2).exists()


class TestStepCompletion:
    def test_it_enforces_the_step_order(self, plant):
        client = station_client(plant.station, plant.certified)
        url = start(client, "WO-1-10")
        response = client.post(at(url, 4) + "done/")
        assert response.status_code == 422
        assert "Finish step 1" in response.content.decode()

    def test_it_counts_a_double_submitted_step_once(self, plant):
        client = station_client(plant.station, plant.certified)
        url = start(client, "WO-1-10")
        assert client.post(url + "done/").status_code == 200
        assert client.post(url + "done/").status_code == 200
        assert StepCompletion.objects.count() == 1

    @pytest.mark.django_db(transaction=True)
    def test_it_counts_concurrent_double_submits_once(self, plant):
        client = station_client(plant.station, plant.certified)
        url = start(client, "WO-1-10")
        results = []

        def submit():
            try:
                results.append(client.post(url + "done/").status_code)
            finally:
                connection.close()

        threads = [threading.Thread(target=submit) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert StepCompletion.objects.count() == 1
        assert results.count(200) >= 1

    def test_it_completes_the_execution_after_the_last_step(self, plant):
        client = station_client(plant.station, plant.expert)
        url = start(client, "WO-1-10")
        client.post(url + "done/")
        client.post(at(url, 2) + "measure/", {"value": "26"})
        for order in (2, 3):
            assert client.post(at(url, order) + "done/").status_code == 200
        last = client.post(at(url, 4) + "done/")
        execution = Execution.objects.get()
        assert last.status_code == 302 and last["Location"] == f"/station/run/{execution.pk}/closeout/"
        assert execution.status == ExecutionStatus.COMPLETE
        assert "All steps are done" in client.get(url).content.decode()

    def test_it_remembers_the_step_being_viewed(self, plant):
        client = station_client(plant.station, plant.certified)
        url = start(client, "WO-1-10")
        client.get(at(url, 3))
        assert Execution.objects.get().current_order == 3


class TestFlags:
    def test_it_ties_an_unclear_flag_to_version_step_work_order_and_operator(self, run, plant):
        client, url = run
        response = client.post(url + "flag/", {"comment": "Which wrench — TW-25 or TW-40?"})
        assert "step flagged as unclear" in response.content.decode()
        flag = UnclearFlag.objects.get()
        assert (flag.version, flag.step.order, flag.work_order, flag.raised_by) == (
            plant.version,
            2,
            plant.work_order,
            plant.certified,
        )
        assert flag.comment == "Which wrench — TW-25 or TW-40?"
        assert AuditEvent.objects.filter(action="step.flag_unclear").exists()

    def test_it_swaps_only_the_station_region_for_htmx(self, run):
        client, url = run
        response = client.post(url + "flag/", {"comment": ""}, headers={"HX-Request": "true"})
        body = response.content.decode()
        assert body.lstrip().startswith('<div id="station-main"')
        assert "<html" not in body
        assert response["HX-Push-Url"] == url


class TestFeedbackLoop:
    def test_it_turns_repeated_flags_on_a_step_into_a_cited_change_proposal(
        self, run, plant, settings, django_capture_on_commit_callbacks
    ):
        from instructions.models import ChangeProposal
        from tests.quality.conftest import run_worker

        settings.QUALITY_FEEDBACK_THRESHOLD = 3
        client, url = run
        with django_capture_on_commit_callbacks(execute=True):  # quality hears of each flag after commit
            for comment in ("Which wrench?", "Cross pattern or clockwise?", "Torque twice?"):
                client.post(url + "flag/", {"comment": comment})
        run_worker()
        proposal = ChangeProposal.objects.get(instruction=plant.instruction)
        assert proposal.status == "pending"
        assert proposal.evidence.count() >= 3

import threading
from decimal import Decimal

import pytest
from django.db import connection

from instructions.models import Execution, ExecutionStatus, Measurement, StepCompletion, UnclearFlag
from plexcopilot.models import AuditEvent, CertificationType
from tests.actors import at, certify, make_employee, start, station_client

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
        client.post(url + "measure/", {"value": "25.9"})
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

    def test_it_refuses_a_negative_reading_where_the_spec_has_no_negative_values(self, run, plant):
        client, url = run
        response = client.post(url + "measure/", {"value": "-26.4"})
        body = response.content.decode()
        assert response.status_code == 422
        assert "A reading of -26.4 N·m cannot be right here: the spec is 24–28 N·m" in body
        assert 'value="-26.4"' in body and not Measurement.objects.exists()
        # A spec that goes below zero (a flatness or an offset) takes a negative reading.
        # (the version's steps are immutable for the app: the test sets the spec under it)
        plant.version.steps.filter(order=2).update(spec_lower=Decimal("-0.05"), spec_upper=Decimal("0.05"))
        assert client.post(url + "measure/", {"value": "-0.02"}).status_code == 200
        assert Measurement.objects.get().value == Decimal("-0.02")

    @pytest.mark.parametrize("raw", ["1e3", "1E3", "2.6e1"])
    def test_it_refuses_exponent_notation_as_not_a_number(self, run, raw):
        client, url = run
        response = client.post(url + "measure/", {"value": raw})
        body = response.content.decode()
        assert response.status_code == 422
        assert f"“{raw}” is not a number. Enter the reading, for example 26.0." in body  # the spec's nominal
        assert f'value="{raw}"' in body  # what was typed stays in the field
        assert not Measurement.objects.exists()

    @pytest.mark.parametrize("raw", ["1,80", "25,9", "1,800"])
    def test_it_refuses_a_decimal_comma_on_an_english_station(self, run, raw):
        client, url = run
        response = client.post(url + "measure/", {"value": raw})
        body = response.content.decode()
        assert response.status_code == 422
        assert f"“{raw}” has a comma. Use the decimal point, for example 26.0." in body
        assert f'value="{raw}"' in body and 'data-decimal="."' in body
        assert not Measurement.objects.exists()

    @pytest.mark.parametrize(
        ("raw", "value"), [("25.80", "25.8"), (" 26 ", "26"), ("+27.5", "27.5"), ("1.80", "1.8")]
    )
    def test_it_accepts_plain_numbers_with_a_decimal_point_in_english(self, run, raw, value):
        client, url = run
        assert client.post(url + "measure/", {"value": raw}).status_code == 200
        assert Measurement.objects.get().value == Decimal(value)

    @pytest.mark.parametrize("raw", ["28.00004", "27.99996", "26.123456789012345678"])
    def test_it_refuses_more_decimals_than_it_keeps(self, run, raw):
        """28.00004 is above a 28 limit but would be kept (and shown, and sent to Plex) as 28.0000."""
        client, url = run
        response = client.post(url + "measure/", {"value": raw})
        body = response.content.decode()
        assert response.status_code == 422
        assert f"“{raw[:20]}” has more than 4 decimals. Enter the reading to at most 4 decimals." in body
        assert f'value="{raw}"' in body
        assert not Measurement.objects.exists()

    def test_it_keeps_four_decimals_and_trailing_zeros(self, run):
        client, url = run
        assert client.post(url + "measure/", {"value": "28.0001"}).status_code == 200
        assert client.post(url + "measure/", {"value": "27.500000"}).status_code == 200
        first, second = Measurement.objects.order_by("pk")
        assert (first.value, first.in_spec) == (Decimal("28.0001"), False)
        assert (second.value, second.in_spec) == (Decimal("27.5"), True)

    @pytest.mark.parametrize("raw", ["-0", "-0.00", "-.0"])
    def test_it_reads_minus_zero_as_zero(self, run, plant, raw):
        client, url = run
        body = client.post(url + "measure/", {"value": raw}).content.decode()
        shown = {"-0": "0", "-0.00": "0.00", "-.0": "0.0"}[raw]  # with the decimals typed
        assert f"OUT OF SPEC: {shown} N·m is below the limit (24–28 N·m)" in body and "-0" not in body
        measurement = Measurement.objects.get()
        assert measurement.value == 0 and not measurement.value.is_signed()
        assert AuditEvent.objects.get(action="measurement.out_of_spec").data["value"].startswith("0")
        plant.version.steps.filter(order=2).update(spec_lower=Decimal("-0.5"), spec_nominal=0)
        assert "0 N·m is within spec" in client.post(url + "measure/", {"value": raw}).content.decode()

    def test_it_reads_a_decimal_comma_in_spanish_and_a_gauges_point_and_refuses_both_at_once(self, plant):
        spanish = make_employee("500010", language="es", first="Lucía")
        certify(spanish, CertificationType.objects.get(code="PRESS-T"), "certified", 100)
        client = station_client(plant.station, spanish)
        url = start(client, "WO-1-10")
        client.post(url + "done/")
        refused = client.post(at(url, 2) + "measure/", {"value": "1.025,9"})
        body = refused.content.decode()
        assert refused.status_code == 422 and "no es un número" in body
        assert 'value="1.025,9"' in body and 'data-decimal=","' in body
        assert not Measurement.objects.exists()
        accepted = client.post(at(url, 2) + "measure/", {"value": "25,9"})
        assert "25,9 N·m" in accepted.content.decode()
        assert Measurement.objects.get().value == Decimal("25.9")
        client.post(at(url, 2) + "measure/", {"value": "26.1"})  # a gauge or a US keypad sends the point
        assert Measurement.objects.latest("pk").value == Decimal("26.1")

    @pytest.mark.parametrize("raw", ["26.4 mm", "26.4mm", " 26.4 MM ", "26.40 Mm"])
    def test_it_reads_a_reading_typed_with_the_specs_unit_as_the_number(self, run, plant, raw):
        plant.version.steps.filter(order=2).update(spec_unit="mm")  # a bore, not a torque
        client, url = run
        response = client.post(url + "measure/", {"value": raw})
        assert response.status_code == 200
        shown = "26.40" if "26.40" in raw else "26.4"  # with the decimals typed: a gauge's resolution
        assert f"{shown} mm is within spec (24–28 mm)" in response.content.decode()
        measurement = Measurement.objects.get()
        assert measurement.value == Decimal("26.4") and measurement.in_spec

    @pytest.mark.parametrize(
        ("language", "raw", "shown"),
        [("en", "18.0 mm", "18.0"), ("pl", "18,50", "18,50"), ("en", "18", "18")],
    )
    def test_a_reading_is_listed_with_the_decimals_typed(self, plant, language, raw, shown):
        """ "18.0 mm" typed is listed and answered as 18.0 mm (the gauge's resolution), not 18 mm, in the
        operator's own decimal mark; the value kept is the number."""
        plant.version.steps.filter(order=2).update(
            spec_unit="mm", spec_lower="17.9", spec_upper="18.6", spec_nominal="18"
        )
        operator = make_employee("500012", language=language, first="Ola")
        certify(operator, CertificationType.objects.get(code="PRESS-T"), "certified", 100)
        client = station_client(plant.station, operator)
        url = start(client, "WO-1-10")
        client.post(url + "done/")
        answer = client.post(at(url, 2) + "measure/", {"value": raw}).content.decode()
        page = client.get(at(url, 2)).content.decode()
        assert f"{shown} mm" in answer and f"{shown} mm —" in page
        assert Measurement.objects.get().value == Decimal(raw.split()[0].replace(",", "."))

    @pytest.mark.parametrize(
        ("raw", "value"), [("26.4 N·m", "26.4"), ("26.4 Nm", "26.4"), ("26.4 n.m", "26.4"), ("31N·M", "31")]
    )
    def test_it_takes_the_usual_spellings_of_the_specs_unit(self, run, raw, value):
        client, url = run
        assert client.post(url + "measure/", {"value": raw}).status_code == 200
        assert Measurement.objects.get().value == Decimal(value)

    @pytest.mark.parametrize("raw", ["26 in", "26.4 lbf·ft", "26cm"])
    def test_it_refuses_a_reading_in_another_unit_and_keeps_what_was_typed(self, run, plant, raw):
        plant.version.steps.filter(order=2).update(spec_unit="mm")
        client, url = run
        response = client.post(url + "measure/", {"value": raw})
        body = response.content.decode()
        assert response.status_code == 422
        assert (
            f"“{raw}” is not in mm. This check is read in mm: enter the value in mm, for example 26.0 mm."
            in body
        )
        assert f'value="{raw}"' in body and not Measurement.objects.exists()

    def test_a_spanish_operator_types_the_unit_after_a_decimal_comma(self, plant):
        plant.version.steps.filter(order=2).update(spec_unit="mm")
        spanish = make_employee("500011", language="es", first="Lucía")
        certify(spanish, CertificationType.objects.get(code="PRESS-T"), "certified", 100)
        client = station_client(plant.station, spanish)
        url = start(client, "WO-1-10")
        client.post(url + "done/")
        accepted = client.post(at(url, 2) + "measure/", {"value": "25,9 mm"})
        assert accepted.status_code == 200 and "25,9 mm" in accepted.content.decode()
        assert Measurement.objects.get().value == Decimal("25.9")
        refused = client.post(at(url, 2) + "measure/", {"value": "25,9 in"})
        body = refused.content.decode()
        assert refused.status_code == 422 and "“25,9 in” no está en mm." in body
        assert 'value="25,9 in"' in body and Measurement.objects.count() == 1

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

    def test_an_htmx_flag_swaps_only_its_sheet_and_the_message_so_what_was_typed_elsewhere_stays(self, run):
        client, url = run
        page = client.get(url).content.decode()
        assert 'hx-target="#sheet-unclear"' in page  # the sheet's form swaps the sheet, not the step
        response = client.post(url + "flag/", {"comment": "Which wrench?"}, headers={"HX-Request": "true"})
        body = response.content.decode()
        assert response.status_code == 200
        assert body.lstrip().startswith('<div id="sheet-unclear"')
        assert "data-open" not in body  # the new sheet is closed
        # the step is not re-rendered: the reading field and the copilot question box keep what was typed
        assert 'id="station-main"' not in body and "<html" not in body
        assert 'data-testid="measure"' not in body and 'data-testid="copilot-question"' not in body
        assert (
            'id="station-msg" class="bar-msg" aria-live="polite" data-testid="station-msg" hx-swap-oob="true"'
            in body
        )
        assert "step flagged as unclear" in body
        assert UnclearFlag.objects.get().comment == "Which wrench?"

    def test_a_refused_htmx_flag_comes_back_open_with_the_problem_and_the_comment(self, run):
        client, url = run
        comment = "Which wrench? " + "x" * 1_000
        response = client.post(url + "flag/", {"comment": comment}, headers={"HX-Request": "true"})
        body = response.content.decode()
        assert response.status_code == 422
        assert body.lstrip().startswith('<div id="sheet-unclear" class="sheet" popover data-open')
        assert "1,014 characters long; 1,000 at most" in body
        assert f">{comment}</textarea>" in body
        assert 'id="station-main"' not in body
        assert not UnclearFlag.objects.exists()


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

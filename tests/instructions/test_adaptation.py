import datetime
import html

import pytest
from django.utils import timezone
from django.utils.formats import date_format

from instructions.models import AdaptationLog, CertificationOverride, Execution, StepCompletion
from labor.models import EmployeeCertification
from plexcopilot.models import AuditEvent
from quality.models import DefectReport
from tests.actors import PIN, at, start, station_client
from tests.conftest import AWKWARD

pytestmark = pytest.mark.django_db


def step_page(client, url, order):
    return client.get(at(url, order)).content.decode()


class TestAdaptation:
    def test_it_shows_a_trainee_the_why_expanded_cautions_and_highlighted_specs(self, plant):
        client = station_client(plant.station, plant.trainee)
        url = start(client, "WO-1-10")
        page = step_page(client, url, 2)
        assert "Why this matters" in page
        assert "Loose clamps let the die shift" in page
        assert "caution-full" in page
        assert "measure-highlight" in page
        log = AdaptationLog.objects.filter(employee=plant.trainee).latest("at")
        assert log.level == "trainee"
        assert log.version == plant.version
        assert log.rules[0]["rule"] == "trainee_view"
        assert 2 in log.rules[0]["steps"]

    def test_it_shows_an_expert_the_compact_view_with_cautions_still_there(self, plant):
        client = station_client(plant.station, plant.expert)
        url = start(client, "WO-1-10")
        page = step_page(client, url, 2)
        assert "Why this matters" not in page
        assert "measure-highlight" not in page
        assert "caution-compact" in page
        assert "Use the calibrated wrench only." in page
        safety = step_page(client, url, 3)
        assert "caution-full" in safety and "Never bypass the light curtain." in safety
        assert AdaptationLog.objects.filter(employee=plant.expert, level="expert").exists()

    @pytest.mark.parametrize("who", ["expired", "uncertified"])
    def test_it_stops_an_operator_without_a_valid_certification_before_safety_steps(self, plant, who):
        operator = getattr(plant, who)
        client = station_client(plant.station, operator)
        url = start(client, "WO-1-10")
        page = step_page(client, url, 3)
        if who == "expired":
            assert "Stop — your certification has expired" in page
        else:
            assert "Stop — certification needed" in page and "You have no PRESS-T certification" in page
        assert 'data-testid="done"' not in page
        # Steps before the gate can be worked.
        client.post(url + "done/")
        assert StepCompletion.objects.filter(step__order=1).exists()
        log = AdaptationLog.objects.filter(employee=operator).latest("at")
        gate = next(rule for rule in log.rules if rule["rule"] == "safety_gate")
        assert gate["steps"] == [3, 4]

    @pytest.mark.parametrize("plant_at", AWKWARD, indirect=True)
    def test_it_says_what_an_expired_certification_means_and_nothing_more(self, plant_at, plant):
        valid_until = EmployeeCertification.objects.get(employee=plant.expired).valid_until
        assert valid_until == plant_at.date() - datetime.timedelta(days=3)  # the plant's calendar, not UTC's
        client = station_client(plant.station, plant.expired)
        page = html.unescape(step_page(client, start(client, "WO-1-10"), 3))
        gate = page[page.index('data-testid="gate"') : page.index('id="override-form"')]
        assert "Stop — your certification has expired" in gate
        assert (
            f"Your PRESS-T certification has expired: its last valid day was "
            f"{date_format(valid_until, 'SHORT_DATE_FORMAT')}. Step 3 is safety-critical, so from step 3 on you "
            "can continue this job only after a supervisor records an override below with their badge, PIN and "
            "a reason. Ask your supervisor about renewing it."
        ) in gate
        # Not true, so not said: step 4 is not safety-critical, and they were certified, only not any more.
        assert "safety-critical and need" not in gate and "certification needed" not in gate
        assert "You have no" not in gate
        # The stop is this operator's: a certified colleague runs the same job's step 3.
        colleague = station_client(plant.station, plant.certified)
        assert 'data-testid="gate"' not in step_page(colleague, start(colleague, "WO-1-10"), 3)

    def test_the_header_names_a_lapsed_or_missing_certification_not_the_trainee_level(self, plant):
        """An expert whose certificate lapsed read "Trainee" beside their name (walkthrough finding): the run is
        adapted as for a trainee, but the header says what is so."""
        expired = station_client(plant.station, plant.expired)
        url = start(expired, "WO-1-10")
        header = step_page(expired, url, 1)
        assert '<span class="level level-trainee" data-testid="level">Certification expired</span>' in header
        run = Execution.objects.get()
        for employee, label in ((plant.uncertified, "Not certified"), (plant.trainee, "Trainee")):
            client = station_client(plant.station, employee)
            client.post(f"/station/run/{run.pk}/handoff/")  # the same run, taken over
            assert f'data-testid="level">{label}</span>' in step_page(client, url, 1), label

    def test_it_does_not_stop_an_operator_at_a_safety_step_a_colleague_already_did(self, plant):
        certified = station_client(plant.station, plant.certified)
        url = start(certified, "WO-1-10")
        certified.post(url + "done/")
        certified.post(at(url, 2) + "measure/", {"value": "26"})
        certified.post(at(url, 2) + "done/")
        certified.post(at(url, 3) + "done/")  # the safety-critical step, done by a certified operator
        client = station_client(plant.station, plant.expired)
        execution = Execution.objects.get()
        client.post(f"/station/run/{execution.pk}/handoff/")
        page = step_page(client, url, 4)
        assert 'data-testid="gate"' not in page and 'data-testid="done"' in page
        done = client.post(at(url, 4) + "done/")
        assert done.status_code == 302 and done["Location"].endswith("/closeout/")  # the last step
        assert StepCompletion.objects.get(step__order=4).completed_by == plant.expired
        log = AdaptationLog.objects.filter(employee=plant.expired).latest("at")
        assert not any(rule["rule"] == "safety_gate" for rule in log.rules)

    def test_it_refuses_to_complete_a_locked_step_even_when_posted_directly(self, plant):
        client = station_client(plant.station, plant.expired)
        url = start(client, "WO-1-10")
        response = client.post(at(url, 3) + "done/")
        assert response.status_code == 422
        assert not StepCompletion.objects.filter(step__order=3).exists()

    def test_the_gate_is_kept_by_the_domain_whatever_calls_it(self, plant):
        """step_complete and step_signoff decide the lock themselves: no caller can pass a stale or missing flag."""
        from instructions.models import Execution
        from instructions.runs import StationError, step_complete

        client = station_client(plant.station, plant.expired)
        start(client, "WO-1-10")
        execution = Execution.objects.get(work_order__barcode="WO-1-10")
        gated = execution.version.steps.get(order=3)
        with pytest.raises(StationError, match="valid certification or a supervisor override"):
            step_complete(execution=execution, step=gated, employee=plant.expired, station=plant.station)
        assert not StepCompletion.objects.filter(step=gated).exists()
        CertificationOverride.objects.create(
            execution=execution, operator=plant.expired, supervisor=plant.supervisor, reason="supervised run"
        )
        with pytest.raises(StationError, match="Finish step 1"):  # past the gate: now the usual order rules
            step_complete(execution=execution, step=gated, employee=plant.expired, station=plant.station)

    def test_a_step_behind_the_gate_refuses_a_reading_and_says_it_back(self, plant):
        """The walkthrough: a reading for a later step taken while step 1 was open. Ahead of the next step is
        allowed (the strip opens every step; completion keeps the order); behind the certification gate is not."""
        from instructions.models import Measurement

        plant.version.steps.filter(order=4).update(  # the first piece's length: a reading behind the gate
            check_kind="dimension", spec_lower="17.9", spec_upper="18.1", spec_unit="mm"
        )
        client = station_client(plant.station, plant.expired)
        url = start(client, "WO-1-10")  # step 1 open, steps 3 and 4 locked for this operator
        response = client.post(at(url, 4) + "measure/", {"value": "18.0 mm"})
        body = html.unescape(response.content.decode())
        assert response.status_code == 422
        assert (
            "“18.0 mm” was not recorded: step 4 needs a valid certification or a supervisor override first. "
            "Enter the reading again once the step is open."
        ) in body
        assert 'data-testid="gate"' in body and not Measurement.objects.exists()
        # Ahead of the open step 1 but before the gate: taken, as on any step the operator can work.
        assert client.post(at(url, 2) + "measure/", {"value": "26"}).status_code == 200
        CertificationOverride.objects.create(
            execution=Execution.objects.get(),
            operator=plant.expired,
            supervisor=plant.supervisor,
            reason="watched",
        )
        assert client.post(at(url, 4) + "measure/", {"value": "18.0 mm"}).status_code == 200
        assert [m.step.order for m in Measurement.objects.order_by("pk")] == [2, 4]

    def test_the_reading_gate_is_kept_by_the_domain_whatever_calls_it(self, plant):
        from instructions.models import Measurement
        from instructions.readings import measurement_record
        from instructions.runs import StationError

        client = station_client(plant.station, plant.uncertified)
        start(client, "WO-1-10")
        execution = Execution.objects.get()
        gated = execution.version.steps.get(order=4)
        gated.__class__.objects.filter(pk=gated.pk).update(check_kind="dimension", spec_upper="18.1")
        gated.refresh_from_db()
        with pytest.raises(StationError, match="needs a valid certification or a supervisor override first"):
            measurement_record(
                execution=execution, step=gated, raw="18", employee=plant.uncertified, station=None
            )
        assert not Measurement.objects.exists()

    def test_it_records_a_supervisor_override_and_opens_the_gate(self, plant):
        client = station_client(plant.station, plant.expired)
        url = at(start(client, "WO-1-10"), 3)
        response = client.post(
            url + "override/",
            {
                "supervisor_badge": plant.supervisor.badge_id,
                "supervisor_pin": PIN,
                "reason": "Recert booked, I watch the run",
            },
        )
        assert response.status_code == 200
        assert "Supervisor override recorded" in response.content.decode()
        override = CertificationOverride.objects.get()
        assert override.supervisor == plant.supervisor and override.operator == plant.expired
        event = AuditEvent.objects.get(action="certification.override")
        assert event.actor == plant.supervisor.user
        assert "Recert booked" in event.summary
        page = client.get(url).content.decode()
        assert 'data-testid="gate"' not in page
        rules = AdaptationLog.objects.filter(employee=plant.expired).latest("at").rules
        assert any(rule["rule"] == "safety_gate_overridden" for rule in rules)

    @pytest.mark.parametrize(
        ("badge", "pin", "message"),
        [
            ("600001", "9999", "Supervisor badge or PIN not recognised."),
            ("500002", PIN, "is not a supervisor"),
        ],
    )
    def test_it_refuses_an_override_without_a_supervisor(self, plant, badge, pin, message):
        client = station_client(plant.station, plant.expired)
        url = at(start(client, "WO-1-10"), 3)
        response = client.post(
            url + "override/", {"supervisor_badge": badge, "supervisor_pin": pin, "reason": "x"}
        )
        assert response.status_code == 422
        assert message in response.content.decode()
        assert not CertificationOverride.objects.exists()

    def test_it_warns_on_a_step_with_a_recent_defect_and_shows_its_photo(self, plant):
        step = plant.version.steps.get(order=2)
        recent = DefectReport.objects.create(
            part=plant.work_order.part, operation=plant.work_order.operation, version=plant.version, step=step,
            step_key=step.key, reported_by=plant.certified, category="torque", description="Bolt sheared at 31 N·m",
            created_at=timezone.now() - datetime.timedelta(days=2), thumbnail="defects/x.jpg", photo="defects/x.jpg",
            station=plant.station,
        )  # fmt: skip
        # The same part's defect photographed at another tablet: its text warns here, its photo is not this
        # station's to open (photos only for desk roles and the station that took them).
        elsewhere = DefectReport.objects.create(
            part=plant.work_order.part, operation=plant.work_order.operation, version=plant.version, step=step,
            step_key=step.key, reported_by=plant.certified, category="torque", description="Washer missing",
            created_at=timezone.now() - datetime.timedelta(days=1), thumbnail="defects/y.jpg", photo="defects/y.jpg",
            station=plant.other_station,
        )  # fmt: skip
        DefectReport.objects.create(
            part=plant.work_order.part, operation=plant.work_order.operation, step=step, step_key=step.key,
            reported_by=plant.certified, description="Old news", created_at=timezone.now() - datetime.timedelta(days=90),
        )  # fmt: skip
        client = station_client(plant.station, plant.expert)
        url = start(client, "WO-1-10")
        page = step_page(client, url, 2)
        assert "Recent defect on this step" in page
        assert "Bolt sheared at 31 N·m" in page
        assert f"/quality/defects/{recent.pk}/thumbnail/" in page
        assert "Washer missing" in page and f"/quality/defects/{elsewhere.pk}/" not in page
        assert "Old news" not in page
        assert "Recent defect on this step" not in step_page(client, url, 1)
        rule = next(r for r in AdaptationLog.objects.latest("at").rules if r["rule"] == "recent_defects")
        assert rule["steps"] == [2] and sorted(rule["defects"]) == sorted([recent.pk, elsewhere.pk])

    def test_it_sums_up_several_recent_defects_in_one_line_and_counts_them_all(self, plant):
        step = plant.version.steps.get(order=2)
        for hours in range(12):  # newest first: "Bolt 0 sheared" an hour ago
            DefectReport.objects.create(
                part=plant.work_order.part, operation=plant.work_order.operation, version=plant.version, step=step,
                step_key=step.key, reported_by=plant.certified, category="torque", quantity=hours + 1,
                description=f"Bolt {hours} sheared", created_at=timezone.now() - datetime.timedelta(hours=hours + 1),
            )  # fmt: skip
        client = station_client(plant.station, plant.expert)
        page = step_page(client, start(client, "WO-1-10"), 2)
        summary = page[page.index('data-testid="defects-summary"') : page.index("</summary>")]
        assert "12 recent defects on this step" in summary
        assert "Bolt 0 sheared" in summary and "Bolt 1 sheared" not in summary
        assert "Bolt 9 sheared" in page and "Bolt 10 sheared" not in page
        assert "The newest 10 are listed." in page
        rule = next(r for r in AdaptationLog.objects.latest("at").rules if r["rule"] == "recent_defects")
        assert len(rule["defects"]) == 12  # the audit names every defect warned about, listed or not

    def test_it_escapes_instruction_text(self, plant):
        from instructions.publishing import version_publish

        version_publish(
            instruction=plant.instruction,
            steps=[{"title": "<b>x</b>", "text": "<script>alert('x')</script>"}],
            change_note="test",
            published_by=None,
            base_version=plant.version,
        )
        client = station_client(plant.station, plant.expert)
        page = client.get(start(client, "WO-1-10")).content.decode()
        assert "<script>alert('x')</script>" not in page
        assert "&lt;script&gt;" in page

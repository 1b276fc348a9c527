"""Sync from the fake Plex: fills an empty database the station flow can use, idempotently, and survives
malformed payloads and outages without leaving half-applied data."""

import copy
from decimal import Decimal

import pytest
from django.utils import timezone

from instructions.models import Measurement, Operation, Part, Station, WorkCenter, WorkInstruction, WorkOrder
from plex.freshness import plex_last_sync
from plex.models import (
    LaborEntry,
    PartSpecification,
    PlexRecord,
    StepSpecLink,
    SyncError,
    SyncRunStatus,
    SyncState,
    WorkCenterStatus,
)
from plex.sync import plex_sync
from plexcopilot.models import AuditEvent, Employee
from tests.actors import PIN, at, start, station_client

pytestmark = pytest.mark.django_db

TABLES = [
    Part,
    Operation,
    WorkCenter,
    WorkOrder,
    Employee,
    WorkInstruction,
    PartSpecification,
    LaborEntry,
    StepSpecLink,
]


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in TABLES}


def test_it_fills_an_empty_database_from_plex(client):
    assert sum(counts().values()) == 0
    run = plex_sync(client=client)
    assert run.status == SyncRunStatus.OK, list(run.errors.values_list("message", flat=True))
    assert counts() == {
        "Part": 2, "Operation": 4, "WorkCenter": 3, "WorkOrder": 6, "Employee": 4, "WorkInstruction": 4,
        "PartSpecification": 4, "LaborEntry": 3, "StepSpecLink": 8,
    }  # fmt: skip
    order = WorkOrder.objects.get(barcode="J-24017-10")
    assert order.part.number == "LS-4410" and order.operation.work_center.code == "PRS-250"
    assert (
        order.quantity == 500 and str(order.due_date) == "2026-11-27"
    )  # midnight UTC is the 27th in Detroit
    assert order.plex_job_id and order.operation.plex_operation_id
    spec = PartSpecification.objects.get(number="S-01", part__number="LS-4410")
    assert (str(spec.lower), str(spec.upper), spec.unit) == ("8.4000", "8.6000", "mm")
    lena = Employee.objects.get(badge_id="410001")
    assert lena.full_name == "Lena Kowalski" and not lena.check_pin("")
    assert WorkCenterStatus.objects.get(work_center__code="PRS-250").status == "Running"
    assert plex_last_sync() == run.started_at
    assert AuditEvent.objects.filter(action="plex.sync").count() == 1


def test_it_makes_synced_work_orders_workable_at_a_station(client, plex_admin):
    plex_sync(client=client, actor=plex_admin)
    # Local set-up Plex cannot provide: the tablet at the press, and Lena's PIN.
    Station.objects.create(
        code="ST-PRS-250", name="Press tablet", work_center=WorkCenter.objects.get(code="PRS-250")
    )
    lena = Employee.objects.get(badge_id="410001")
    lena.set_pin(PIN)
    lena.save()
    tablet = station_client(Station.objects.get(), lena)
    url = start(tablet, "J-24017-10")
    tablet.post(url + "done/")
    response = tablet.post(at(url, 2) + "measure/", {"value": "8.52"})
    assert "8.52 mm is within spec (8.4–8.6 mm)" in response.content.decode()
    assert Measurement.objects.get().in_spec


def test_it_creates_no_duplicates_when_the_same_data_is_replayed(client):
    plex_sync(client=client)
    before = counts()
    second = plex_sync(client=client)
    third = plex_sync(client=client)
    assert counts() == before
    assert second.status == third.status == SyncRunStatus.OK
    assert (
        third.calls == 14
    )  # the lists and statuses (and one BOM list per part); unchanged jobs' operations are not fetched again
    assert all(c.get("changed", 0) == 0 for name, c in third.counts.items() if name != "workcenter_status")


def test_it_updates_records_in_place_when_plex_changes_them(client, fake_plex):
    plex_sync(client=client)
    fake_plex.data.parts[0]["name"] = "Seat track bracket, LH"
    fake_plex.data.employees[1]["status"] = "Inactive"
    plex_sync(client=client)
    assert Part.objects.get(number="LS-4410").name == "Seat track bracket, LH"
    assert Employee.objects.get(badge_id="410002").active is False
    assert Part.objects.count() == 2 and Employee.objects.count() == 4


def test_a_changed_work_center_status_is_announced_to_planning_after_the_sync_commits(
    client, fake_plex, django_capture_on_commit_callbacks
):
    from planning.models import Downtime
    from planning.triggers import on_work_center_status

    def announced(callbacks):
        return [c.keywords["status"] for c in callbacks if getattr(c, "func", None) is on_work_center_status]

    press_id = next(
        wc["workcenterId"] for wc in fake_plex.data.workcenters if wc["workcenterCode"] == "PRS-250"
    )
    with django_capture_on_commit_callbacks(execute=True) as first:
        plex_sync(client=client)  # all three "Running": announced, no downtime
    assert announced(first) == ["Running"] * 3 and not Downtime.objects.exists()
    fake_plex.data.setups[press_id]["statusDescription"] = "Down"
    with django_capture_on_commit_callbacks(execute=True):
        plex_sync(client=client)
    down = Downtime.objects.get()
    assert down.work_center.code == "PRS-250" and down.kind == "down" and down.end > down.start
    assert "Plex work-center status: Down" in down.note
    with django_capture_on_commit_callbacks(execute=True) as unchanged:
        plex_sync(client=client)  # still Down: nothing new to say
    assert announced(unchanged) == [] and Downtime.objects.count() == 1
    fake_plex.data.setups[press_id]["statusDescription"] = "Running"
    with django_capture_on_commit_callbacks(execute=True):
        plex_sync(client=client)
    down.refresh_from_db()
    assert down.end <= timezone.now()  # the line runs again: the window is closed


def test_it_adopts_local_rows_with_the_same_natural_key_instead_of_duplicating(client):
    WorkCenter.objects.create(code="PRS-250", name="Press (typed in by hand)")
    plex_sync(client=client)
    center = WorkCenter.objects.get(code="PRS-250")
    assert center.plex_workcenter_id and center.name == "250 t press"
    assert WorkCenter.objects.count() == 3


def test_it_skips_and_reports_malformed_records_and_keeps_the_rest(client, fake_plex):
    data = fake_plex.data
    data.parts.append({"id": "p-bad", "name": "No number"})  # missing field
    data.employees.append(
        {"id": "e-bad", "badgeNumber": 410777, "firstName": "Num", "lastName": "Badge"}
    )  # wrong type
    data.part_specifications.append(
        {"id": "s-bad", "partId": data.parts[0]["id"], "toleranceType": {"target": "8.5"}}
    )
    data.jobs.append("not an object")
    job_op = copy.deepcopy(data.job_operations[data.jobs[0]["id"]][0])
    job_op.update(jobOperationId="jo-bad", quantity=-5, jobOperationNumber=40)
    data.job_operations[data.jobs[0]["id"]].append(job_op)
    data.labor_entries.append({"employeeId": "x", "beginTime": "yesterday"})

    run = plex_sync(client=client)

    assert run.status == SyncRunStatus.PARTIAL
    problems = {(e.resource, e.message) for e in SyncError.objects.all()}
    assert ("part", "number is missing") in problems
    assert ("employee", "badgeNumber should be text, got int") in problems
    assert ("part-specification", "target should be a number, got '8.5'") in problems
    assert ("job", "expected an object, got str") in problems
    assert ("job-operation", "quantity is missing or negative") in problems
    assert any(r == "labor-entry" and "not a Plex timestamp" in m for r, m in problems)
    assert Part.objects.count() == 2 and Employee.objects.count() == 4 and WorkOrder.objects.count() == 6
    assert SyncError.objects.get(plex_id="p-bad").payload == {"id": "p-bad", "name": "No number"}
    # A record that stays bad is reported once, not once per run.
    plex_sync(client=client)
    assert SyncError.objects.filter(plex_id="p-bad").count() == 1


def test_it_reports_a_resource_that_is_not_a_list(client, fake_plex):
    fake_plex.data.control_plans = {"unexpected": "shape"}  # type: ignore[assignment]
    run = plex_sync(client=client)
    assert run.status == SyncRunStatus.PARTIAL
    assert SyncError.objects.get(resource="control_plans").message.startswith(
        "Malformed: control_plans: expected a JSON list"
    )
    assert Part.objects.count() == 2


def test_it_leaves_local_data_consistent_when_plex_goes_down_midway(client, fake_plex):
    plex_sync(client=client)
    fake_plex.data.parts[0]["name"] = "Renamed in Plex"
    new_job = copy.deepcopy(fake_plex.data.jobs[0])
    new_job.update(id="job-new", jobNumber="J-24020")
    fake_plex.data.jobs.append(new_job)
    fake_plex.data.job_operations["job-new"] = [
        dict(op, jobId="job-new", jobNumber="J-24020", jobOperationId=f"jo-new-{op['jobOperationNumber']}")
        for op in fake_plex.data.job_operations[fake_plex.data.jobs[0]["id"]]
    ]
    before = counts()
    calls_before_jobs = []

    original = client.get

    def get_then_fail(path, params=None):
        if path.startswith("scheduling/v1/jobs/job-new"):
            fake_plex.mode = "outage"  # Plex dies between the job list and the job's operations
            calls_before_jobs.append(path)
        return original(path, params=params)

    client.get = get_then_fail
    run = plex_sync(client=client)

    assert run.status == SyncRunStatus.FAILED
    assert calls_before_jobs
    assert (
        Part.objects.get(pk=Part.objects.get(number="LS-4410").pk).name == "Renamed in Plex"
    )  # applied before
    assert counts() == before  # the half-fetched jobs changed nothing
    assert not WorkOrder.objects.filter(number="J-24020").exists()
    assert "unavailable" in SyncState.objects.get(resource="jobs").last_error
    assert SyncState.objects.get(resource="labor_entries").last_error.startswith("not attempted")

    fake_plex.mode = "ok"
    client.get = original
    assert plex_sync(client=client).status == SyncRunStatus.OK
    assert WorkOrder.objects.filter(number="J-24020").count() == 2


def test_it_stops_and_reports_when_the_api_key_is_refused(client, fake_plex):
    fake_plex.mode = "unauthorized"
    run = plex_sync(client=client)
    assert run.status == SyncRunStatus.FAILED
    assert "PlexAuthError" in SyncError.objects.get().message
    assert run.calls == 1
    assert plex_last_sync() is None


def test_it_never_rewrites_an_existing_instruction(client, plex_admin):
    plex_sync(client=client, actor=plex_admin)
    instruction = WorkInstruction.objects.get(operation__sequence=10, part__number="LS-4410")
    version = instruction.current_version
    PlexRecord.objects.all().delete()  # force every record to be applied again
    plex_sync(client=client)
    instruction.refresh_from_db()
    assert instruction.current_version == version and instruction.versions.count() == 1


def test_it_reports_plex_limits_that_moved_away_from_a_published_step(client, fake_plex, plex_admin):
    plex_sync(client=client, actor=plex_admin)
    fake_plex.data.part_specifications[0]["toleranceType"]["targetPlus"] = 0.2
    run = plex_sync(client=client)
    assert run.status == SyncRunStatus.PARTIAL
    drift = SyncError.objects.filter(resource="spec-drift")
    assert drift.count() == 2  # the spec is checked in both LS-4410 operations' baselines
    assert "are now 8.4–8.7 mm" in drift.first().message
    assert "still checks 8.4–8.6" in drift.first().message
    spec = PartSpecification.objects.get(plex_id=fake_plex.data.part_specifications[0]["id"])
    assert spec.upper == spec.nominal + Decimal("0.2")  # the cache follows Plex; the step waits for approval


def test_it_reports_a_lasting_outage_once(client, fake_plex):
    fake_plex.mode = "outage"
    runs = [plex_sync(client=client) for _ in range(3)]
    assert {run.status for run in runs} == {SyncRunStatus.FAILED}
    problem = SyncError.objects.get()
    assert problem.resource == "workcenters" and problem.run == runs[-1]


def test_the_first_sync_releases_baselines_only_under_the_admins_system_import_signature(client, plex_admin):
    from plexcopilot.models import AuditEvent

    plex_sync(client=client)  # the background sync: nobody to sign
    assert WorkInstruction.objects.count() == 4
    assert not WorkInstruction.objects.filter(current_version__isnull=False).exists()
    assert AuditEvent.objects.filter(action="instructions.baseline_awaiting_approval").count() == 4
    plex_sync(client=client, actor=plex_admin)  # the admin runs it: released, each under a signature
    for instruction in WorkInstruction.objects.all():
        version = instruction.current_version
        assert version is not None and version.published_by == plex_admin
        signed = AuditEvent.objects.get(action="instructions.system_import_signed", object_id=str(version.pk))
        assert signed.actor == plex_admin and "Ada Admin (admin)" in signed.summary
        assert (
            signed.data["content_hash"] == version.content_hash and signed.data["method"] == "system_import"
        )


def test_only_an_admin_may_sign_the_baselines(client, plant):
    with pytest.raises(PermissionError):
        plex_sync(client=client, actor=plant.supervisor.user)

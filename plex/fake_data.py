"""The fake Plex tenant: Lakeside Stamping's records as Plex Connect returns them (camelCase JSON), with stable
ids, served by `plex.fake_server.FakePlex` for tests and the demo."""

import uuid
from dataclasses import dataclass, field
from typing import Any

NAMESPACE = uuid.UUID("0b7e1c52-6a43-4b7e-9d1e-5c0ad3f1e001")


def fake_id(*parts: object) -> str:
    """Stable UUIDs, so a replayed seed produces the same Plex ids."""
    return str(uuid.uuid5(NAMESPACE, "/".join(str(p) for p in parts)))


def _ts(day: int, hour: int = 6, minute: int = 0) -> str:
    return f"2026-11-{day:02d}T{hour:02d}:{minute:02d}:00.0000000Z"


@dataclass
class FakePlexData:
    """The tenant's records, as Plex returns them (camelCase JSON)."""

    workcenters: list[dict[str, Any]] = field(default_factory=list)
    setups: dict[str, dict[str, Any]] = field(default_factory=dict)
    employees: list[dict[str, Any]] = field(default_factory=list)
    parts: list[dict[str, Any]] = field(default_factory=list)
    part_operations: list[dict[str, Any]] = field(default_factory=list)
    jobs: list[dict[str, Any]] = field(default_factory=list)
    job_operations: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    part_specifications: list[dict[str, Any]] = field(default_factory=list)
    control_plans: list[dict[str, Any]] = field(default_factory=list)
    labor_entries: list[dict[str, Any]] = field(default_factory=list)
    time_clock_entries: list[dict[str, Any]] = field(default_factory=list)
    boms: list[dict[str, Any]] = field(default_factory=list)
    containers: list[dict[str, Any]] = field(default_factory=list)
    inventory_locations: list[dict[str, Any]] = field(default_factory=list)
    # The tenant's work-center statuses (workcenterStatusId → description) a status change may set.
    workcenter_statuses: dict[str, str] = field(default_factory=dict)


def seed_plant() -> FakePlexData:
    """Lakeside Stamping: a small but complete tenant (3 work centers, 2 parts, 3 jobs, specs, labor)."""
    data = FakePlexData()
    data.workcenter_statuses = {
        fake_id("status", name): name for name in ("Running", "Andon", "Down", "Setup")
    }
    centers = [
        ("PRS-250", "250 t press", "Press"),
        ("WLD-07", "Robot weld cell 7", "Weld"),
        ("CMM-01", "CMM inspection", "Inspection"),
    ]
    for code, name, kind in centers:
        wc_id = fake_id("workcenter", code)
        data.workcenters.append(
            {
                "workcenterId": wc_id,
                "workcenterCode": code,
                "name": name,
                "workcenterType": kind,
                "workcenterGroup": "Plant 1",
                "buildingId": fake_id("building", "B1"),
                "buildingCode": "B1",
                "tankSilo": False,
                "productionLineId": fake_id("line", "L1"),
                "ipAddress": "",
                "plcName": "",
            }
        )
        data.setups[wc_id] = {
            "id": wc_id,
            "code": code,
            "name": name,
            "type": kind,
            "statusId": fake_id("status", "Running"),
            "statusDescription": "Running",
            "jobId": None,
            "jobNumber": None,
            "jobOperationId": None,
            "operationNumber": None,
            "operationCode": None,
            "jobOperationQuantity": None,
            "lotId": None,
            "productionLineId": fake_id("line", "L1"),
            "batches": [],
            "operators": [],
        }
    people = [
        ("410001", "Lena", "Kowalski", "Press operator", "1"),
        ("410002", "Tomás", "Rivera", "Press operator", "1"),
        ("410003", "Mai", "Nguyen", "Welder", "2"),
        ("410009", "Grace", "Okafor", "Supervisor", "1"),
    ]
    for badge, first, last, position, shift in people:
        data.employees.append(
            {
                "id": fake_id("employee", badge),
                "badgeNumber": badge,
                "userId": f"{first[0].lower()}{last.lower()}",
                "firstName": first,
                "middleName": "",
                "lastName": last,
                "supervisorId": fake_id("employee", "410009") if badge != "410009" else None,
                "status": "Active",
                "position": position,
                "shift": shift,
                "building": "B1",
                "type": "Full-Time",
                "department": "Production",
                "email": f"{first.lower()}@lakeside.example",
                "workPhone": "",
                "workExtension": "",
                "homePhone": "",
                "mobilePhone": "",
            }
        )
    parts = [
        (
            "LS-4410",
            "C",
            "Seat track bracket",
            [(10, "Blank & pierce", "PRS-250"), (20, "Weld nut", "WLD-07")],
        ),
        ("LS-5120", "A", "Hinge reinforcement", [(10, "Form", "PRS-250"), (30, "CMM check", "CMM-01")]),
    ]
    for number, revision, name, ops in parts:
        part_id = fake_id("part", number, revision)
        data.parts.append(
            {
                "id": part_id,
                "number": number,
                "name": name,
                "revision": revision,
                "description": f"{name}, HSLA 340, 2.0 mm",
                "type": "Production",
                "group": "Stampings",
                "source": "Manufactured",
                "productType": "Component",
                "status": "Production",
                "note": "",
                "leadTimeDays": 5.0,
                "buildingCode": "B1",
                "createdById": fake_id("account", "eng"),
                "createdDate": _ts(1),
                "modifiedById": fake_id("account", "eng"),
                "modifiedDate": _ts(15),
                "allergens": [],
            }
        )
        for seq, _op_name, _wc in ops:
            data.part_operations.append(
                {
                    "id": fake_id("part-operation", number, seq),
                    "partId": part_id,
                    "operationId": fake_id("operation", _op_name),
                    "type": "Standard",
                    "operationNumber": seq,
                    "active": True,
                    "subOperation": False,
                    "shippable": seq == ops[-1][0],
                    "multiple": 1,
                    "netWeight": 0.42,
                }
            )
    specs = [
        ("LS-4410", "C", "S-01", "Pierce hole diameter", 8.5, 0.1, 0.1, "mm"),
        ("LS-4410", "C", "S-02", "Flange height", 22.0, 0.3, 0.3, "mm"),
        ("LS-4410", "C", "S-03", "Weld nut push-out", None, None, None, "kN"),
        ("LS-5120", "A", "S-01", "Hinge hole true position", 0.0, 0.25, 0.0, "mm"),
    ]
    for number, revision, spec_no, description, target, plus, minus, unit in specs:
        tolerance: dict[str, Any] = {
            "name": "Two Sided",
            "attribute": False,
            "target": target,
            "targetPlus": plus,
            "targetMinus": minus,
            "decimalPrecision": 2,
            "unit": unit,
            "oneSidedMinimum": None,
            "oneSidedMaximum": None,
            "measurementText": "",
            "compareValue": "",
            "referenceDisplayPopup": False,
            "referencePopupMessage": "",
            "bonusTolerances": [],
        }
        if target is None:
            tolerance.update(name="One Sided Minimum", oneSidedMinimum=4.0)
        data.part_specifications.append(
            {
                "id": fake_id("spec", number, spec_no),
                "partId": fake_id("part", number, revision),
                "partNumber": number,
                "partRevision": revision,
                "specificationNumber": spec_no,
                "description": description,
                "formula": "",
                "formulaType": "",
                "defaultGageType": "Caliper",
                "plcName": "",
                "specialSymbol": "",
                "customerSpecified": spec_no == "S-01",
                "toleranceType": tolerance,
                "note": description,
                "functionRequirementType": "",
                "specificationDimensionType": "",
                "updatedDateTime": _ts(14),
            }
        )
    for number, revision, _name, _ops in parts:
        data.control_plans.append(
            {
                "id": fake_id("control-plan", number),
                "buildingCode": "B1",
                "buildingId": fake_id("building", "B1"),
                "controlPlanNo": float(len(data.control_plans) + 101),
                "controlPlanStatus": "Active",
                "controlPlanType": "Production",
                "description": f"{number} rev {revision} production control plan",
                "externalDocumentId": "",
                "externalDocumentRevisionLevel": "",
                "originalDate": _ts(2),
            }
        )
    jobs = [
        ("J-24017", "LS-4410", "C", 500, 28),
        ("J-24018", "LS-5120", "A", 240, 29),
        ("J-24019", "LS-4410", "C", 800, 30),
    ]
    for job_no, number, revision, qty, due in jobs:
        job_id = fake_id("job", job_no)
        data.jobs.append(
            {
                "id": job_id,
                "externalJobCode": "",
                "jobNumber": job_no,
                "createdDate": _ts(18),
                "partId": fake_id("part", number, revision),
                "partNumber": number,
                "partRevision": revision,
                "partNumberRevision": f"{number}-{revision}",
                "dueDate": _ts(due, 0),
                "completedDate": None,
                "quantity": float(qty),
                "quantityCompleted": 0.0,
                "jobStatus": "Scheduled",
                "buildingId": fake_id("building", "B1"),
                "buildingCode": "B1",
                "jobType": "Production",
                "earliestStartDateTime": _ts(20),
                "priority": "Normal",
            }
        )
        ops = next(p[3] for p in parts if p[0] == number)
        data.job_operations[job_id] = [
            {
                "jobId": job_id,
                "jobNumber": job_no,
                "partId": fake_id("part", number, revision),
                "partNumber": number,
                "partRevision": revision,
                "partNumberRevision": f"{number}-{revision}",
                "jobOperationId": fake_id("job-operation", job_no, seq),
                "jobOperationNumber": seq,
                "operationCode": op_name,
                "workcenterId": fake_id("workcenter", wc),
                "workcenterCode": wc,
                "quantity": float(qty),
                "quantityCompleted": 0.0,
                "dueDate": _ts(due, 0),
                "scheduledStartDate": _ts(21),
                "completedDate": None,
                "jobOperationStatus": "Scheduled",
                "setupTime": 0.5,
                "rate": 120.0,
                "unitOfMeasure": "pcs/hr",
                "runTime": qty / 120.0,
                "batchCriteria": "",
                "partOperationType": "Standard",
                "batchOperation": False,
                "preProcessOperation": False,
            }
            for seq, op_name, wc in ops
        ]
    for index, (badge, wc, minutes) in enumerate(
        [("410001", "PRS-250", 240), ("410002", "PRS-250", 180), ("410003", "WLD-07", 300)]
    ):
        person = next(p for p in people if p[0] == badge)
        data.labor_entries.append(
            {
                "employee": f"{person[2]}, {person[1]} (Production)",
                "employeeId": fake_id("employee", badge),
                "accountId": fake_id("account", badge),
                "costActivity": "Production",
                "workcenterId": fake_id("workcenter", wc),
                "workcenterCode": wc,
                "jobId": fake_id("job", "J-24017"),
                "jobCode": "J-24017",
                "partId": fake_id("part", "LS-4410", "C"),
                "partNumber": "LS-4410",
                "revision": "C",
                "partNumberRevision": "LS-4410-C",
                "partOperationId": fake_id("part-operation", "LS-4410", 10),
                "operationNumber": 10,
                "operationCode": "Blank & pierce",
                "beginTime": _ts(20, 6 + index),
                "endTime": _ts(20, 6 + index + minutes // 60),
                "duration": minutes,
            }
        )
    _seed_materials(data)
    return data


def _seed_materials(data: FakePlexData) -> None:
    """BOM components (engineering/v1/boms), line-side locations and containers (inventory/v1) for LS-4410."""
    data.inventory_locations.append(
        {
            "id": fake_id("location", "LS-PRS-250"),
            "location": "LS-PRS-250",
            "locationType": "Line side",
            "building": "B1",
            "active": True,
        }  # fmt: skip
    )
    components = [("CL-340-2", "HSLA 340 coil 2.0 mm", "kg", 1.8), ("NUT-M8", "M8 weld nut", "ea", 1.0)]
    # Purchased components are not in mdm/v1/parts here (the sync would make floor parts of them).
    for number, _name, unit, per in components:
        data.boms.append(
            {
                "id": fake_id("bom", "LS-4410", number),
                "partId": fake_id("part", "LS-4410", "C"),
                "partNumber": "LS-4410",
                "partRevision": "C",
                "partOperationId": fake_id(
                    "part-operation", "LS-4410", 10 if number.startswith("CL") else 20
                ),
                "partOperationNumber": 10 if number.startswith("CL") else 20,
                "componentPartId": fake_id("part", number, ""),
                "componentPartNumber": number,
                "componentPartRevision": "",
                "componentUnitOfMeasure": unit,
                "quantity": per,
                "active": True,
            }
        )
    data.containers.append(
        {
            "serialNo": "S0012345",
            "partId": fake_id("part", "CL-340-2", ""),
            "partNo": "CL-340-2",
            "containerStatus": "OK",
            "locationId": fake_id("location", "LS-PRS-250"),
            "location": "LS-PRS-250",
            "quantity": 1250.0,
            "quantityInventoryUnit": "kg",
            "lotNo": "H24-0871",
            "updateDateTime": _ts(20, 5),
        }
    )

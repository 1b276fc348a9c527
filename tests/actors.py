"""The people and things tests act with, built in one place."""

import datetime
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone

from instructions.models import (
    InstructionVersion,
    Operation,
    Part,
    Station,
    WorkCenter,
    WorkInstruction,
    WorkOrder,
)
from instructions.publishing import version_publish
from labor.models import EmployeeCertification
from planning.models import PlanJob
from plexcopilot.models import CertificationType, Employee

PIN = "2468"

STEPS = [
    {"title": "Check the die set", "text": "Confirm die D-40 is loaded.", "caution": "Keep hands clear."},
    {
        "title": "Torque the clamp bolts",
        "text": "Torque the four clamp bolts to 26 N·m (24–28 N·m).",
        "caution": "Use the calibrated wrench only.",
        "why": "Loose clamps let the die shift and crack the part.",
        "critical": True,
        "check_kind": "torque",
        "spec_nominal": "26",
        "spec_lower": "24",
        "spec_upper": "28",
        "spec_unit": "N·m",
    },
    {
        "title": "Reset the light curtain",
        "text": "Reset the light curtain and test it with the test rod.",
        "caution": "Never bypass the light curtain.",
        "why": "The curtain is the only guard at the die opening.",
        "safety_critical": True,
    },
    {"title": "Run the first piece", "text": "Cycle once and set the first piece aside for inspection."},
]


@dataclass
class Plant:
    station: Station
    other_station: Station
    work_order: WorkOrder
    instruction: WorkInstruction
    version: InstructionVersion
    trainee: Employee
    certified: Employee
    expert: Employee
    expired: Employee
    uncertified: Employee
    supervisor: Employee
    quality: Employee


def make_employee(
    badge: str, role: str = "operator", *, language: str = "en", first: str = "Test"
) -> Employee:
    user = get_user_model().objects.create_user(
        username=badge, first_name=first, last_name=badge, password="desk-pass-123"
    )
    employee = Employee(
        user=user, badge_id=badge, first_name=first, last_name=badge, role=role, language=language
    )
    employee.set_pin(PIN)
    employee.save()
    return employee


def certify(employee: Employee, cert: CertificationType, level: str, days: int) -> None:
    EmployeeCertification.objects.create(
        employee=employee,
        certification_type=cert,
        level=level,
        valid_until=timezone.localdate() + datetime.timedelta(days=days),
    )


def build_plant() -> Plant:
    press = WorkCenter.objects.create(code="PRS-T1", name="Test press", area="Stamping")
    weld = WorkCenter.objects.create(code="WLD-T1", name="Test welder", area="Welding")
    cert = CertificationType.objects.create(code="PRESS-T", name="Test press operation")
    part = Part.objects.create(number="TP-100", revision="A", name="Test bracket")
    operation = Operation.objects.create(
        part=part, sequence=10, name="Stamp", work_center=press, required_certification=cert
    )
    Operation.objects.create(part=part, sequence=20, name="Weld", work_center=weld)
    station = Station.objects.create(code="ST-T1", name="Press tablet", work_center=press)
    other = Station.objects.create(code="ST-T2", name="Weld tablet", work_center=weld)
    work_order = WorkOrder.objects.create(
        number="WO-1", barcode="WO-1-10", part=part, operation=operation, quantity=100
    )
    instruction = WorkInstruction.objects.create(part=part, operation=operation, title="Stamp test bracket")
    version = version_publish(
        instruction=instruction, steps=STEPS, change_note="Initial", published_by=None, base_version=None
    )
    trainee, certified, expert = make_employee("500001"), make_employee("500002"), make_employee("500003")
    expired, uncertified = make_employee("500004"), make_employee("500005")
    certify(trainee, cert, "trainee", 100)
    certify(certified, cert, "certified", 100)
    certify(expert, cert, "expert", 100)
    certify(expired, cert, "certified", -3)
    return Plant(
        station=station,
        other_station=other,
        work_order=work_order,
        instruction=instruction,
        version=version,
        trainee=trainee,
        certified=certified,
        expert=expert,
        expired=expired,
        uncertified=uncertified,
        supervisor=make_employee("600001", "supervisor", first="Sue"),
        quality=make_employee("700001", "quality", first="Quinn"),
    )


def desk_login(client: Client, username: str, password: str) -> bool:
    """Sign in at the desk sign-in form, as a person does: through django-axes's backend, which refuses
    `Client.login()` (it passes no request)."""
    response = client.post("/accounts/login/", {"username": username, "password": password})
    return response.status_code == 302 and "_auth_user_id" in client.session


def station_client(station: Station, employee: Employee, pin: str = PIN) -> Client:
    """A tablet browser signed in at `station` as `employee`."""
    client = Client()
    response = client.post(f"/station/{station.code}/", {"badge": employee.badge_id, "pin": pin})
    assert response.status_code == 302, response.content[:500]
    return client


def start(client: Client, barcode: str) -> str:
    """Scan a work order; returns the step page URL it opens."""
    response = client.post("/station/scan/", {"code": barcode})
    assert response.status_code == 302, response.content[:800]
    return response["Location"]


def at(url: str, order: int) -> str:
    """The step page URL for `order` in the same run as `url`."""
    return url[: url.rstrip("/").rfind("/") + 1] + f"{order}/"


def one_operator_press(*, jobs: int = 2) -> Employee:
    """A press whose certification (PRESS-X) one person holds: Ana Only, day shift A; `jobs` press jobs of
    60 minutes on PRS-X, due in three days. Without her, no one on any shift can run them."""
    press = CertificationType.objects.create(code="PRESS-X", name="Press")
    ana = make_employee("710001", first="Ana")
    ana.last_name, ana.shift = "Only", "A"
    ana.save()
    certify(ana, press, "certified", days=90)
    wc = WorkCenter.objects.create(code="PRS-X", name="Press X")
    part = Part.objects.create(number="P-BRK", revision="A", name="Bracket")
    Operation.objects.create(
        part=part, sequence=10, name="Press", work_center=wc, required_certification=press
    )
    for n in range(1, jobs + 1):
        due = timezone.now() + datetime.timedelta(days=3)
        PlanJob.objects.create(number=f"J-{n}", part=part, quantity=60, due=due)
    return ana

"""The demo plant: Northfield Components — Plant 2, read from demo/plant.toml. Loading is idempotent."""

import datetime
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from instructions.media_demo import demo_step_media
from instructions.models import Operation, Part, Station, WorkCenter, WorkInstruction, WorkOrder
from instructions.publishing import version_publish
from labor.models import CertificationType, EmployeeCertification
from plexcopilot.models import Employee
from plexcopilot.roles import ADMIN

DEMO_FILE = settings.BASE_DIR / "demo" / "plant.toml"
DESK_PASSWORD = "northfield-demo"  # desk sign-in for supervisors, quality and admin in the demo only

#: Loaders of the demo file's sections that belong to apps above instructions (quality: [[defects]]), registered
#: in their AppConfig.ready(). Each is called as loader(data=, parts=, operations=, instructions=, employees=)
#: inside the plant's transaction and returns its counts.
_section_loaders: list[Callable[..., dict[str, int]]] = []


def demo_section_register(loader: Callable[..., dict[str, int]]) -> None:
    if loader not in _section_loaders:
        _section_loaders.append(loader)


def demo_plant_load(*, path: Path = DEMO_FILE) -> dict[str, int]:
    """Create or refresh the demo plant; returns counts. Published versions are never rewritten."""
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    today = timezone.localdate()
    with transaction.atomic():
        centers = {
            wc["code"]: WorkCenter.objects.update_or_create(
                code=wc["code"], defaults={"name": wc["name"], "area": wc.get("area", "")}
            )[0]
            for wc in data["work_centers"]
        }
        cert_types = {
            ct["code"]: CertificationType.objects.update_or_create(
                code=ct["code"], defaults={"name": ct["name"], "validity_days": ct.get("validity_days", 365)}
            )[0]
            for ct in data["certification_types"]
        }
        parts = {
            p["number"]: Part.objects.update_or_create(
                number=p["number"],
                revision=p["revision"],
                defaults={"name": p["name"], "description": p.get("description", "")},
            )[0]
            for p in data["parts"]
        }
        operations = {}
        for op in data["operations"]:
            operations[(op["part"], op["sequence"])] = Operation.objects.update_or_create(
                part=parts[op["part"]],
                sequence=op["sequence"],
                defaults={
                    "name": op["name"],
                    "work_center": centers[op["work_center"]],
                    "required_certification": cert_types.get(op.get("required_certification", "")),
                },
            )[0]
        employees = {e["badge"]: _employee(e, cert_types, today) for e in data["employees"]}
        admin_user = next((e.user for e in employees.values() if e.role == ADMIN), None)
        for st in data["stations"]:
            Station.objects.update_or_create(
                code=st["code"], defaults={"name": st["name"], "work_center": centers[st["work_center"]]}
            )
        instructions = {}
        for ins in data["instructions"]:
            operation = operations[(ins["part"], ins["operation"])]
            instruction, _ = WorkInstruction.objects.get_or_create(
                part=parts[ins["part"]], operation=operation, defaults={"title": ins["title"]}
            )
            if instruction.current_version_id is None:
                version_publish(
                    instruction=instruction,
                    steps=[
                        _step(s) | demo_step_media(s, instruction=instruction, user=admin_user)
                        for s in ins["steps"]
                    ],
                    change_note=ins.get("change_note", "Initial release"),
                    published_by=admin_user,
                    base_version=None,
                )
            instructions[(ins["part"], ins["operation"])] = instruction
        for wo in data["work_orders"]:
            WorkOrder.objects.update_or_create(
                barcode=wo["barcode"],
                defaults={
                    "number": wo["number"],
                    "part": parts[wo["part"]],
                    "operation": operations[(wo["part"], wo["operation"])],
                    "quantity": wo["quantity"],
                    "status": wo.get("status", "released"),
                    "due_date": today + datetime.timedelta(days=wo.get("due_in_days", 0)),
                },
            )
        sections: dict[str, int] = {}
        for loader in _section_loaders:
            sections.update(loader(data=data, parts=parts, operations=operations, instructions=instructions,
                                   employees=employees))  # fmt: skip
    return {
        "work_centers": len(centers),
        "parts": len(parts),
        "operations": len(operations),
        "instructions": len(instructions),
        "employees": len(employees),
        "work_orders": len(data["work_orders"]),
        **sections,
    }


def _employee(e: dict[str, Any], cert_types: dict[str, CertificationType], today: datetime.date) -> Employee:
    user_model = get_user_model()
    user, created = user_model.objects.get_or_create(
        username=e["badge"], defaults={"first_name": e["first_name"], "last_name": e["last_name"]}
    )
    if created:
        if e["role"] == "operator":
            user.set_unusable_password()
        else:
            user.set_password(DESK_PASSWORD)
        user.is_staff = user.is_superuser = e["role"] == ADMIN
        user.save()
    employee = Employee.objects.filter(badge_id=e["badge"]).first()
    if employee is None:
        employee = Employee(badge_id=e["badge"], user=user)
        employee.set_pin(e["pin"])
    employee.first_name, employee.last_name = e["first_name"], e["last_name"]
    employee.language, employee.role, employee.shift = e["language"], e["role"], e.get("shift", "")
    employee.save()
    for cert in e.get("certifications", []):
        valid_until = today + datetime.timedelta(days=cert["valid_for_days"])
        cert_type = cert_types[cert["type"]]
        EmployeeCertification.objects.update_or_create(
            employee=employee,
            certification_type=cert_type,
            defaults={
                "level": cert["level"],
                "valid_until": valid_until,
                "granted_on": valid_until - datetime.timedelta(days=cert_type.validity_days),
            },
        )
    return employee


def _step(s: dict[str, Any]) -> dict[str, Any]:
    spec = s.get("spec") or {}
    return {
        "title": s["title"],
        "text": s["text"],
        "caution": s.get("caution", ""),
        "why": s.get("why", ""),
        "critical": s.get("critical", False),
        "safety_critical": s.get("safety_critical", False),
        "tool": s.get("tool", ""),
        "check_kind": s.get("check", ""),
        "spec_nominal": spec.get("nominal"),
        "spec_lower": spec.get("lower"),
        "spec_upper": spec.get("upper"),
        "spec_unit": spec.get("unit", ""),
    }

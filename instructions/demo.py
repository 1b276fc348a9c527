"""The demo plant: Northfield Components — Plant 2, read from demo/plant.toml. Loading is idempotent."""

import datetime
import io
import tomllib
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from PIL import Image, ImageDraw

from instructions.media_demo import demo_step_media
from instructions.models import Operation, Part, Station, WorkCenter, WorkInstruction, WorkOrder
from instructions.publishing import version_publish
from labor.models import CertificationType, Employee, EmployeeCertification
from plexcopilot.roles import ADMIN
from quality.models import DefectReport

DEMO_FILE = settings.BASE_DIR / "demo" / "plant.toml"
DESK_PASSWORD = "northfield-demo"  # desk sign-in for supervisors, quality and admin in the demo only


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
        defects = 0
        for d in data["defects"]:
            defects += _defect(d, parts, operations, instructions, employees)
    return {
        "work_centers": len(centers),
        "parts": len(parts),
        "operations": len(operations),
        "instructions": len(instructions),
        "employees": len(employees),
        "work_orders": len(data["work_orders"]),
        "new_defects": defects,
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


def _defect(d: dict[str, Any], parts: dict, operations: dict, instructions: dict, employees: dict) -> int:
    part = parts[d["part"]]
    operation = operations[(d["part"], d["operation"])]
    version = instructions[(d["part"], d["operation"])].current_version
    step = version.steps.filter(order=d["step"]).first()
    if DefectReport.objects.filter(part=part, operation=operation, description=d["description"]).exists():
        return 0
    report = DefectReport(
        part=part,
        operation=operation,
        version=version,
        step=step,
        step_key=step.key if step else "",
        reported_by=employees[d["reporter"]],
        category=d.get("category", "other"),
        description=d["description"],
        quantity=d.get("quantity", 1),
        created_at=timezone.now() - datetime.timedelta(days=d["days_ago"], hours=3),
    )
    image, thumb = demo_photo(d.get("photo", "defect"), d["description"])
    report.photo.save(
        f"demo-{d['part']}-{d['operation']}-{d['step']}-{d['days_ago']}.jpg", ContentFile(image), save=False
    )
    report.thumbnail.save(
        f"demo-{d['part']}-{d['operation']}-{d['step']}-{d['days_ago']}.jpg", ContentFile(thumb), save=False
    )
    report.save()
    return 1


def demo_photo(kind: str, caption: str) -> tuple[bytes, bytes]:
    """A drawn stand-in for a defect photo: a steel-grey part with the defect marked in red."""
    image = Image.new("RGB", (800, 600), (118, 124, 130))
    draw = ImageDraw.Draw(image)
    draw.rectangle((120, 140, 680, 460), fill=(168, 172, 176), outline=(60, 60, 60), width=6)
    draw.ellipse((330, 230, 470, 370), fill=(90, 94, 98), outline=(40, 40, 40), width=4)
    draw.ellipse((440, 200, 560, 320), outline=(220, 30, 30), width=10)
    draw.rectangle((0, 530, 800, 600), fill=(20, 20, 20))
    draw.text((20, 550), f"{kind.upper()}: {caption[:90]}", fill=(255, 255, 255))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80)
    thumb = image.copy()
    thumb.thumbnail((settings.PHOTO_THUMB_EDGE, settings.PHOTO_THUMB_EDGE))
    thumb_out = io.BytesIO()
    thumb.save(thumb_out, "JPEG", quality=75)
    return out.getvalue(), thumb_out.getvalue()

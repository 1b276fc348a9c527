"""Quality services: defect reports from the floor."""

import uuid

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from instructions.models import Execution, Station, Step
from labor.models import Employee
from plexcopilot.services import audit_record
from quality.models import DefectCategory, DefectReport
from quality.photos import photo_clean


class DefectInvalid(Exception):
    pass


def defect_report_create(
    *,
    execution: Execution,
    step: Step | None,
    reporter: Employee,
    station: Station | None,
    description: str,
    category: str,
    quantity: int,
    photo: UploadedFile | None,
) -> DefectReport:
    """File a defect against the exact work order, version and step. Raises PhotoRejected or DefectInvalid."""
    description = description.strip()
    if not description:
        raise DefectInvalid("Describe the defect in a few words.")
    if category not in DefectCategory.values:
        raise DefectInvalid("Choose a defect category.")
    if quantity < 1 or quantity > execution.work_order.quantity:
        raise DefectInvalid(f"Quantity must be between 1 and {execution.work_order.quantity}.")
    clean = photo_clean(photo) if photo is not None else None
    work_order = execution.work_order
    report = DefectReport(
        work_order=work_order,
        part=work_order.part,
        operation=work_order.operation,
        version=execution.version,
        step=step,
        step_key=step.key if step is not None else "",
        execution=execution,
        reported_by=reporter,
        station=station,
        category=category,
        description=description,
        quantity=quantity,
        created_at=timezone.now(),
    )
    if clean is not None:
        name = uuid.uuid4().hex
        report.photo.save(f"{name}.jpg", ContentFile(clean.image), save=False)
        report.thumbnail.save(f"{name}.jpg", ContentFile(clean.thumbnail), save=False)
    with transaction.atomic():
        report.save()
        audit_record(
            actor=reporter.user,
            action="defect.report",
            obj=report,
            summary=f"Defect reported on {work_order} step {step.order if step else '-'}: {description[:120]}",
            data={
                "work_order": work_order.number,
                "version": execution.version_id,
                "step": step.key if step else "",
            },
        )
    return report

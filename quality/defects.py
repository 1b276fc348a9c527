"""Defect reports from the station: checked, photo cleaned, filed against the exact work order, version and step."""

import logging
import uuid

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext

from instructions.models import Execution, Station, Step
from plexcopilot.models import Employee
from plexcopilot.services import audit_record
from quality import taxonomy
from quality.feedback_loop import feedback_check_enqueue
from quality.models import DefectReport
from quality.ncrs import ncr_open_from_defect
from quality.photos import photo_clean

logger = logging.getLogger(__name__)


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
    idempotency_key: str = "",
) -> DefectReport:
    """File a defect against the exact work order, version and step. Raises PhotoRejected or DefectInvalid.

    A retry with the same idempotency key returns the report already filed. The photo files are written
    before the row and removed again when the row does not commit, so a failed report leaves no files behind.
    """
    if idempotency_key:
        existing = DefectReport.objects.filter(idempotency_key=idempotency_key, reported_by=reporter).first()
        if existing is not None:
            return existing
    description = description.strip()
    if not description:
        raise DefectInvalid(gettext("Describe the defect in a few words."))
    if not taxonomy.category_known(category):
        raise DefectInvalid(gettext("Choose a defect category."))
    if quantity < 1 or quantity > execution.work_order.quantity:
        raise DefectInvalid(
            gettext("Quantity must be between 1 and %(max)s.") % {"max": execution.work_order.quantity}
        )
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
        idempotency_key=idempotency_key,
    )
    if clean is not None:
        name = uuid.uuid4().hex
        report.photo.save(f"{name}.jpg", ContentFile(clean.image), save=False)
        report.thumbnail.save(f"{name}.jpg", ContentFile(clean.thumbnail), save=False)
    try:
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
            ncr_open_from_defect(defect=report)
            if step is not None:
                feedback_check_enqueue(instruction_id=execution.version.instruction_id, step_key=step.key)
    except BaseException as error:
        _photo_files_remove(report)
        if idempotency_key and isinstance(error, IntegrityError):
            raced = DefectReport.objects.filter(idempotency_key=idempotency_key).first()
            if raced is not None:
                return raced  # the same retry landed first
        raise
    return report


def _photo_files_remove(report: DefectReport) -> None:
    """Delete the photo files of a report whose row did not commit (never a file without its row)."""
    for field_file in (report.photo, report.thumbnail):
        if field_file and field_file.name:
            try:
                field_file.storage.delete(field_file.name)
            except OSError:
                logger.warning("Could not remove orphaned photo %s", field_file.name)

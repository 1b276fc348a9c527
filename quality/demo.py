"""Quality's part of the demo plant: the [[retired_categories]] and [[defects]] (each with a drawn stand-in photo)
of demo/plant.toml.

Loaded by `instructions.demo.demo_plant_load` (registered in QualityConfig.ready()), in its transaction, after the
parts, instructions and people it refers to.
"""

import datetime
import io
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.utils import timezone
from PIL import Image, ImageDraw

from quality.models import DefectCategory, DefectReport, TaxonomySource


def demo_defects_load(
    *, data: dict[str, Any], parts: dict, operations: dict, instructions: dict, employees: dict
) -> dict[str, int]:
    """The demo's retired categories and the demo defects not loaded yet; returns {"new_defects": how many}."""
    for c in data.get("retired_categories", []):
        # Reloading retires them again, also in a database where an older import created them active.
        DefectCategory.objects.update_or_create(
            code=c["code"], defaults={"label": c["label"], "active": False, "source": TaxonomySource.ADMIN}
        )
    created = sum(_defect(d, parts, operations, instructions, employees) for d in data["defects"])
    return {"new_defects": created}


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

from django.db import models


class DefectCategory(models.TextChoices):
    DIMENSIONAL = "dimensional", "Dimensional"
    SURFACE = "surface", "Surface (scratch, dent, burr)"
    WELD = "weld", "Weld"
    TORQUE = "torque", "Torque / fastening"
    CONTAMINATION = "contamination", "Contamination"
    MISSING_COMPONENT = "missing_component", "Missing component"
    LEAK = "leak", "Leak"
    OTHER = "other", "Other"


class DefectReport(models.Model):
    """A defect seen on the floor, tied to the exact instruction version and step when there is one."""

    work_order = models.ForeignKey(
        "instructions.WorkOrder", null=True, on_delete=models.PROTECT, related_name="+"
    )
    part = models.ForeignKey("instructions.Part", on_delete=models.PROTECT, related_name="defects")
    operation = models.ForeignKey("instructions.Operation", on_delete=models.PROTECT, related_name="defects")
    version = models.ForeignKey(
        "instructions.InstructionVersion", null=True, on_delete=models.PROTECT, related_name="+"
    )
    step = models.ForeignKey("instructions.Step", null=True, on_delete=models.PROTECT, related_name="defects")
    step_key = models.CharField(max_length=32, blank=True, db_index=True)
    execution = models.ForeignKey(
        "instructions.Execution", null=True, on_delete=models.PROTECT, related_name="defects"
    )
    reported_by = models.ForeignKey("labor.Employee", on_delete=models.PROTECT, related_name="+")
    station = models.ForeignKey("instructions.Station", null=True, on_delete=models.PROTECT, related_name="+")
    category = models.CharField(max_length=20, choices=DefectCategory.choices, default=DefectCategory.OTHER)
    description = models.TextField(max_length=2000)
    quantity = models.PositiveIntegerField(default=1)
    photo = models.FileField(upload_to="defects/%Y/%m/", blank=True)
    thumbnail = models.FileField(upload_to="defects/%Y/%m/thumbs/", blank=True)
    created_at = models.DateTimeField(db_index=True)
    plex_id = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["part", "step_key", "created_at"])]

    def __str__(self) -> str:
        return f"Defect {self.pk} on {self.part} ({self.get_category_display()})"

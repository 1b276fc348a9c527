"""What the Plex integration remembers: sync state and errors, the write-back outbox, the shared rate budget,
and a cache of Plex records that have no home in the other apps (specs, control plans, labor, work-center status)."""

from django.db import models


class SyncState(models.Model):
    """One row per synced Plex resource: how far polling has got and how the last attempt went."""

    resource = models.CharField(max_length=40, unique=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    window_end = models.DateTimeField(
        null=True, blank=True, help_text="Date-windowed polling resumes from here (minus an overlap)."
    )
    last_error = models.TextField(blank=True)
    seen = models.PositiveIntegerField(default=0)
    changed = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["resource"]
        verbose_name = "sync state"

    def __str__(self) -> str:
        return self.resource


class SyncRunStatus(models.TextChoices):
    RUNNING = "running", "Running"
    OK = "ok", "OK"
    PARTIAL = "partial", "Partial (some records or resources skipped)"
    FAILED = "failed", "Failed (Plex unreachable or refused)"


class SyncRun(models.Model):
    started_at = models.DateTimeField(db_index=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=SyncRunStatus.choices, default=SyncRunStatus.RUNNING)
    counts = models.JSONField(default=dict, blank=True)
    calls = models.PositiveIntegerField(default=0, help_text="HTTP calls made to Plex")
    message = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"Sync {self.started_at:%Y-%m-%d %H:%M} {self.status}"


class SyncError(models.Model):
    """A record or resource the sync could not use. Shown to the admin until resolved."""

    run = models.ForeignKey(SyncRun, null=True, blank=True, on_delete=models.CASCADE, related_name="errors")
    resource = models.CharField(max_length=40, db_index=True)
    plex_id = models.CharField(max_length=64, blank=True)
    message = models.CharField(max_length=500)
    payload = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    resolved = models.BooleanField(default=False, db_index=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.resource} {self.plex_id}: {self.message}"


class OutboxStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed (needs attention)"


class OutboxItem(models.Model):
    """A write-back to Plex, kept until Plex confirms it. The idempotency key makes enqueueing repeatable."""

    kind = models.CharField(max_length=32, db_index=True)
    idempotency_key = models.CharField(max_length=200, unique=True)
    payload = models.JSONField()
    status = models.CharField(
        max_length=10, choices=OutboxStatus.choices, default=OutboxStatus.PENDING, db_index=True
    )
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(db_index=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    response = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = "outbox item"

    def __str__(self) -> str:
        return f"{self.kind} {self.idempotency_key} ({self.status})"


class ApiCall(models.Model):
    """One slot of the shared Plex call budget (a sliding-window log shared by every process)."""

    at = models.FloatField(db_index=True, help_text="Unix time the call was admitted")

    class Meta:
        ordering = ["at"]


class BudgetLock(models.Model):
    """A single row locked while a process takes a slot, so concurrent processes never overspend."""

    name = models.CharField(max_length=40, unique=True)


class PlexRecord(models.Model):
    """The last payload seen per Plex id: lets a replay skip unchanged records and keeps ids we map loosely."""

    resource = models.CharField(max_length=40)
    plex_id = models.CharField(max_length=80)
    digest = models.CharField(max_length=64)
    data = models.JSONField()
    last_seen_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["resource", "plex_id"], name="plex_record_once")]

    def __str__(self) -> str:
        return f"{self.resource} {self.plex_id}"


class PartSpecification(models.Model):
    """A Plex part specification (quality/v1/part-specifications), the limits a measured step checks against."""

    plex_id = models.CharField(max_length=64, unique=True)
    part = models.ForeignKey("instructions.Part", on_delete=models.CASCADE, related_name="plex_specs")
    number = models.CharField(max_length=60, blank=True)
    description = models.CharField(max_length=300, blank=True)
    nominal = models.DecimalField(max_digits=12, decimal_places=4, null=True, blank=True)
    lower = models.DecimalField(max_digits=12, decimal_places=4, null=True, blank=True)
    upper = models.DecimalField(max_digits=12, decimal_places=4, null=True, blank=True)
    unit = models.CharField(max_length=16, blank=True)
    updated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["part", "number"]

    def __str__(self) -> str:
        return f"{self.part.number} {self.number} {self.description}"


class StepSpecLink(models.Model):
    """Which Plex specification a measured step records against (step key is stable across versions)."""

    instruction = models.ForeignKey(
        "instructions.WorkInstruction", on_delete=models.CASCADE, related_name="plex_spec_links"
    )
    step_key = models.CharField(max_length=32)
    specification = models.ForeignKey(PartSpecification, on_delete=models.CASCADE, related_name="links")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["instruction", "step_key"], name="one_spec_per_step_key")
        ]

    def __str__(self) -> str:
        return f"{self.instruction} {self.step_key} → {self.specification.plex_id}"


class ControlPlan(models.Model):
    plex_id = models.CharField(max_length=64, unique=True)
    number = models.CharField(max_length=40, blank=True)
    description = models.CharField(max_length=300, blank=True)
    status = models.CharField(max_length=40, blank=True)
    plan_type = models.CharField(max_length=60, blank=True)

    class Meta:
        ordering = ["number"]

    def __str__(self) -> str:
        return f"Control plan {self.number} {self.description}"


class LaborEntry(models.Model):
    """A Plex labor record (production-history/labor-entries). Plex gives it no id; the key is derived."""

    key = models.CharField(max_length=64, unique=True)
    employee = models.ForeignKey(
        "plexcopilot.Employee", null=True, blank=True, on_delete=models.SET_NULL, related_name="plex_labor"
    )
    plex_employee_id = models.CharField(max_length=64, blank=True)
    work_center = models.ForeignKey(
        "instructions.WorkCenter", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    job_code = models.CharField(max_length=40, blank=True)
    cost_activity = models.CharField(max_length=60, blank=True)
    begin = models.DateTimeField(db_index=True)
    end = models.DateTimeField(null=True, blank=True)
    duration_minutes = models.IntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-begin"]
        verbose_name_plural = "labor entries"


class WorkCenterStatus(models.Model):
    """The live status Plex reports for a work center (production/v1/control/workcenters/{id})."""

    work_center = models.OneToOneField(
        "instructions.WorkCenter", on_delete=models.CASCADE, related_name="plex_status"
    )
    status_id = models.CharField(max_length=64, blank=True)
    status = models.CharField(max_length=100, blank=True)
    job_number = models.CharField(max_length=40, blank=True)
    operators = models.JSONField(default=list, blank=True)
    fetched_at = models.DateTimeField()

    class Meta:
        verbose_name_plural = "work-center statuses"

    def __str__(self) -> str:
        return f"{self.work_center.code}: {self.status}"

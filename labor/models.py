import datetime
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from plexcopilot.models import CertificationLevel, CertificationType, Employee


class EmployeeCertification(models.Model):
    employee = models.ForeignKey(Employee, on_delete=models.CASCADE, related_name="certifications")
    certification_type = models.ForeignKey(CertificationType, on_delete=models.PROTECT)
    level = models.CharField(max_length=12, choices=CertificationLevel.choices)
    valid_until = models.DateField()
    granted_on = models.DateField(default=datetime.date.today)
    plex_id = models.CharField(max_length=64, blank=True, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["employee", "certification_type"], name="one_cert_per_type"),
        ]
        ordering = ["certification_type__code"]

    def __str__(self) -> str:
        return f"{self.employee} {self.certification_type.code} {self.level} until {self.valid_until}"

    def is_valid_on(self, day: datetime.date) -> bool:
        """A certification is valid up to and including its valid-until date."""
        return day <= self.valid_until


# --- Shifts, punches and labor flags ------------------------------------------------------------


class Shift(models.Model):
    """A plant shift pattern (Employee.shift holds its code). A shift may end after midnight."""

    code = models.CharField(max_length=4, unique=True)
    name = models.CharField(max_length=60)
    starts = models.TimeField()
    ends = models.TimeField()
    paid_hours = models.DecimalField(
        max_digits=4, decimal_places=2, default=8,
        validators=[MinValueValidator(Decimal("0.5"), "A shift pays at least half an hour."),
                    MaxValueValidator(Decimal("24"), "A shift pays at most 24 hours.")],
    )  # fmt: skip
    grace_minutes = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MaxValueValidator(240)],
        help_text="The plant's attendance rule: a clock-in more than this many minutes after the shift start is "
        "flagged late, a clock-out more than this many minutes before its end is flagged early (0: to the "
        "minute). Empty: no plant rule, only each person's own usual times are checked.",
    )

    class Meta:
        ordering = ["starts"]

    def __str__(self) -> str:
        return f"Shift {self.code} ({self.starts:%H:%M}–{self.ends:%H:%M})"


class PunchKind(models.TextChoices):
    CLOCK_IN = "clock_in", "Clock in"
    CLOCK_OUT = "clock_out", "Clock out"
    JOB_ON = "job_on", "Job on"
    JOB_OFF = "job_off", "Job off"


class PunchSource(models.TextChoices):
    STATION = "station", "Station tablet"
    CORRECTION = "correction", "Supervisor correction"
    IMPORT = "import", "Imported"


class Punch(models.Model):
    """One clock or job event. Written once: a correction is a new punch that points at the one it replaces."""

    employee = models.ForeignKey(Employee, on_delete=models.PROTECT, related_name="punches")
    kind = models.CharField(max_length=10, choices=PunchKind.choices)
    at = models.DateTimeField(db_index=True)
    work_center = models.ForeignKey(
        "instructions.WorkCenter", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    work_order = models.ForeignKey(
        "instructions.WorkOrder", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    station = models.ForeignKey(
        "instructions.Station", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    source = models.CharField(max_length=12, choices=PunchSource.choices, default=PunchSource.STATION)
    replaces = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="replaced_by"
    )
    voids = models.BooleanField(default=False, help_text="A correction that removes the punch it replaces.")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)
    note = models.CharField(max_length=500, blank=True)  # as long as the flag note it is copied from

    class Meta:
        ordering = ["at", "id"]
        verbose_name_plural = "punches"

    def __str__(self) -> str:
        return f"{self.employee} {self.get_kind_display()} {self.at:%Y-%m-%d %H:%M}"

    def save(self, *args: object, **kwargs: object) -> None:
        """Punches are never overwritten; correct one by recording a new punch that replaces it."""
        if self.pk is not None:
            raise ValueError("Punches are immutable; record a correction instead.")
        super().save(*args, **kwargs)  # type: ignore[arg-type]


class FlagStatus(models.TextChoices):
    OPEN = "open", "Open"
    ACCEPTED = "accepted", "Accepted"
    CORRECTED = "corrected", "Corrected"
    DISMISSED = "dismissed", "Dismissed"


class LaborFlag(models.Model):
    """A labor audit finding on an employee's punches, waiting in the supervisor's queue."""

    employee = models.ForeignKey(Employee, on_delete=models.PROTECT, related_name="labor_flags")
    punch = models.ForeignKey(Punch, null=True, blank=True, on_delete=models.PROTECT, related_name="flags")
    rule = models.CharField(max_length=32, db_index=True)
    key = models.CharField(
        max_length=120, unique=True, help_text="Stops the same finding being raised twice."
    )
    day = models.DateField(db_index=True)
    confidence = models.FloatField()
    reason = models.CharField(max_length=500)
    status = models.CharField(
        max_length=10, choices=FlagStatus.choices, default=FlagStatus.OPEN, db_index=True
    )
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolution_note = models.CharField(max_length=500, blank=True)
    correction = models.ForeignKey(
        Punch, null=True, blank=True, on_delete=models.PROTECT, related_name="correcting_flags"
    )

    class Meta:
        ordering = ["status", "-day", "-confidence", "id"]

    def __str__(self) -> str:
        return f"{self.rule} {self.employee} {self.day}"

    @property
    def rule_label(self) -> str:
        return RULE_LABELS.get(self.rule, self.rule.replace("_", " "))


RULE_LABELS = {
    "clock_out_before_in": "Clock-out before clock-in",
    "missed_clock_out": "Missed clock-out",
    "missed_clock_in": "Missed punch (scheduled, no clock-in)",
    "overlapping_jobs": "Overlapping jobs",
    "job_not_clocked_in": "Job where not clocked in",
    "job_off_without_on": "Job-off without job-on",
    "job_open_at_clock_out": "Job left on at clock-out",
    "labor_on_down_work_center": "Labor on a down work center",
    "uncertified": "Uncertified for the operation",
    "early_in": "Early clock-in (own history)",
    "late_in": "Late clock-in (own history)",
    "early_out": "Early clock-out (own history)",
    "late_out": "Late clock-out (own history)",
    "late_arrival": "Late for the shift (plant grace)",
    "early_departure": "Left before the shift end (plant grace)",
}


# --- Scheduling and crew plans ----------------------------------------------------------------


class ScheduledJob(models.Model):
    """A work order operation planned for one shift (Plex: scheduling job operation)."""

    day = models.DateField(db_index=True)
    shift = models.CharField(max_length=4)
    work_order = models.ForeignKey("instructions.WorkOrder", on_delete=models.PROTECT, related_name="+")
    crew_size = models.PositiveSmallIntegerField(default=1)
    hours = models.DecimalField(max_digits=4, decimal_places=2, default=8)

    class Meta:
        ordering = ["day", "shift", "work_order__operation__work_center__code", "id"]
        constraints = [
            models.UniqueConstraint(fields=["day", "shift", "work_order"], name="job_once_per_shift")
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.shift} {self.work_order}"


class Absence(models.Model):
    employee = models.ForeignKey(Employee, on_delete=models.CASCADE, related_name="absences")
    first_day = models.DateField()
    last_day = models.DateField()
    reason = models.CharField(max_length=120, blank=True)

    class Meta:
        ordering = ["first_day"]


class PlanStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    ACCEPTED = "accepted", "Accepted"


class CrewPlan(models.Model):
    day = models.DateField()
    shift = models.CharField(max_length=4)
    status = models.CharField(max_length=10, choices=PlanStatus.choices, default=PlanStatus.DRAFT)
    feasible = models.BooleanField(default=True)
    problems = models.JSONField(default=list, help_text="Constraints that could not be met, in words.")
    solve_seconds = models.FloatField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    accepted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Crew plan {self.day} shift {self.shift}"


class CrewAssignment(models.Model):
    plan = models.ForeignKey(CrewPlan, on_delete=models.CASCADE, related_name="assignments")
    job = models.ForeignKey(ScheduledJob, on_delete=models.PROTECT, related_name="+")
    employee = models.ForeignKey(Employee, on_delete=models.PROTECT, related_name="+")
    score = models.IntegerField(default=0)
    reasons = models.JSONField(default=list)
    edited = models.BooleanField(default=False, help_text="Set by the supervisor rather than the solver.")

    class Meta:
        ordering = ["job_id", "-score"]
        constraints = [models.UniqueConstraint(fields=["plan", "employee"], name="one_place_per_plan")]


# --- Andon --------------------------------------------------------------------------------------


class AndonCategory(models.TextChoices):
    MAINTENANCE = "maintenance", _("Maintenance")
    QUALITY = "quality", _("Quality")
    MATERIAL = "material", _("Material")
    SAFETY = "safety", _("Safety")


class Urgency(models.TextChoices):
    CRITICAL = "critical", _("Critical")
    HIGH = "high", _("High")
    NORMAL = "normal", _("Normal")


class AndonCall(models.Model):
    station = models.ForeignKey("instructions.Station", on_delete=models.PROTECT, related_name="+")
    work_center = models.ForeignKey("instructions.WorkCenter", on_delete=models.PROTECT, related_name="+")
    category = models.CharField(max_length=12, choices=AndonCategory.choices)
    note = models.CharField(max_length=500, blank=True)
    line_down = models.BooleanField(
        default=False, help_text="The work center is stopped until this is resolved."
    )
    urgency = models.CharField(max_length=10, choices=Urgency.choices, default=Urgency.NORMAL)
    triage_reason = models.CharField(max_length=300, blank=True)
    routed_to = models.JSONField(default=list, help_text="Roles whose boards show this call.")
    raised_by = models.ForeignKey(Employee, on_delete=models.PROTECT, related_name="+")
    raised_at = models.DateTimeField(db_index=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolution = models.CharField(max_length=500, blank=True)
    idempotency_key = models.CharField(
        max_length=64,
        blank=True,
        default="",
        help_text="The raising form's key: a retried raise is one call.",
    )

    class Meta:
        ordering = ["-raised_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["idempotency_key"], condition=~models.Q(idempotency_key=""), name="andon_raised_once"
            )
        ]

    def __str__(self) -> str:
        return f"Andon {self.get_category_display()} at {self.work_center.code}"

    @property
    def routed_to_labels(self) -> str:
        """Who the call went to, as people read it ("Material handler, Supervisor"), not the role codes."""
        from plexcopilot.roles import ROLE_CHOICES

        names = dict(ROLE_CHOICES)
        return ", ".join(names.get(role, role) for role in self.routed_to)

    @property
    def state(self) -> str:
        """raised → acknowledged → resolved."""
        if self.resolved_at:
            return "resolved"
        return "acknowledged" if self.acknowledged_at else "raised"

    @property
    def state_label(self) -> str:
        """The state in the reader's language, for station screens."""
        from django.utils.translation import gettext

        return {
            "resolved": gettext("Resolved"),
            "acknowledged": gettext("Acknowledged — help is coming"),
            "raised": gettext("Raised — waiting for help"),
        }[self.state]


# --- Shift handover -------------------------------------------------------------------------------


class Handover(models.Model):
    """The outgoing shift's handover: drafted from the shift's data, edited and signed, then acknowledged."""

    day = models.DateField()
    shift = models.CharField(max_length=4)
    window_start = models.DateTimeField()
    window_end = models.DateTimeField()
    items = models.JSONField(default=list, help_text="The drafted items, most urgent first.")
    text = models.TextField(max_length=20000)
    drafted_at = models.DateTimeField(auto_now_add=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    signed_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-window_end"]
        constraints = [models.UniqueConstraint(fields=["day", "shift"], name="one_handover_per_shift")]

    def __str__(self) -> str:
        return f"Handover {self.day} shift {self.shift}"

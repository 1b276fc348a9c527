"""Labor rates, operation standards, job costs, variance alerts, timecard approvals and the plant settings."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

POSITIVE_RATE = MinValueValidator(Decimal("0.01"), "A rate is more than 0 per hour.")
NOT_NEGATIVE = MinValueValidator(Decimal("0"), "This cannot be negative.")


class LaborSettings(models.Model):
    """One row: the plant's labor-analytics settings (`LaborSettings.current()`)."""

    overtime_after_hours = models.DecimalField(
        max_digits=4, decimal_places=2, default=Decimal("8"), help_text="Paid hours per day before overtime.",
        validators=[MinValueValidator(Decimal("1"), "Overtime starts after at least 1 hour a day."),
                    MaxValueValidator(Decimal("24"), "A day has 24 hours.")],
    )  # fmt: skip
    overtime_multiplier = models.DecimalField(
        max_digits=4, decimal_places=2, default=Decimal("1.5"),
        validators=[MinValueValidator(Decimal("1"), "Overtime is paid at least at the normal rate (1.00)."),
                    MaxValueValidator(Decimal("5"), "An overtime multiplier above 5 is not a plant's.")],
    )  # fmt: skip
    default_rate = models.DecimalField(
        max_digits=8,
        decimal_places=2,
        default=Decimal("28.00"),
        help_text="Hourly rate of an ungraded person.",
        validators=[POSITIVE_RATE],
    )
    variance_alert_pct = models.DecimalField(
        max_digits=5, decimal_places=1, default=Decimal("15.0"),
        help_text="Alert when a job's total variance exceeds this share of its standard cost.",
        validators=[MinValueValidator(Decimal("0.1"), "Alert above at least 0.1 %."),
                    MaxValueValidator(Decimal("1000"), "Alert below 1000 %.")],
    )  # fmt: skip
    variance_alert_min_hours = models.DecimalField(
        max_digits=5, decimal_places=2, default=Decimal("1.0"),
        help_text="No alert before this many actual hours are on the job.",
        validators=[NOT_NEGATIVE],
    )  # fmt: skip
    individual_scores = models.BooleanField(
        default=True, help_text="Show individual scores to supervisors (team scores are always shown)."
    )

    class Meta:
        verbose_name_plural = "labor settings"

    def __str__(self) -> str:
        return "Labor analytics settings"

    @classmethod
    def current(cls) -> "LaborSettings":
        found = cls.objects.order_by("id").first()
        return found if found is not None else cls.objects.create()


class LaborGrade(models.Model):
    """A pay grade (Plex: employee position / pay rate where the connector has it)."""

    code = models.CharField(max_length=20, unique=True)
    name = models.CharField(max_length=80)
    hourly_rate = models.DecimalField(max_digits=8, decimal_places=2, validators=[POSITIVE_RATE])
    plex_id = models.CharField(max_length=64, blank=True, db_index=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} ({self.hourly_rate}/h)"


class EmployeeGrade(models.Model):
    employee = models.OneToOneField(
        "plexcopilot.Employee", on_delete=models.CASCADE, related_name="labor_grade"
    )
    grade = models.ForeignKey(LaborGrade, on_delete=models.PROTECT, related_name="employees")

    def __str__(self) -> str:
        return f"{self.employee} → {self.grade.code}"


class ShiftPremium(models.Model):
    shift = models.CharField(max_length=4, unique=True)
    premium_per_hour = models.DecimalField(
        max_digits=6, decimal_places=2, default=Decimal("0"), validators=[NOT_NEGATIVE]
    )

    class Meta:
        ordering = ["shift"]

    def __str__(self) -> str:
        return f"Shift {self.shift} +{self.premium_per_hour}/h"


class OperationStandard(models.Model):
    """Standard labor of a routing operation: setup once per job plus run hours per unit, at a standard rate."""

    operation = models.OneToOneField(
        "instructions.Operation", on_delete=models.CASCADE, related_name="labor_standard"
    )
    setup_hours = models.DecimalField(
        max_digits=6, decimal_places=3, default=Decimal("0"), validators=[NOT_NEGATIVE]
    )
    hours_per_unit = models.DecimalField(max_digits=8, decimal_places=5, validators=[NOT_NEGATIVE])
    standard_rate = models.DecimalField(max_digits=8, decimal_places=2, validators=[POSITIVE_RATE])

    def __str__(self) -> str:
        return f"{self.operation}: {self.setup_hours} h + {self.hours_per_unit} h/unit @ {self.standard_rate}"


class JobCost(models.Model):
    """Standard vs actual labor of one work order, recomputed whenever a punch on it is recorded."""

    work_order = models.OneToOneField("instructions.WorkOrder", on_delete=models.CASCADE, related_name="+")
    units = models.PositiveIntegerField(default=0, help_text="Units the standard is earned on.")
    units_basis = models.CharField(max_length=20, default="reported")
    standard_hours = models.FloatField(default=0)
    actual_hours = models.FloatField(default=0)
    overtime_hours = models.FloatField(default=0)
    standard_rate = models.FloatField(default=0)
    standard_cost = models.FloatField(default=0)
    actual_cost = models.FloatField(default=0)
    rate_variance = models.FloatField(default=0)
    efficiency_variance = models.FloatField(default=0)
    people = models.PositiveSmallIntegerField(default=0)
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["-updated_at"]

    @property
    def total_variance(self) -> float:
        return self.rate_variance + self.efficiency_variance

    @property
    def variance_pct(self) -> float | None:
        return 100 * self.total_variance / self.standard_cost if self.standard_cost else None


class VarianceAlert(models.Model):
    work_order = models.ForeignKey("instructions.WorkOrder", on_delete=models.CASCADE, related_name="+")
    raised_at = models.DateTimeField(db_index=True)
    variance = models.FloatField()
    variance_pct = models.FloatField()
    reason = models.CharField(max_length=400)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["acknowledged_at", "-raised_at"]


class TimecardApproval(models.Model):
    """A supervisor approved one employee's job punches of one day, with the corrections they made."""

    employee = models.ForeignKey("plexcopilot.Employee", on_delete=models.PROTECT, related_name="+")
    day = models.DateField()
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    approved_at = models.DateTimeField()
    corrections = models.JSONField(default=list, help_text="[{punch, from, to, reason}]")

    class Meta:
        ordering = ["-day"]
        constraints = [models.UniqueConstraint(fields=["employee", "day"], name="one_approval_per_timecard")]


class ForecastModelRun(models.Model):
    """A background retraining of the job-hours model: when, on how many past jobs, and how well."""

    trained_at = models.DateTimeField()
    jobs = models.PositiveIntegerField()
    kind = models.CharField(max_length=10, default="similar", help_text="trees, or similar jobs (few jobs)")
    blob = models.BinaryField(blank=True, default=b"")
    mae_hours = models.FloatField(null=True)
    coverage80 = models.FloatField(null=True)

    class Meta:
        ordering = ["-trained_at"]

"""Scheduling data: routing times and alternatives, changeovers, downtime, jobs, and versioned plans."""

from django.conf import settings
from django.db import models
from django.utils import timezone


class RoutingTime(models.Model):
    """How long an operation of the routing takes, its part family for changeovers, and where else it may run."""

    operation = models.OneToOneField(
        "instructions.Operation", on_delete=models.CASCADE, related_name="timing"
    )
    setup_minutes = models.PositiveIntegerField(default=0)
    run_minutes_per_unit = models.DecimalField(max_digits=8, decimal_places=3, default=1)
    family = models.CharField(max_length=40, blank=True, help_text="Part family for the changeover matrix")
    alternatives = models.ManyToManyField("instructions.WorkCenter", blank=True, related_name="+")

    def __str__(self) -> str:
        return f"{self.operation}: {self.setup_minutes} + {self.run_minutes_per_unit}/unit"


class Changeover(models.Model):
    from_family = models.CharField(max_length=40)
    to_family = models.CharField(max_length=40)
    minutes = models.PositiveIntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["from_family", "to_family"], name="changeover_pair")]

    def __str__(self) -> str:
        return f"{self.from_family} → {self.to_family}: {self.minutes} min"


class DowntimeKind(models.TextChoices):
    CLOSED = "closed", "Plant closed (no shift)"
    BREAK = "break", "Break"
    PM = "pm", "Preventive maintenance"
    HOLD = "hold", "Work center on Hold"
    DOWN = "down", "Work center down"


class Downtime(models.Model):
    """A window in which a work center cannot run: calendar (closed, breaks), PM, or a Hold/Down status."""

    work_center = models.ForeignKey("instructions.WorkCenter", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=8, choices=DowntimeKind.choices)
    start = models.DateTimeField()
    end = models.DateTimeField()
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        indexes = [models.Index(fields=["work_center", "start"])]

    def __str__(self) -> str:
        return f"{self.work_center} {self.kind} {timezone.localtime(self.start):%a %d %H:%M}–{timezone.localtime(self.end):%H:%M}"


class UtilityLimit(models.Model):
    """A plant-wide cap on a utility (e.g. 400 kW across the work centers), all day or in a daily window such
    as the tariff's peak hours (a window may run past midnight). Where several hold, the lowest does."""

    utility = models.CharField(max_length=20, default="kW")
    cap = models.PositiveIntegerField()
    window_start = models.TimeField(null=True, blank=True, help_text="Empty: all day")
    window_end = models.TimeField(null=True, blank=True)

    def __str__(self) -> str:
        when = f" {self.window_start:%H:%M}–{self.window_end:%H:%M}" if self.window_start else ""
        return f"{self.utility} ≤ {self.cap}{when}"


class UtilityDraw(models.Model):
    """What a work center draws of a utility while it is busy (setup included)."""

    work_center = models.ForeignKey("instructions.WorkCenter", on_delete=models.CASCADE, related_name="+")
    utility = models.CharField(max_length=20, default="kW")
    amount = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["work_center", "utility"], name="one_draw_per_utility")
        ]

    def __str__(self) -> str:
        return f"{self.work_center}: {self.amount} {self.utility}"


class PlanJob(models.Model):
    """A production job from Plex: a quantity of a part through its routing, due at a time."""

    number = models.CharField(max_length=40, unique=True)
    work_order = models.ForeignKey(
        "instructions.WorkOrder", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    part = models.ForeignKey("instructions.Part", on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField()
    due = models.DateTimeField()
    priority = models.PositiveSmallIntegerField(default=1, help_text="Tardiness weight: 1 normal, 3 expedite")
    material_ready_at = models.DateTimeField(null=True, blank=True, help_text="Earliest start (material)")
    # Which shortages hold the job: resolving one clears its hold, no other (`triggers.material_holds_clear`).
    material_holds = models.JSONField(
        default=dict,
        blank=True,
        help_text="Shortages holding the job: source -> when its material would be there",
    )
    open = models.BooleanField(default=True, db_index=True)

    class Meta:
        ordering = ["due", "number"]

    def __str__(self) -> str:
        return self.number


class PlanStatus(models.TextChoices):
    DRAFT = "draft", "Scenario"
    RELEASED = "released", "Released"
    SUPERSEDED = "superseded", "Superseded"
    DISCARDED = "discarded", "Discarded"
    WITHDRAWN = (
        "withdrawn",
        "Withdrawn",
    )  # what raised it is gone (a resolved shortage): `withdrawn_reason` says


class Plan(models.Model):
    """One schedule: the released plan of the day, or a what-if scenario waiting for a signature."""

    status = models.CharField(
        max_length=12, choices=PlanStatus.choices, default=PlanStatus.DRAFT, db_index=True
    )
    version = models.PositiveIntegerField(null=True, blank=True, unique=True, help_text="Set on release")
    label = models.CharField(max_length=120)
    rank = models.PositiveSmallIntegerField(default=0)
    trigger = models.CharField(max_length=200, blank=True)
    rationale = models.TextField(blank=True)
    kpis = models.JSONField(default=dict)
    assumptions = models.JSONField(
        default=dict,
        blank=True,
        help_text="What a planner's what-if assumed (a Hold/Down window, a rush job): made real only when the "
        "scenario is released",
    )
    source = models.CharField(
        max_length=40, blank=True, db_index=True,
        help_text="The event that raised this what-if, e.g. 'shortage-alert:17'; empty for a planner's question",
    )  # fmt: skip
    withdrawn_reason = models.CharField(max_length=200, blank=True)
    trigger_key = models.CharField(
        max_length=80, blank=True, db_index=True,
        help_text="What the what-if is about, e.g. 'wc:PRS-400' or 'shortage-alert:17': a newer set with the same "
        "key replaces this one; sets of other keys stay open beside it",
    )  # fmt: skip
    base = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="scenarios"
    )
    origin = models.DateTimeField(help_text="Time zero of the plan (minute 0 of the solver)")
    created_at = models.DateTimeField()
    released_at = models.DateTimeField(null=True, blank=True)
    released_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT)
    signature_method = models.CharField(max_length=20, blank=True)
    content_hash = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-created_at", "rank"]

    def __str__(self) -> str:
        return f"v{self.version}" if self.version else f"{self.label} (scenario)"


class WithdrawnSource(models.Model):
    """An event's what-ifs were withdrawn because it is over (a resolved shortage): a run for it still being
    solved then saves its scenarios withdrawn too (`whatif.scenarios_generate`). A source is never raised again
    (the materials app opens a new alert for a new shortage)."""

    source = models.CharField(max_length=40, unique=True)
    reason = models.CharField(max_length=200)
    withdrawn_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.source}: {self.reason}"


class PlanSlot(models.Model):
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="slots")
    job = models.ForeignKey(PlanJob, on_delete=models.CASCADE, related_name="slots")
    operation = models.ForeignKey("instructions.Operation", on_delete=models.PROTECT, related_name="+")
    work_center = models.ForeignKey("instructions.WorkCenter", on_delete=models.PROTECT, related_name="+")
    setup_start = models.DateTimeField()
    start = models.DateTimeField()
    end = models.DateTimeField()
    started = models.BooleanField(default=False)
    late = models.BooleanField(default=False)
    # planned without an operator: no one holds its certification on any shift (`Problem.unstaffed`)
    no_operator = models.BooleanField(default=False)

    class Meta:
        ordering = ["work_center__code", "start"]
        indexes = [models.Index(fields=["plan", "work_center", "start"])]

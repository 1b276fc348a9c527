from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class TaxonomySource(models.TextChoices):
    SEED = "seed", "Shipped with plexcopilot"
    IMPORT = "import", "Created by a history import"
    ADMIN = "admin", "Added by an administrator"
    PLEX = "plex", "Synced from Plex"


class DefectCategory(models.Model):
    """A defect category of the plant. NCRs and defect reports keep its code, so a retired category (no longer
    offered for new defects) still labels its history, and history imports can bring the plant's own ones."""

    code = models.SlugField(max_length=40, unique=True)
    label = models.CharField(max_length=120)
    description = models.TextField(blank=True, max_length=1000)
    active = models.BooleanField(
        default=True, help_text="Offered for new defects and NCRs; untick to retire."
    )
    source = models.CharField(max_length=10, choices=TaxonomySource.choices, default=TaxonomySource.ADMIN)
    plex_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["code"]
        verbose_name_plural = "defect categories"

    def __str__(self) -> str:
        return self.label or self.code


class RootCauseCode(models.Model):
    """A root-cause code of the plant (e.g. TOOL-WEAR), retired like categories, never deleted while in use."""

    code = models.CharField(max_length=32, unique=True)
    description = models.CharField(max_length=300, blank=True)
    active = models.BooleanField(default=True, help_text="Offered for new NCRs; untick to retire.")
    source = models.CharField(max_length=10, choices=TaxonomySource.choices, default=TaxonomySource.ADMIN)
    plex_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code


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
    reported_by = models.ForeignKey("plexcopilot.Employee", on_delete=models.PROTECT, related_name="+")
    station = models.ForeignKey("instructions.Station", null=True, on_delete=models.PROTECT, related_name="+")
    category = models.CharField(max_length=40, default="other")  # a DefectCategory code
    description = models.TextField(max_length=2000)
    quantity = models.PositiveIntegerField(default=1)
    photo = models.FileField(upload_to="defects/%Y/%m/", blank=True)
    thumbnail = models.FileField(upload_to="defects/%Y/%m/thumbs/", blank=True)
    created_at = models.DateTimeField(db_index=True)
    plex_id = models.CharField(max_length=64, blank=True)
    idempotency_key = models.CharField(
        max_length=64,
        blank=True,
        default="",
        help_text="The reporting form's key: a retried report is one defect.",
    )

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["part", "step_key", "created_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["idempotency_key"],
                condition=~models.Q(idempotency_key=""),
                name="defect_reported_once",
            )
        ]

    def __str__(self) -> str:
        return f"Defect {self.pk} on {self.part} ({self.get_category_display()})"

    def get_category_display(self) -> str:
        from quality.taxonomy import category_label

        return category_label(self.category)


ROOT_CAUSE_CODE_PATTERN = r"^[A-Z][A-Z0-9]*(-[A-Z0-9]+)*$"

# The taxonomy plexcopilot ships (migration 0003 seeds it into DefectCategory / RootCauseCode; a plant edits,
# retires and adds its own in the admin or with `import_ncrs --create-codes`).
# The seeded labels are translated (station languages) while the admin has not changed them.
SEED_CATEGORIES = {
    "dimensional": _("Dimensional"),
    "surface": _("Surface (scratch, dent, burr)"),
    "weld": _("Weld"),
    "torque": _("Torque / fastening"),
    "contamination": _("Contamination"),
    "missing_component": _("Missing component"),
    "leak": _("Leak"),
    "other": _("Other"),
}
SEED_ROOT_CAUSES = {
    "TOOL-WEAR": "Cutting or punching tool worn beyond its offset or life",
    "TOOL-DAMAGE": "Tool chipped, cracked or broken",
    "DIE-SETUP": "Die or tool set up wrong (shims, clamps, pilots, feed)",
    "MAT-PROPERTY": "Incoming material out of its property range (grade, yield, thickness)",
    "MAT-CASTING": "Casting defect from the supplier (porosity, inclusions)",
    "MAT-MIXED": "Wrong or mixed component lot at the point of use",
    "SUPPLIER-COMPONENT": "Purchased component nonconforming (plating, patch, spring)",
    "FIXTURE-WEAR": "Fixture, locator or pin worn or damaged",
    "FIXTURE-CHIPS": "Chips or debris on locators or in holes",
    "GAGE-CAL": "Gauge or torque tool out of calibration",
    "PROC-PARAM": "Process parameter or program wrong or drifted",
    "CONSUMABLE": "Consumable empty, worn or not changed (tips, nozzles, gas, coolant)",
    "MAINT-EQUIP": "Equipment fault (cooling, seals, nutrunner, sensors)",
    "METHOD-SKIPPED": "Method step skipped or done out of sequence",
    "HANDLING": "Damage in handling, racking or transport",
}


class NCRStatus(models.TextChoices):
    OPEN = "open", "Open"
    CONTAINED = "contained", "Contained"
    ROOT_CAUSE = "root_cause", "Root cause found"
    CORRECTIVE_ACTION = "corrective_action", "Corrective action"
    CLOSED = "closed", "Closed"


NCR_LIFECYCLE = [s.value for s in NCRStatus]


class Disposition(models.TextChoices):
    PENDING = "", "Not decided"
    USE_AS_IS = "use_as_is", "Use as is"
    REWORK = "rework", "Rework"
    SCRAP = "scrap", "Scrap"
    RETURN = "return", "Return to supplier"


class NCRSource(models.TextChoices):
    FLOOR = "floor", "Defect report from the floor"
    IMPORT = "import", "Imported history"


class NCR(models.Model):
    """A nonconformance report. Floor NCRs come from a defect report; imported ones are plant history."""

    number = models.CharField(max_length=40, unique=True)
    source = models.CharField(max_length=10, choices=NCRSource.choices, default=NCRSource.FLOOR)
    defect = models.OneToOneField(
        DefectReport, null=True, blank=True, on_delete=models.PROTECT, related_name="ncr"
    )
    # Imported history may name parts and operations the local cache does not know (yet): the numbers are kept
    # as text and the NCR is linked when a Plex sync (or anyone) creates the part / operation.
    part = models.ForeignKey(
        "instructions.Part", null=True, blank=True, on_delete=models.PROTECT, related_name="ncrs"
    )
    operation = models.ForeignKey(
        "instructions.Operation", null=True, blank=True, on_delete=models.PROTECT, related_name="ncrs"
    )
    part_number = models.CharField(max_length=60, blank=True, db_index=True)
    operation_number = models.CharField(max_length=20, blank=True)
    step = models.ForeignKey(
        "instructions.Step", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    step_key = models.CharField(max_length=32, blank=True, db_index=True)
    work_order = models.ForeignKey(
        "instructions.WorkOrder", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reported_by = models.ForeignKey(
        "plexcopilot.Employee", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    quantity = models.PositiveIntegerField(default=1)
    description = models.TextField(max_length=4000)
    category = models.CharField(max_length=40, blank=True, db_index=True)  # a DefectCategory code
    root_cause_code = models.CharField(max_length=32, blank=True, db_index=True)  # a RootCauseCode code
    containment = models.TextField(blank=True, max_length=4000)
    corrective_action = models.TextField(blank=True, max_length=4000)
    disposition = models.CharField(max_length=12, choices=Disposition.choices, blank=True, default="")
    status = models.CharField(max_length=20, choices=NCRStatus.choices, default=NCRStatus.OPEN, db_index=True)
    opened_at = models.DateTimeField(db_index=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-opened_at", "-id"]
        indexes = [models.Index(fields=["part", "operation", "step_key", "opened_at"])]
        verbose_name = "NCR"

    def __str__(self) -> str:
        return self.number

    @property
    def root_cause_text(self) -> str:
        from quality.taxonomy import root_cause_description

        return root_cause_description(self.root_cause_code)

    def get_category_display(self) -> str:
        from quality.taxonomy import category_label

        return category_label(self.category)

    @property
    def part_label(self) -> str:
        if self.part_id:
            assert self.part is not None  # part_id is set
            return self.part.number
        return self.part_number

    @property
    def operation_label(self) -> str:
        if self.operation_id:
            assert self.operation is not None  # operation_id is set
            return f"op {self.operation.sequence} {self.operation.name}"
        return f"op {self.operation_number}" if self.operation_number else ""

    def next_status(self) -> str | None:
        """The lifecycle runs one way: open → contained → root cause → corrective action → closed."""
        index = NCR_LIFECYCLE.index(self.status)
        return NCR_LIFECYCLE[index + 1] if index + 1 < len(NCR_LIFECYCLE) else None

    @property
    def next_status_label(self) -> str:
        target = self.next_status()
        return NCRStatus(target).label if target else ""


class DraftStatus(models.TextChoices):
    PENDING = "pending", "Drafting"
    READY = "ready", "Ready"
    FAILED = "failed", "Failed"


class NCRTriageDraft(models.Model):
    """What the background triage proposed for one NCR, with the historical NCRs behind each proposal."""

    ncr = models.OneToOneField(NCR, on_delete=models.CASCADE, related_name="triage")
    status = models.CharField(max_length=10, choices=DraftStatus.choices, default=DraftStatus.PENDING)
    task_id = models.CharField(max_length=64, blank=True)
    requested_at = models.DateTimeField()
    completed_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True)
    # [{"code": ..., "confidence": 0..1, "evidence": [ncr ids]}], best first
    categories = models.JSONField(default=list)
    root_causes = models.JSONField(default=list)
    # [{"text": ..., "evidence": [ncr ids]}]
    containment = models.JSONField(default=list)
    # [{"id": ncr id, "number": ..., "score": 0..1}], most similar first
    neighbours = models.JSONField(default=list)
    affected_work_orders = models.ManyToManyField("instructions.WorkOrder", blank=True, related_name="+")
    narrative = models.TextField(blank=True)
    narrative_model = models.CharField(max_length=120, blank=True)
    method = models.CharField(max_length=60, blank=True)
    # Bumped each time an engineer accepts or edits a drafted field: the approved triage's revision (what Plex
    # receives as the NCR draft note, keyed by it). Never reset, so a re-triage cannot reuse a sent key.
    approved_revision = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"Triage of {self.ncr}"

    @property
    def top_category(self) -> dict | None:
        """The most confident category suggestion, whatever order the list was stored in."""
        return max(self.categories, key=lambda item: item.get("confidence", 0), default=None)


class TriageField(models.TextChoices):
    CATEGORY = "category", "Category"
    ROOT_CAUSE = "root_cause", "Root cause"
    CONTAINMENT = "containment", "Containment"
    NARRATIVE = "narrative", "Narrative"


class TriageVerdict(models.TextChoices):
    ACCEPTED = "accepted", "Accepted"
    EDITED = "edited", "Edited"
    REJECTED = "rejected", "Rejected"


class TriageDecision(models.Model):
    """The engineer's verdict on one drafted field; kept so the triage's accuracy can be measured."""

    draft = models.ForeignKey(NCRTriageDraft, on_delete=models.CASCADE, related_name="decisions")
    field = models.CharField(max_length=20, choices=TriageField.choices)
    verdict = models.CharField(max_length=10, choices=TriageVerdict.choices)
    proposed = models.TextField(blank=True)
    final = models.TextField(blank=True)
    # Rank of the final value among the drafted candidates (1 = top), 0 when it was not among them.
    proposed_rank = models.PositiveSmallIntegerField(default=0)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField()

    class Meta:
        ordering = ["draft", "field"]
        constraints = [models.UniqueConstraint(fields=["draft", "field"], name="one_decision_per_field")]


class QualityAlertKind(models.TextChoices):
    OUT_OF_SPEC = "out_of_spec", "Out-of-spec trend"
    FEEDBACK = "feedback", "Feedback threshold"


class QualityAlert(models.Model):
    """A trend that crossed its threshold; one per burst, so a run of bad readings raises one alert."""

    kind = models.CharField(max_length=20, choices=QualityAlertKind.choices)
    instruction = models.ForeignKey(
        "instructions.WorkInstruction", on_delete=models.PROTECT, related_name="+"
    )
    step_key = models.CharField(max_length=32)
    step_title = models.CharField(max_length=120, blank=True)
    summary = models.CharField(max_length=500)
    evidence = models.JSONField(default=dict)
    raised_at = models.DateTimeField(db_index=True)
    window_start = models.DateTimeField()
    proposal_id = models.CharField(max_length=64, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-raised_at"]


class TriageModelState(models.TextChoices):
    READY = "ready", "Ready"
    FAILED = "failed", "Failed"


class TriageModel(models.Model):
    """A triage classifier trained on the NCR history in the background; the newest ready one drafts triage."""

    trained_at = models.DateTimeField(db_index=True)
    history_key = models.CharField(max_length=64)  # what the history looked like (count, last change)
    cases = models.PositiveIntegerField(default=0)
    method = models.CharField(max_length=500, blank=True)
    state = models.CharField(max_length=10, choices=TriageModelState.choices, default=TriageModelState.READY)
    error = models.CharField(max_length=500, blank=True)
    seconds = models.FloatField(default=0)
    blob = models.BinaryField(editable=False)  # the pickled quality.triage.TriageEngine, written only by us

    class Meta:
        ordering = ["-trained_at", "-id"]

    def __str__(self) -> str:
        return f"Triage model of {self.trained_at:%Y-%m-%d %H:%M} ({self.cases} NCRs)"


class StepQuestion(models.Model):
    """A copilot question asked on a step of an instruction version, as the feedback loop counts it.

    The copilot announces each question (`copilot_question_asked`); quality keeps what it needs here, so it never
    reads the copilot's tables (copilot sits above quality). `question_id` is the copilot's record, cited as the
    proposal's evidence.
    """

    question_id = models.PositiveBigIntegerField(unique=True)
    version = models.ForeignKey("instructions.InstructionVersion", on_delete=models.PROTECT, related_name="+")
    step_key = models.CharField(max_length=32, db_index=True)
    question = models.TextField(max_length=500)
    asked_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["asked_at", "question_id"]

    def __str__(self) -> str:
        return self.question[:80]

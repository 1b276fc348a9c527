import hashlib
import json
import re
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Part(models.Model):
    number = models.CharField(max_length=40)
    revision = models.CharField(max_length=10)
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    plex_part_id = models.CharField(max_length=64, blank=True, db_index=True)

    class Meta:
        ordering = ["number", "revision"]
        constraints = [models.UniqueConstraint(fields=["number", "revision"], name="part_number_revision")]

    def __str__(self) -> str:
        return f"{self.number} rev {self.revision}"


class WorkCenter(models.Model):
    code = models.CharField(max_length=32, unique=True)
    name = models.CharField(max_length=120)
    area = models.CharField(max_length=60, blank=True, db_index=True)
    plex_workcenter_id = models.CharField(max_length=64, blank=True, db_index=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} — {self.name}"


class Operation(models.Model):
    """One routing step of a part (Plex: part operation)."""

    part = models.ForeignKey(Part, on_delete=models.PROTECT, related_name="operations")
    sequence = models.PositiveIntegerField()
    name = models.CharField(max_length=120)
    work_center = models.ForeignKey(WorkCenter, on_delete=models.PROTECT, related_name="operations")
    required_certification = models.ForeignKey(
        "plexcopilot.CertificationType", null=True, blank=True, on_delete=models.PROTECT
    )
    plex_operation_id = models.CharField(max_length=64, blank=True, db_index=True)

    class Meta:
        ordering = ["part", "sequence"]
        constraints = [models.UniqueConstraint(fields=["part", "sequence"], name="operation_part_sequence")]

    def __str__(self) -> str:
        return f"{self.part.number} op {self.sequence} {self.name}"


class WorkOrderStatus(models.TextChoices):
    RELEASED = "released", _("Released")
    IN_PROGRESS = "in_progress", _("In progress")
    ON_HOLD = "on_hold", _("On hold")
    COMPLETE = "complete", _("Complete")


class WorkOrder(models.Model):
    """A job on the floor (Plex: scheduling job + operation)."""

    number = models.CharField(max_length=40, db_index=True)
    barcode = models.CharField(max_length=64, unique=True)
    part = models.ForeignKey(Part, on_delete=models.PROTECT, related_name="work_orders")
    operation = models.ForeignKey(Operation, on_delete=models.PROTECT, related_name="work_orders")
    quantity = models.PositiveIntegerField()
    status = models.CharField(
        max_length=16, choices=WorkOrderStatus.choices, default=WorkOrderStatus.RELEASED
    )
    due_date = models.DateField(null=True, blank=True)
    plex_job_id = models.CharField(max_length=64, blank=True, db_index=True)

    class Meta:
        ordering = ["number", "operation__sequence"]

    def __str__(self) -> str:
        return f"{self.number} op {self.operation.sequence}"


class Station(models.Model):
    """A tablet bound to a work center. Its sign-in page is /station/<code>/."""

    code = models.CharField(max_length=32, unique=True)
    name = models.CharField(max_length=120)
    work_center = models.ForeignKey(WorkCenter, on_delete=models.PROTECT, related_name="stations")
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} — {self.name}"


class WorkInstruction(models.Model):
    """The living document for one part + operation; its content lives in immutable versions."""

    part = models.ForeignKey(Part, on_delete=models.PROTECT, related_name="instructions")
    operation = models.ForeignKey(Operation, on_delete=models.PROTECT, related_name="instructions")
    title = models.CharField(max_length=200)
    current_version = models.ForeignKey(
        "InstructionVersion", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    plex_document_id = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["part", "operation__sequence"]
        constraints = [
            models.UniqueConstraint(fields=["part", "operation"], name="instruction_part_operation")
        ]

    def __str__(self) -> str:
        return self.title


class ImmutableError(Exception):
    pass


class InstructionVersion(models.Model):
    """A published, immutable snapshot of an instruction. Changes publish a new version."""

    instruction = models.ForeignKey(WorkInstruction, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    content_hash = models.CharField(max_length=64)
    change_note = models.CharField(max_length=500)
    effective_from = models.DateTimeField()
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT)
    published_at = models.DateTimeField(auto_now_add=True)
    restored_from = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT)

    class Meta:
        ordering = ["instruction", "-number"]
        constraints = [models.UniqueConstraint(fields=["instruction", "number"], name="version_number")]

    def __str__(self) -> str:
        return f"{self.instruction.title} v{self.number}"

    def save(self, *args: object, **kwargs: object) -> None:
        """Versions are written once; an edit is a new version."""
        if self.pk is not None:
            raise ImmutableError("Instruction versions are immutable; publish a new version instead.")
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    def delete(self, *args: object, **kwargs: object) -> tuple[int, dict[str, int]]:
        raise ImmutableError("Instruction versions are never deleted.")


class CheckKind(models.TextChoices):
    NONE = "", _("No measurement")
    TORQUE = "torque", _("Torque")
    DIMENSION = "dimension", _("Dimension")
    OTHER = "other", _("Other measurement")
    SIGNOFF = "signoff", _("Second-person sign-off")


class Step(models.Model):
    """One step of one version. Immutable with its version; `key` follows the step across versions."""

    version = models.ForeignKey(InstructionVersion, on_delete=models.PROTECT, related_name="steps")
    key = models.CharField(max_length=32)
    order = models.PositiveIntegerField()
    title = models.CharField(max_length=120)
    text = models.TextField()
    caution = models.TextField(blank=True)
    why = models.TextField(blank=True)
    critical = models.BooleanField(default=False)
    safety_critical = models.BooleanField(default=False)
    tool = models.CharField(max_length=120, blank=True)
    media = models.CharField(max_length=200, blank=True, help_text="Digest of a StepMedia (picture or clip)")
    media_caption = models.CharField(max_length=300, blank=True)
    check_kind = models.CharField(max_length=12, choices=CheckKind.choices, blank=True, default="")
    spec_nominal = models.DecimalField(max_digits=12, decimal_places=4, null=True, blank=True)
    spec_lower = models.DecimalField(max_digits=12, decimal_places=4, null=True, blank=True)
    spec_upper = models.DecimalField(max_digits=12, decimal_places=4, null=True, blank=True)
    spec_unit = models.CharField(max_length=16, blank=True)

    class Meta:
        ordering = ["version", "order"]
        constraints = [
            models.UniqueConstraint(fields=["version", "order"], name="step_version_order"),
            models.UniqueConstraint(fields=["version", "key"], name="step_version_key"),
            models.CheckConstraint(
                condition=Q(spec_lower__isnull=True)
                | Q(spec_upper__isnull=True)
                | Q(spec_lower__lte=models.F("spec_upper")),
                name="step_spec_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.order}. {self.title}"

    def save(self, *args: object, **kwargs: object) -> None:
        if self.pk is not None:
            raise ImmutableError("Steps belong to an immutable version; publish a new version instead.")
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    def delete(self, *args: object, **kwargs: object) -> tuple[int, dict[str, int]]:
        raise ImmutableError("Steps of a published version are never deleted.")

    @property
    def needs_signoff(self) -> bool:
        """Done only with a second person's badge + PIN (first-piece approval and the like)."""
        return self.check_kind == CheckKind.SIGNOFF

    @property
    def is_measured(self) -> bool:
        return bool(self.check_kind) and (self.spec_lower is not None or self.spec_upper is not None)

    def in_spec(self, value: Decimal) -> bool:
        """Inside the spec limits, limits included."""
        if self.spec_lower is not None and value < self.spec_lower:
            return False
        return not (self.spec_upper is not None and value > self.spec_upper)

    def content(self) -> dict[str, object]:
        """The step's content as plain data: what the content hash and diffs are computed over.

        `media_caption` is there only when set, so versions published before captions existed keep their hash
        (and the signatures on pending proposals stay bound to the same content)."""
        content: dict[str, object] = {
            "key": self.key,
            "order": self.order,
            "title": self.title,
            "text": self.text,
            "caution": self.caution,
            "why": self.why,
            "critical": self.critical,
            "safety_critical": self.safety_critical,
            "tool": self.tool,
            "media": self.media,
            "check_kind": self.check_kind,
            "spec_nominal": _num(self.spec_nominal),
            "spec_lower": _num(self.spec_lower),
            "spec_upper": _num(self.spec_upper),
            "spec_unit": self.spec_unit,
        }
        if self.media_caption:
            content["media_caption"] = self.media_caption
        return content


def _num(value: Decimal | None) -> str | None:
    return None if value is None else format(Decimal(value).normalize(), "f")


def content_hash(*, title: str, steps: list[dict[str, object]]) -> str:
    """SHA-256 over a canonical JSON form of an instruction's content."""
    canonical = json.dumps({"title": title, "steps": steps}, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


class ExecutionStatus(models.TextChoices):
    ACTIVE = "active", _("In progress")
    COMPLETE = "complete", _("Complete")


class Execution(models.Model):
    """A work order being worked through one instruction version; resumable from any tablet."""

    work_order = models.ForeignKey(WorkOrder, on_delete=models.PROTECT, related_name="executions")
    version = models.ForeignKey(InstructionVersion, on_delete=models.PROTECT, related_name="executions")
    status = models.CharField(max_length=12, choices=ExecutionStatus.choices, default=ExecutionStatus.ACTIVE)
    current_order = models.PositiveIntegerField(default=1)
    started_by = models.ForeignKey("plexcopilot.Employee", on_delete=models.PROTECT, related_name="+")
    # Who holds the run now: a second operator joining takes it over through a recorded hand-off.
    operator = models.ForeignKey(
        "plexcopilot.Employee", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    started_at = models.DateTimeField(auto_now_add=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["work_order"],
                condition=Q(status="active"),
                name="one_active_execution_per_work_order",
            )
        ]

    def __str__(self) -> str:
        return f"{self.work_order} on v{self.version.number}"


class CriticalSignoff(models.Model):
    """A second person's badge + PIN on a sign-off step, recorded like a certification override."""

    execution = models.ForeignKey(Execution, on_delete=models.PROTECT, related_name="signoffs")
    step = models.ForeignKey("Step", on_delete=models.PROTECT, related_name="+")
    operator = models.ForeignKey("plexcopilot.Employee", on_delete=models.PROTECT, related_name="+")
    signer = models.ForeignKey("plexcopilot.Employee", on_delete=models.PROTECT, related_name="+")
    signer_role = models.CharField(max_length=20)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [models.UniqueConstraint(fields=["execution", "step"], name="one_signoff_per_step")]


class VersionSwitch(models.Model):
    """A run moved to a newer, safety-critical version at a step boundary; the operator acknowledged the
    changed steps (which must be done again on the new version)."""

    execution = models.ForeignKey(Execution, on_delete=models.PROTECT, related_name="switches")
    from_version = models.ForeignKey("InstructionVersion", on_delete=models.PROTECT, related_name="+")
    to_version = models.ForeignKey("InstructionVersion", on_delete=models.PROTECT, related_name="+")
    acknowledged_by = models.ForeignKey("plexcopilot.Employee", on_delete=models.PROTECT, related_name="+")
    changed_keys = models.JSONField(default=list)
    station = models.ForeignKey(Station, null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]


class ScrapReason(models.TextChoices):
    """Reason codes for scrap reported at close-out (Plex scrap reasons are mapped to these)."""

    SETUP = "setup", _("Setup / first pieces")
    DIMENSIONAL = "dimensional", _("Dimension out of spec")
    SURFACE = "surface", _("Surface (scratch, dent, burr)")
    SPLIT = "split", _("Split or crack")
    MATERIAL = "material", _("Material defect")
    HANDLING = "handling", _("Handling damage")
    MACHINE = "machine", _("Machine fault")
    OTHER = "other", _("Other")


class ProductionReport(models.Model):
    """Good and scrap quantities reported when a run is closed out; one per run."""

    execution = models.OneToOneField(Execution, on_delete=models.PROTECT, related_name="production")
    work_order = models.ForeignKey(WorkOrder, on_delete=models.PROTECT, related_name="production_reports")
    good = models.PositiveIntegerField()
    scrap = models.PositiveIntegerField(default=0)
    scrap_reason = models.CharField(max_length=16, choices=ScrapReason.choices, blank=True)
    reported_by = models.ForeignKey("plexcopilot.Employee", on_delete=models.PROTECT, related_name="+")
    station = models.ForeignKey(Station, null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    closed_work_order = models.BooleanField(default=False)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(scrap=0) | ~Q(scrap_reason=""), name="scrap_needs_reason"),
        ]


class RunHandoff(models.Model):
    """A second operator took over a run at a station; the steps after it are theirs."""

    execution = models.ForeignKey(Execution, on_delete=models.PROTECT, related_name="handoffs")
    from_employee = models.ForeignKey("plexcopilot.Employee", on_delete=models.PROTECT, related_name="+")
    to_employee = models.ForeignKey("plexcopilot.Employee", on_delete=models.PROTECT, related_name="+")
    at_step = models.PositiveIntegerField()
    station = models.ForeignKey(Station, null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]


class StepCompletion(models.Model):
    """A step done on a run. A version switch copies the unchanged steps' completions onto the new version's steps
    with who, when and where of the original (`carried_from`): the person at the tablet did not do them again."""

    execution = models.ForeignKey(Execution, on_delete=models.PROTECT, related_name="completions")
    step = models.ForeignKey(Step, on_delete=models.PROTECT, related_name="+")
    completed_by = models.ForeignKey("plexcopilot.Employee", on_delete=models.PROTECT, related_name="+")
    completed_at = models.DateTimeField(default=timezone.now, editable=False)
    station = models.ForeignKey(Station, null=True, on_delete=models.PROTECT, related_name="+")
    carried_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["execution", "step"], name="step_done_once")]


class Measurement(models.Model):
    """A value entered against a step's spec. Out-of-spec entries are kept and marked, never discarded."""

    execution = models.ForeignKey(Execution, on_delete=models.PROTECT, related_name="measurements")
    step = models.ForeignKey(Step, on_delete=models.PROTECT, related_name="measurements")
    value = models.DecimalField(max_digits=12, decimal_places=4)
    raw_value = models.CharField(max_length=40)
    in_spec = models.BooleanField(db_index=True)
    recheck_of = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    entered_by = models.ForeignKey("plexcopilot.Employee", on_delete=models.PROTECT, related_name="+")
    entered_at = models.DateTimeField(auto_now_add=True, db_index=True)
    station = models.ForeignKey(Station, null=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["entered_at", "id"]

    @property
    def value_text(self) -> str:
        """The reading as a plain number ("1000", "1.8") for text the system writes; `raw_value` is as typed."""
        return _num(self.value) or ""

    @property
    def value_shown(self) -> Decimal:
        """The reading with the decimals the operator typed ("18.0 mm" is 18.0, not 18): a gauge's resolution."""
        typed = re.search(r"\d*[.,](\d+)|\d+", "".join(self.raw_value.split()))  # read as parsed: no spaces
        exponent = self.value.normalize().as_tuple().exponent
        decimals = max(
            min(len(typed[1] or ""), 4) if typed else 0, -exponent if isinstance(exponent, int) else 0
        )
        return self.value.quantize(Decimal(1).scaleb(-decimals))


class UnclearFlag(models.Model):
    """An operator's "this step is unclear", tied to the exact version and step."""

    version = models.ForeignKey(InstructionVersion, on_delete=models.PROTECT, related_name="flags")
    step = models.ForeignKey(Step, on_delete=models.PROTECT, related_name="flags")
    work_order = models.ForeignKey(WorkOrder, on_delete=models.PROTECT, related_name="+")
    execution = models.ForeignKey(Execution, null=True, on_delete=models.PROTECT, related_name="flags")
    raised_by = models.ForeignKey("plexcopilot.Employee", on_delete=models.PROTECT, related_name="+")
    comment = models.TextField(blank=True, max_length=1000)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    resolved = models.BooleanField(default=False)

    class Meta:
        ordering = ["-created_at"]


class CertificationOverride(models.Model):
    """A supervisor's recorded permission for an operator without a valid certification."""

    execution = models.ForeignKey(Execution, on_delete=models.PROTECT, related_name="overrides")
    operator = models.ForeignKey("plexcopilot.Employee", on_delete=models.PROTECT, related_name="+")
    supervisor = models.ForeignKey("plexcopilot.Employee", on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(max_length=500)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]


class AdaptationLog(models.Model):
    """What the adaptation engine changed for whom, on which version, and why."""

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    employee = models.ForeignKey("plexcopilot.Employee", on_delete=models.PROTECT, related_name="+")
    version = models.ForeignKey(InstructionVersion, on_delete=models.PROTECT, related_name="+")
    work_order = models.ForeignKey(WorkOrder, on_delete=models.PROTECT, related_name="+")
    station = models.ForeignKey(Station, null=True, on_delete=models.PROTECT, related_name="+")
    level = models.CharField(max_length=12)
    language = models.CharField(max_length=10)
    rules = models.JSONField(default=list)

    class Meta:
        ordering = ["-at"]


# --- Governance: change proposals, evidence and electronic signatures ----------------------------


class ProposalSource(models.TextChoices):
    OPERATOR_FLAGS = "operator_flags", "Operator flags"
    DEFECT = "defect", "Defect"
    OUT_OF_SPEC = "out_of_spec", "Out-of-spec readings"
    COPILOT_QUESTIONS = "copilot_questions", "Copilot questions"
    QUALITY_ENGINEER = "quality_engineer", "Quality engineer"
    ENGINEER_EDIT = "engineer_edit", "Engineer edit"
    AI_DRAFT = "ai_draft", "AI draft"
    ROLLBACK = "rollback", "Rollback"


class ProposalStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    PENDING = "pending", "Pending approval"
    APPROVED = "approved", "Approved and published"
    REJECTED = "rejected", "Rejected"
    SUPERSEDED = "superseded", "Superseded"


class RiskClass(models.TextChoices):
    STANDARD = "standard", "Standard"
    SAFETY_CRITICAL = "safety_critical", "Safety-critical"


class ChangeProposal(models.Model):
    """A proposed change to an instruction, based on one published version.

    `edits` is a list of step-level operations applied to the base version's steps (see
    instructions.proposal_content.proposal_steps). `content_hash` is the hash of the version this
    proposal would publish; signatures are bound to it.
    """

    instruction = models.ForeignKey(WorkInstruction, on_delete=models.PROTECT, related_name="proposals")
    base_version = models.ForeignKey(InstructionVersion, on_delete=models.PROTECT, related_name="+")
    source = models.CharField(max_length=20, choices=ProposalSource.choices)
    status = models.CharField(
        max_length=12, choices=ProposalStatus.choices, default=ProposalStatus.PENDING, db_index=True
    )
    risk = models.CharField(max_length=16, choices=RiskClass.choices, default=RiskClass.STANDARD)
    summary = models.CharField(max_length=200)
    rationale = models.TextField(max_length=4000)
    edits = models.JSONField(default=list, blank=True)
    restored_from = models.ForeignKey(
        InstructionVersion, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    content_hash = models.CharField(max_length=64)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decision_reason = models.CharField(max_length=1000, blank=True)
    published_version = models.OneToOneField(
        InstructionVersion, null=True, blank=True, on_delete=models.PROTECT, related_name="proposal"
    )
    superseded_by = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Bumped by a conditional UPDATE at every signature: the row lock that serialises signers
    # on PostgreSQL and the "still pending?" check on every database.
    revision = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="approved", published_version__isnull=False)
                | (~Q(status="approved") & Q(published_version__isnull=True)),
                name="proposal_approved_iff_published",
            ),
        ]

    def __str__(self) -> str:
        return f"Proposal {self.pk}: {self.summary}"

    @property
    def is_safety_critical(self) -> bool:
        return self.risk == RiskClass.SAFETY_CRITICAL

    @property
    def is_open(self) -> bool:
        return self.status in (ProposalStatus.DRAFT, ProposalStatus.PENDING)


class EvidenceKind(models.TextChoices):
    FLAG = "flag", "Unclear-step flag"
    DEFECT = "defect", "Defect report"
    OUT_OF_SPEC = "out_of_spec", "Out-of-spec entry"
    NCR = "ncr", "NCR"
    COPILOT_QUESTION = "copilot_question", "Copilot question"
    OTHER = "other", "Other"


class ProposalEvidence(models.Model):
    """One piece of evidence behind a proposal: a flag, defect, out-of-spec reading, NCR or question.

    Flags, defects and measurements are linked by foreign key; records of other apps (NCRs,
    copilot questions) by their model label and primary key.
    """

    proposal = models.ForeignKey(ChangeProposal, on_delete=models.PROTECT, related_name="evidence")
    kind = models.CharField(max_length=20, choices=EvidenceKind.choices)
    flag = models.ForeignKey(UnclearFlag, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    defect = models.ForeignKey(
        "quality.DefectReport", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    measurement = models.ForeignKey(
        Measurement, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    object_type = models.CharField(max_length=60, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    step_key = models.CharField(max_length=32, blank=True)
    label = models.CharField(max_length=300)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.label}"


class SignatureMeaning(models.TextChoices):
    APPROVED_FOR_RELEASE = "approved_for_release", "Approved for release"
    REVIEWED = "reviewed", "Reviewed"


class SignatureMethod(models.TextChoices):
    BADGE_PIN = "badge_pin", "Badge + PIN"
    PASSWORD = "password", "Password"


class Signature(models.Model):
    """An electronic signature on a proposal, bound to the content hash of the version it releases.

    Written once; the printed name, role and meaning are copied at signing time so later changes
    to the person's record never alter what was signed.
    """

    proposal = models.ForeignKey(ChangeProposal, on_delete=models.PROTECT, related_name="signatures")
    signer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    printed_name = models.CharField(max_length=200)
    role = models.CharField(max_length=20)
    meaning = models.CharField(max_length=24, choices=SignatureMeaning.choices)
    method = models.CharField(max_length=12, choices=SignatureMethod.choices)
    content_hash = models.CharField(max_length=64)
    signed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["signed_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["proposal", "signer", "content_hash"], name="one_signature_per_person_and_content"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.printed_name} ({self.role}) — {self.get_meaning_display()}"

    def save(self, *args: object, **kwargs: object) -> None:
        if self.pk is not None:
            raise ImmutableError("Signatures are written once.")
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    def delete(self, *args: object, **kwargs: object) -> tuple[int, dict[str, int]]:
        raise ImmutableError("Signatures are never deleted.")


from instructions.media_models import MediaKind, StepMedia  # noqa: E402, F401  (registered with the app)

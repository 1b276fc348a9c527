from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from plexcopilot.roles import ROLE_CHOICES


class DocType(
    models.TextChoices
):  # labels in the reader's language: operators open cited sources at a station
    SOP = "sop", _("Standard operating procedure")
    TROUBLESHOOTING = "troubleshooting", _("Troubleshooting guide")
    MAINTENANCE = "maintenance", _("Maintenance log")
    CORRECTIVE_ACTION = "corrective_action", _("Corrective action")
    INSTRUCTION = "instruction", _("Work instruction")
    NCR = "ncr", _("Closed NCR")
    OTHER = "other", _("Other")


class DocumentStatus(models.TextChoices):
    APPROVED = "approved", "Approved"
    PENDING = "pending", "Waiting for a second person's approval"
    REJECTED = "rejected", "Rejected"
    SUPERSEDED = "superseded", "Replaced by a newer approved version"


class IndexStatus(models.TextChoices):
    READY = "ready", "Indexed"
    QUEUED = "queued", "Indexing…"
    FAILED = "failed", "Indexing failed"


class KnowledgeDocument(models.Model):
    """One source in the knowledge library: a file, an upload, an instruction version or a closed NCR.

    `source_key` identifies the source across re-ingests (a file path, `instruction-version:12`, ...);
    `content_hash` lets an unchanged source be skipped. Uploads are versioned: every upload of one file name is
    a new document (`upload_name`, `revision`); an approved version stays citable until a later one is approved,
    and is then kept as `superseded` history.
    """

    source_key = models.CharField(max_length=500, unique=True)
    title = models.CharField(max_length=300)
    doc_type = models.CharField(max_length=20, choices=DocType.choices, default=DocType.OTHER, db_index=True)
    file_format = models.CharField(max_length=20, blank=True)
    part_number = models.CharField(max_length=40, blank=True, help_text="Blank: any part")
    work_center_code = models.CharField(max_length=32, blank=True, help_text="Blank: any work center")
    area = models.CharField(max_length=60, blank=True, help_text="Blank: every area may see it")
    roles = models.CharField(
        max_length=100, blank=True, help_text="Comma-separated roles that may see it; blank: everyone"
    )
    version = models.ForeignKey(
        "instructions.InstructionVersion", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    path = models.CharField(
        max_length=500, blank=True, help_text="Path relative to the library folder it was ingested from"
    )
    url = models.CharField(max_length=1000, blank=True, help_text="The source's own address, when it has one")
    media = models.CharField(
        max_length=1000, blank=True, help_text="Video clip: a file under the library or an http(s) URL"
    )
    tracks = models.JSONField(default=dict, blank=True, help_text="Transcript per language (WebVTT text)")
    status = models.CharField(
        max_length=10, choices=DocumentStatus.choices, default=DocumentStatus.APPROVED, db_index=True
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    upload_name = models.CharField(
        max_length=120, blank=True, db_index=True, help_text="Uploads: the file name all versions share"
    )
    revision = models.PositiveIntegerField(default=1, help_text="Uploads: version number of that file name")
    index_status = models.CharField(
        max_length=8, choices=IndexStatus.choices, default=IndexStatus.READY,
        help_text="Uploads are read and indexed by the background worker",
    )  # fmt: skip
    index_error = models.CharField(max_length=500, blank=True, help_text="Why indexing failed")
    vector = models.BinaryField(null=True, blank=True, help_text="Title-and-headings embedding (float32)")
    content_hash = models.CharField(max_length=64)
    text = models.TextField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Not a field: the library view sets it for the template (the other revisions of an upload).
    history: list["KnowledgeDocument"]

    class Meta:
        ordering = ["doc_type", "title", "-revision"]
        constraints = [
            models.UniqueConstraint(
                fields=["upload_name", "revision"],
                condition=~models.Q(upload_name=""),
                name="one_document_per_upload_revision",
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def role_list(self) -> list[str]:
        return [role.strip() for role in self.roles.split(",") if role.strip()]

    def visible_to(self, *, role: str | None, area: str | None) -> bool:
        """Admins see everything; otherwise the role (when restricted) and area (when set) must match."""
        if role == "admin":
            return True
        if self.role_list and role not in self.role_list:
            return False
        return not self.area or area is None or self.area == area


class KnowledgeChunk(models.Model):
    """A passage of a document, the unit retrieved and cited. Its primary key is its id in the vector store."""

    document = models.ForeignKey(KnowledgeDocument, on_delete=models.CASCADE, related_name="chunks")
    ordinal = models.PositiveIntegerField()
    location = models.CharField(max_length=300, blank=True, help_text="Heading path, page or step")
    text = models.TextField()
    step = models.ForeignKey(
        "instructions.Step", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    start_seconds = models.FloatField(
        null=True, blank=True, help_text="Video clips: where the passage starts"
    )

    class Meta:
        ordering = ["document", "ordinal"]
        constraints = [models.UniqueConstraint(fields=["document", "ordinal"], name="chunk_document_ordinal")]

    def __str__(self) -> str:
        return f"{self.document.title} — {self.location or self.ordinal}"


class IndexState(models.Model):
    """A single row whose token changes whenever the library changes, so every worker rebuilds BM25."""

    token = models.CharField(max_length=32)
    changed_at = models.DateTimeField(auto_now=True)


class Conversation(models.Model):
    """The questions one operator asked on one work order."""

    work_order = models.ForeignKey(
        "instructions.WorkOrder", null=True, on_delete=models.PROTECT, related_name="+"
    )
    employee = models.ForeignKey("plexcopilot.Employee", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["work_order", "employee"], name="one_conversation_per_work_order")
        ]


class CopilotQuestion(models.Model):
    """A question and its answer, tied to the exact version and step: evidence for change proposals."""

    conversation = models.ForeignKey(Conversation, on_delete=models.PROTECT, related_name="questions")
    work_order = models.ForeignKey(
        "instructions.WorkOrder", null=True, on_delete=models.PROTECT, related_name="+"
    )
    version = models.ForeignKey(
        "instructions.InstructionVersion",
        null=True,
        on_delete=models.PROTECT,
        related_name="copilot_questions",
    )
    step = models.ForeignKey(
        "instructions.Step", null=True, on_delete=models.PROTECT, related_name="copilot_questions"
    )
    step_key = models.CharField(max_length=32, blank=True, db_index=True)
    operator = models.ForeignKey("plexcopilot.Employee", on_delete=models.PROTECT, related_name="+")
    question = models.TextField(max_length=500)
    answer = models.TextField(blank=True)
    citations = models.JSONField(default=list)
    unverified = models.JSONField(
        default=list, help_text="Numbers the answer gave that no source or spec holds"
    )
    engine = models.CharField(max_length=20, blank=True)
    notice = models.CharField(max_length=300, blank=True)
    helpful = models.BooleanField(null=True)
    asked_at = models.DateTimeField(auto_now_add=True, db_index=True)
    answered_at = models.DateTimeField(null=True)

    class Meta:
        ordering = ["asked_at", "id"]

    def __str__(self) -> str:
        return self.question[:80]


ROLE_VALUES = [value for value, _label in ROLE_CHOICES]

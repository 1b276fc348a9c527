import json

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.db import models

from plexcopilot.roles import OPERATOR, ROLE_CHOICES


class AuditEvent(models.Model):
    """One append-only line of the audit trail.

    Each event carries the hash of the one before it, so an edited or deleted row breaks the
    chain (`manage.py verify_audit` walks it). Rows are never updated or deleted by the app.
    """

    at = models.DateTimeField(db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT)
    actor_name = models.CharField(max_length=200, blank=True)
    action = models.CharField(max_length=60, db_index=True)
    object_type = models.CharField(max_length=60, db_index=True)
    object_id = models.CharField(max_length=64, db_index=True)
    summary = models.CharField(max_length=500)
    data = models.JSONField(default=dict, blank=True)
    prev_hash = models.CharField(max_length=64, unique=True)  # one successor per event: no forks
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return (
            f"{self.at:%Y-%m-%d %H:%M:%S} {self.actor_name} {self.action} {self.object_type}#{self.object_id}"
        )

    def payload(self) -> bytes:
        return json.dumps(
            {
                "at": self.at.isoformat(),
                "actor": self.actor_id,
                "actor_name": self.actor_name,
                "action": self.action,
                "object_type": self.object_type,
                "object_id": self.object_id,
                "summary": self.summary,
                "data": self.data,
                "prev": self.prev_hash,
            },
            sort_keys=True,
            default=str,
        ).encode()

    def compute_hash(self, *, keyed: bool = True) -> str:
        """The chain hash over this event's content and the previous event's hash: HMAC-SHA256 with the audit key
        (plexcopilot.audit_chain), or plain SHA-256 for events written before the chain was keyed."""
        from plexcopilot.audit_chain import keyed_hash, legacy_hash

        return keyed_hash(self.payload()) if keyed else legacy_hash(self.payload())

    def save(self, *args: object, **kwargs: object) -> None:
        if self.pk is not None:
            raise ValueError("Audit events are append-only.")
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    def delete(self, *args: object, **kwargs: object) -> tuple[int, dict[str, int]]:
        raise ValueError("Audit events are append-only.")


class WorkerHeartbeat(models.Model):
    """The background worker's sign of life (plexcopilot.worker): pages tell "worker not running" from "busy"."""

    worker_id = models.CharField(max_length=64, unique=True)
    seen_at = models.DateTimeField(db_index=True)
    pid = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.worker_id} seen {self.seen_at:%Y-%m-%d %H:%M:%S}"


class Employee(models.Model):
    """A person on the floor: who they are (badge, PIN, language, role). Signs in at a station with badge + PIN
    (plexcopilot.auth); desk users also have a password. What they may do on the floor (certifications, punches,
    crews) is labor's, keyed on this record.

    The table keeps its first name, `labor_employee`: the model moved from labor to the core without moving data
    (plexcopilot migration 0005, labor migration 0006)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="employee")
    badge_id = models.CharField(max_length=32, unique=True)
    pin_hash = models.CharField(max_length=128)
    first_name = models.CharField(max_length=80)
    last_name = models.CharField(max_length=80)
    language = models.CharField(max_length=10, choices=settings.LANGUAGES, default="en")
    role = models.CharField(max_length=20, choices=ROLE_CHOICES, default=OPERATOR, db_index=True)
    shift = models.CharField(max_length=4, blank=True)
    active = models.BooleanField(default=True)
    plex_employee_id = models.CharField(max_length=64, blank=True, db_index=True)

    class Meta:
        db_table = "labor_employee"
        ordering = ["last_name", "first_name"]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    def set_pin(self, pin: str) -> None:
        """Store the PIN hashed with Django's password hasher; the PIN itself is never kept."""
        self.pin_hash = make_password(pin)

    def check_pin(self, pin: str) -> bool:
        return check_password(pin, self.pin_hash)

import json

from django.conf import settings
from django.db import models


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

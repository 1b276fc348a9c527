"""Every change made in the Django admin goes into the hash-chained audit trail, not only the admin's own history.

The admin writes one `LogEntry` per object it adds, changes or deletes; each is recorded as an `admin.added`,
`admin.changed` or `admin.deleted` audit event in the same transaction (a shift's grace minutes, a defect
category retired, a labor rate, a certification's validity). The one admin path that logs several objects in one
bulk insert, without save signals, is the "delete selected" action: it is switched off, so a deletion is made
one object at a time on its own confirmation page, and recorded."""

from typing import Any

from django.contrib import admin
from django.contrib.admin.models import ADDITION, CHANGE, DELETION, LogEntry
from django.db.models.signals import post_save

VERBS = {ADDITION: "added", CHANGE: "changed", DELETION: "deleted"}


def admin_change_audit(sender: type[LogEntry], instance: LogEntry, created: bool, raw: bool = False,
                       **kwargs: Any) -> None:  # fmt: skip
    from plexcopilot.services import audit_record

    if not created or raw or instance.action_flag not in VERBS:
        return
    verb = VERBS[instance.action_flag]
    kind = instance.content_type
    model = kind.model_class() if kind is not None else None
    what = str(model._meta.verbose_name) if model is not None else "object"
    change = instance.get_change_message() if instance.action_flag == CHANGE else ""
    summary = f"{what[:1].upper()}{what[1:]} '{instance.object_repr}' {verb} in the admin"
    audit_record(
        actor=instance.user,
        action=f"admin.{verb}",
        object_type=f"{kind.app_label}.{kind.model}"[:60] if kind is not None else "admin",
        object_id=str(instance.object_id or "")[:64],
        summary=(f"{summary}: {change}" if change else summary)[:500],
        data={"change": instance.get_change_message(), "admin_log_id": instance.pk},
    )


def admin_audit_connect() -> None:
    post_save.connect(admin_change_audit, sender=LogEntry, dispatch_uid="plexcopilot-admin-audit")
    if any(name == "delete_selected" for name, _action in admin.site.actions):
        admin.site.disable_action("delete_selected")

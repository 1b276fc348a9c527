"""Every change made in the Django admin goes into the hash-chained audit trail, not only the admin's own history.

The admin writes one `LogEntry` per object it adds, changes or deletes; each is recorded as an `admin.added`,
`admin.changed` or `admin.deleted` audit event in the same transaction (a shift's grace minutes, a defect
category retired, a labor rate, a certification's validity). The one admin path that logs several objects in one
bulk insert, without save signals, is the "delete selected" action: it is switched off, so a deletion is made
one object at a time on its own confirmation page, and recorded.

Lock order (docs/architecture.md): the audit record is written after the admin has written its row, so an admin
POST runs in one transaction that takes the audit chain's lock first (`AdminWriteOrderMiddleware`); the admin's own
transaction and the audit append nest inside it, and the row locks come after the chain's lock, as everywhere."""

from collections.abc import Callable
from typing import Any

from django.contrib import admin
from django.contrib.admin.models import ADDITION, CHANGE, DELETION, LogEntry
from django.db import transaction
from django.db.models.signals import post_save
from django.http import HttpRequest, HttpResponse
from django.urls import reverse

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


class AdminWriteOrderMiddleware:
    """Every POST to the admin runs in a transaction that holds the audit chain's lock before any row is written."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.prefix = ""

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from plexcopilot.services import audit_chain_lock

        self.prefix = self.prefix or reverse("admin:index")
        if request.method != "POST" or not request.path.startswith(self.prefix):
            return self.get_response(request)
        with transaction.atomic():
            audit_chain_lock()
            return self.get_response(request)

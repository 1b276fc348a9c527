"""Every change made in the Django admin goes into the hash-chained audit trail, not only the admin's own history.

The admin writes one `LogEntry` per object it adds, changes or deletes; each is recorded as an `admin.added`,
`admin.changed` or `admin.deleted` audit event in the same transaction (a shift's grace minutes, a defect
category retired, a labor rate, a certification's validity), with what changed: each field's value before and
after ("Grace minutes: (empty) → 5", "Role: Operator → Supervisor"; a PIN or password only as "(changed)"), the
fields of an added record, and the related records a deletion takes with it (what the admin's confirmation page
listed). The admin's own change message says only which fields changed. The one admin path that logs several
objects in one bulk insert, without save signals, is the "delete selected" action: it is switched off, so a
deletion is made one object at a time on its own confirmation page, and recorded. The admin's own actions
(retire a category, mark a sync problem resolved) record themselves where they are defined.

Lock order (docs/architecture.md): the audit record is written after the admin has written its row, so an admin
POST runs in one transaction that takes the audit chain's lock first (`AdminWriteOrderMiddleware`); the admin's own
transaction and the audit append nest inside it, and the row locks come after the chain's lock, as everywhere.
The same middleware opens the `AdminWrite` in which the rows are read before they are saved."""

import json
import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.contrib import admin
from django.contrib.admin.models import ADDITION, CHANGE, DELETION, LogEntry
from django.contrib.admin.utils import NestedObjects
from django.db import models, router, transaction
from django.db.models.signals import m2m_changed, post_save, pre_save
from django.http import HttpRequest, HttpResponse
from django.urls import reverse

VERBS = {ADDITION: "added", CHANGE: "changed", DELETION: "deleted"}
SECRET = re.compile(r"password|pin_hash|secret|token|_hash$")  # recorded as "(changed)", never the value
#: Their records name rates and costs ("OP2 (29.50/h)", "… @ 32.00"): a cascade lists them without their names, as
#: the audit page shows pay records only to those who may see labor costs.
PAY_APPS = {"labor_analytics"}
#: Field changes, and related records deleted with an object, named in the summary before "and N more".
SHOWN = 12


@dataclass
class AdminWrite:
    """What one admin POST found before it wrote: the rows it saves and the many-to-many sets it changes."""

    before: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    sets_before: dict[tuple[str, str], dict[str, list[str]]] = field(default_factory=dict)
    reported: set[tuple[str, str]] = field(default_factory=set)


_write: ContextVar[AdminWrite | None] = ContextVar("plexcopilot_admin_write", default=None)


@contextmanager
def admin_write() -> Iterator[AdminWrite]:
    token = _write.set(AdminWrite())
    try:
        yield _write.get()  # type: ignore[misc]
    finally:
        _write.reset(token)


def _key(model: type[models.Model], pk: Any) -> tuple[str, str]:
    return model._meta.label_lower, str(pk)


def _fields(model: type[models.Model]) -> list[models.Field]:
    return [
        f for f in model._meta.concrete_fields if not f.auto_created and not isinstance(f, models.BinaryField)
    ]  # a pickled model or a vector is not a value a person reads


def _row(model: type[models.Model], pk: Any) -> dict[str, Any] | None:
    return model._default_manager.filter(pk=pk).values(*(f.attname for f in _fields(model))).first()


def _sets(obj: models.Model) -> dict[str, list[str]]:
    return {f.name: sorted(str(o) for o in getattr(obj, f.name).all()) for f in obj._meta.many_to_many}


def remember_row(
    sender: type[models.Model], instance: models.Model, raw: bool = False, **kwargs: Any
) -> None:
    write = _write.get()
    if write is None or raw or sender in (LogEntry,) or instance._state.adding or instance.pk is None:
        return
    key = _key(sender, instance.pk)
    if key not in write.before and (row := _row(sender, instance.pk)) is not None:
        write.before[key] = row


def remember_sets(sender: Any, instance: models.Model, action: str, reverse: bool, **kwargs: Any) -> None:
    write = _write.get()
    if write is None or reverse or not action.startswith("pre_") or instance.pk is None:
        return
    write.sets_before.setdefault(_key(type(instance), instance.pk), _sets(instance))


def _shown(f: models.Field, value: Any) -> str:
    if SECRET.search(f.attname):
        return "(set)" if value else "(empty)"
    if value is None or value == "":
        return "(empty)"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if f.is_relation and f.related_model is not None:
        to_field = str(getattr(f.remote_field, "field_name", None) or "pk")  # the pk, or the key's to_field
        related = f.related_model._default_manager.filter(**{to_field: value}).first()  # type: ignore[union-attr]
        return str(related) if related is not None else f"#{value}"
    if f.choices:
        return str(dict(f.flatchoices).get(value, value))
    return str(value)[:200]


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _label(f: models.Field) -> str:
    name = str(f.verbose_name)
    return _capital(name)


def field_changes(
    model: type[models.Model], old: dict[str, Any] | None, new: dict[str, Any] | None
) -> list[dict]:
    """[{"field", "old", "new"}] for every field whose stored value differs (a secret only as "(changed)")."""
    changes = []
    for f in _fields(model):
        before, after = (old or {}).get(f.attname), (new or {}).get(f.attname)
        if old is not None and new is not None and before == after:
            continue
        if old is None and (after is None or after == ""):
            continue  # an added record: its filled-in fields
        secret = SECRET.search(f.attname) is not None
        changes.append({
            "field": _label(f),
            "old": None if old is None or (secret and new is not None) else _shown(f, before),
            "new": None if new is None else ("(changed)" if secret and old is not None else _shown(f, after)),
        })  # fmt: skip
    return changes


def set_changes(
    model: type[models.Model], old: dict[str, list[str]], new: dict[str, list[str]]
) -> list[dict]:
    changes = []
    for f in model._meta.many_to_many:
        before, after = old.get(f.name, []), new.get(f.name, [])
        if before != after:
            changes.append({"field": _label(f), "old": ", ".join(before) or "(none)",
                            "new": ", ".join(after) or "(none)"})  # fmt: skip
    return changes


def _phrase(change: dict) -> str:
    if change["old"] is None:
        return f"{change['field']}: {change['new']}"
    return f"{change['field']}: {change['old']} → {change['new']}"


def _listed(phrases: list[str]) -> str:
    more = len(phrases) - SHOWN
    return "; ".join(phrases[:SHOWN]) + (f"; and {more} more" if more > 0 else "")


def _rows_added_or_deleted(entry: LogEntry) -> list[str]:
    """Rows the page added or deleted in its inline forms ("Deleted employee certification 'X'"): no row was
    saved over an old one, so they have no before and after, and the admin's message names them."""
    try:
        items = json.loads(entry.change_message or "[]")
    except ValueError:
        return []
    return [
        f"{verb.capitalize()} {item[verb].get('name', '')} '{item[verb].get('object', '')}'"
        for item in (items if isinstance(items, list) else [])
        for verb in ("added", "deleted")
        if isinstance(item, dict) and isinstance(item.get(verb), dict) and item[verb]
    ]


def deleted_with(obj: models.Model) -> list[str]:
    """What the delete cascades to, as the admin's confirmation page lists it ("Certification: …")."""
    collector = NestedObjects(using=router.db_for_write(type(obj)))
    collector.collect([obj])
    return [
        f"{_capital(str(related._meta.verbose_name))}: "
        + ("(a labor cost record)" if related._meta.app_label in PAY_APPS else str(related))
        for model_objects in collector.data.values()
        for related in model_objects
        if related is not obj and not (type(related) is type(obj) and related.pk == obj.pk)
    ]


def admin_change_audit(sender: type[LogEntry], instance: LogEntry, created: bool, raw: bool = False,
                       **kwargs: Any) -> None:  # fmt: skip
    from plexcopilot.services import audit_record

    if not created or raw or instance.action_flag not in VERBS:
        return
    verb = VERBS[instance.action_flag]
    kind = instance.content_type
    model = kind.model_class() if kind is not None else None
    what = str(model._meta.verbose_name) if model is not None else "object"
    message = instance.get_change_message() if instance.action_flag == CHANGE else ""
    data: dict[str, Any] = {"change": instance.get_change_message(), "admin_log_id": instance.pk}
    details = ""
    if model is not None and instance.object_id:
        data["fields"], details = _what_changed(model, instance)
        if instance.action_flag == DELETION and (
            obj := model._default_manager.filter(pk=instance.object_id).first()
        ):
            taken = deleted_with(obj)
            data["deleted_with"], data["deleted_with_count"] = taken[:500], len(taken)
            details = f" with {len(taken)} related records: {_listed(taken)}" if taken else ""
        elif details:
            details = f": {details}"
        elif (
            instance.action_flag == CHANGE
            and _write.get() is not None
            and not _rows_added_or_deleted(instance)
        ):
            details = ": no stored value changed"  # the admin's message can name a field saved as it was
    summary = f"{_capital(what)} '{instance.object_repr}' {verb} in the admin"
    summary = f"{summary}{details}" if details else f"{summary}: {message}" if message else summary
    audit_record(
        actor=instance.user,
        action=f"admin.{verb}",
        object_type=f"{kind.app_label}.{kind.model}"[:60] if kind is not None else "admin",
        object_id=str(instance.object_id or "")[:64],
        summary=summary[:500],
        data=data,
    )


def _what_changed(model: type[models.Model], entry: LogEntry) -> tuple[list[dict], str]:
    """The field changes of the logged object (and the summary's phrase for them); a deletion's are its values."""
    write = _write.get() or AdminWrite()
    key = _key(model, entry.object_id)
    now = _row(model, entry.object_id)
    obj = model._default_manager.filter(pk=entry.object_id).first()
    if entry.action_flag == DELETION:
        return field_changes(model, now, None), ""
    if entry.action_flag == ADDITION:
        changes = field_changes(model, None, now) + (set_changes(model, {}, _sets(obj)) if obj else [])
    else:
        changes = field_changes(model, write.before[key], now) if key in write.before else []
        if obj is not None and key in write.sets_before:
            changes += set_changes(model, write.sets_before[key], _sets(obj))
        changes += _inline_changes(write, model)
    phrases = [_phrase(c) for c in changes] + _rows_added_or_deleted(entry)
    return changes, _listed(phrases) if phrases else ""


def _inline_changes(write: AdminWrite, model: type[models.Model]) -> list[dict]:
    """Rows of other models the same page changed (an employee's certification edited on the employee's page)."""
    changes = []
    for (label, pk), before in list(write.before.items()):
        related = apps.get_model(label)
        if related is model or (label, pk) in write.reported:
            continue
        write.reported.add((label, pk))
        row = related._default_manager.filter(pk=pk).first()
        for change in field_changes(related, before, _row(related, pk)) if row is not None else []:
            what = str(related._meta.verbose_name)
            changes.append({**change, "field": f"{_capital(what)} '{row}', {change['field'].lower()}"})
    return changes


def admin_action_audit(request: HttpRequest, action: str, objects: Sequence[models.Model], done: str) -> None:
    """One audit event per object an admin action changed ("Defect category 'LEAK' retired in the admin"): an
    action is not in the admin's own history, which logs only its change pages."""
    from plexcopilot.services import audit_record

    for obj in objects:
        what = str(obj._meta.verbose_name)
        audit_record(actor=request.user, action=f"admin.{action}", obj=obj,
                     summary=f"{_capital(what)} '{obj}' {done} in the admin"[:500])  # fmt: skip


def admin_audit_connect() -> None:
    post_save.connect(admin_change_audit, sender=LogEntry, dispatch_uid="plexcopilot-admin-audit")
    pre_save.connect(remember_row, dispatch_uid="plexcopilot-admin-audit-before")
    m2m_changed.connect(remember_sets, dispatch_uid="plexcopilot-admin-audit-sets")
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
        with transaction.atomic(), admin_write():
            audit_chain_lock()
            return self.get_response(request)

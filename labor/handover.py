"""The shift handover: drafted from the shift's data, most urgent first; signed by the outgoing lead,
acknowledged by the incoming one."""

import datetime
from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from instructions.models import (
    ChangeProposal,
    Execution,
    ExecutionStatus,
    Measurement,
    StepCompletion,
    UnclearFlag,
)
from labor.errors import LaborError, local_time
from labor.models import AndonCall, AndonCategory, FlagStatus, Handover, LaborFlag, Shift
from labor.selectors import shift_window
from plexcopilot.services import audit_record

#: Sections the apps above labor add to the handover: name -> section(add, start, end), which calls
#: add(kind, text, **extra) for each item of the shift [start, end). Registered in the app's AppConfig.ready().
Section = Callable[[Callable[..., None], datetime.datetime, datetime.datetime], None]
_sections: dict[str, Section] = {}


def handover_section_register(name: str, section: Section) -> None:
    """Add `section`'s items to every handover (its `kind`s are keys of PRIORITY); registering a name again replaces it."""
    _sections[name] = section


PRIORITY = {"safety": 0, "down": 1, "out_of_spec": 2, "defect": 3, "andon": 4, "labor": 5, "flag": 6,
            "approval": 7, "open_work": 8, "production": 9}  # fmt: skip


def handover_items(*, start: datetime.datetime, end: datetime.datetime) -> list[dict[str, Any]]:
    """What the outgoing shift hands over, most urgent first. Each item: kind, priority, text."""
    items: list[dict[str, Any]] = []

    def add(kind: str, text: str, **extra: Any) -> None:
        items.append({"kind": kind, "priority": PRIORITY[kind], "text": text, **extra})

    andon = AndonCall.objects.filter(Q(raised_at__gte=start, raised_at__lt=end) | Q(resolved_at__isnull=True,
                                     raised_at__lt=end)).select_related("work_center")  # fmt: skip
    for call in andon:
        state = "OPEN" if call.resolved_at is None else f"resolved {local_time(call.resolved_at)}"
        minutes = ((call.resolved_at or end) - call.raised_at).total_seconds() / 60
        kind = "safety" if call.category == AndonCategory.SAFETY else ("down" if call.line_down else "andon")
        down = f", line down {minutes:.0f} min" if call.line_down else ""
        resolution = f" — {call.resolution}" if call.resolution else ""
        add(kind, f"Andon {call.get_category_display().lower()} at {call.work_center.code} {local_time(call.raised_at)} "
            f"({state}{down}): {call.note or 'no note'}{resolution}", open=call.resolved_at is None)  # fmt: skip
    bad = Measurement.objects.filter(in_spec=False, entered_at__gte=start, entered_at__lt=end).select_related(
        "step", "execution__work_order", "entered_by")  # fmt: skip
    rechecked = set(
        Measurement.objects.filter(recheck_of__in=bad, in_spec=True).values_list("recheck_of_id", flat=True)
    )
    for m in bad:
        # Re-checked: an explicit re-check in spec, or any later in-spec reading of the same step in the run.
        later_good = Measurement.objects.filter(
            execution_id=m.execution_id, step_id=m.step_id, in_spec=True, entered_at__gt=m.entered_at
        ).exists()
        fixed = "re-checked in spec" if m.pk in rechecked or later_good else "NOT re-checked"
        add("out_of_spec", f"Out of spec on {m.execution.work_order.barcode} step {m.step.order} {m.step.title}: "
            f"{m.value_text} {m.step.spec_unit} by {m.entered_by.full_name} at {local_time(m.entered_at)} ({fixed}).")  # fmt: skip
    for section in _sections.values():  # what the apps above labor hand over (quality: defects, NCRs)
        section(add, start, end)
    for flag in LaborFlag.objects.filter(status=FlagStatus.OPEN, day__gte=timezone.localtime(start).date() -
                                         datetime.timedelta(days=1)).select_related("employee"):  # fmt: skip
        add("labor", f"Labor flag for {flag.employee.full_name}: {flag.reason}")
    for f in UnclearFlag.objects.filter(resolved=False).select_related("step", "version__instruction")[:10]:
        add("flag", f"Unclear step flagged: {f.version.instruction.title} v{f.version.number} step {f.step.order} "
            f"{f.step.title}" + (f" — “{f.comment[:120]}”" if f.comment else ""))  # fmt: skip
    _add_pending_approvals(add)
    for ex in Execution.objects.filter(status=ExecutionStatus.ACTIVE).select_related("work_order", "version"):
        total = ex.version.steps.count()
        add("open_work", f"{ex.work_order.barcode} in progress at step {ex.current_order} of {total}.")
    done = Execution.objects.filter(completed_at__gte=start, completed_at__lt=end).select_related(
        "work_order"
    )
    steps = StepCompletion.objects.filter(  # a step carried over by a version switch was signed off once
        completed_at__gte=start, completed_at__lt=end, carried_from__isnull=True
    ).count()
    add("production", f"Production: {done.count()} work order run(s) completed, {steps} step(s) signed off this shift"
        + (f" ({', '.join(_runs_by_work_order(done)[:8])})." if done else "."))  # fmt: skip
    items.sort(key=lambda i: (i["priority"], not i.get("open", False)))
    return items


def handover_news(handover: Handover, *, now: datetime.datetime) -> list[str]:
    """What the shift raised after an unsigned draft was made — Andon calls, out-of-spec readings, defects and
    NCRs — which the draft does not list until it is drafted again (a draft made at 06:26 and signed at 13:55
    left out the morning's line-down)."""
    if handover.signed_at:
        return []
    shift = Shift.objects.filter(code=handover.shift).first()
    start, end = handover.window_end, now
    if shift is not None:
        end = min(end, shift_window(shift, handover.day)[1])
    if end <= start:
        return []
    news: list[str] = []
    for call in AndonCall.objects.filter(raised_at__gte=start, raised_at__lt=end).select_related(
        "work_center"
    ):
        news.append(
            f"Andon {call.get_category_display().lower()} at {call.work_center.code} {local_time(call.raised_at)}"
        )
    for m in Measurement.objects.filter(
        in_spec=False, entered_at__gte=start, entered_at__lt=end
    ).select_related("step", "execution__work_order"):
        news.append(
            f"Out of spec on {m.execution.work_order.barcode} step {m.step.order} at {local_time(m.entered_at)}"
        )
    for section in _sections.values():
        section(lambda kind, text, **extra: news.append(text), start, end)
    return news


def _runs_by_work_order(runs: Any) -> list[str]:
    """Each work order once, in order, with its number of runs when more than one."""
    counts: dict[str, int] = {}
    for run in runs:
        counts[run.work_order.barcode] = counts.get(run.work_order.barcode, 0) + 1
    return [f"{barcode} ×{n}" if n > 1 else barcode for barcode, n in counts.items()]


def _add_pending_approvals(add: Any) -> None:
    """Change proposals waiting for a signature."""
    for proposal in ChangeProposal.objects.filter(status="pending")[:10]:
        add("approval", f"Waiting for approval: {proposal}")


def handover_text(items: list[dict[str, Any]], *, shift: str, day: datetime.date) -> str:
    heads = {"safety": "SAFETY", "down": "DOWNTIME", "out_of_spec": "OUT OF SPEC", "defect": "DEFECTS",
             "andon": "ANDON", "labor": "LABOR", "flag": "UNCLEAR STEPS", "approval": "APPROVALS",
             "open_work": "OPEN WORK", "production": "PRODUCTION"}  # fmt: skip
    lines = [f"Shift {shift} handover, {day:%a %Y-%m-%d}"]
    current = ""
    for item in items:
        if item["kind"] != current:
            current = item["kind"]
            lines.append(f"\n{heads[current]}")
        lines.append(f"- {item['text']}")
    return "\n".join(lines)


class HandoverEdited(LaborError):
    """Drafting would throw away handover text the supervisor edited and has not signed."""


def _lines(text: str) -> str:
    """The text as compared for edits: a browser's CRLF and trailing blanks are no edit."""
    return "\n".join(line.rstrip() for line in text.replace("\r\n", "\n").strip().split("\n"))


def handover_edited(handover: Handover, typed_text: str) -> bool:
    """Whether `typed_text` (what the supervisor has in the box) differs from the handover's stored draft."""
    return not handover.signed_at and _lines(typed_text) != _lines(handover.text)


def handover_draft(
    *,
    day: datetime.date,
    shift: Shift,
    user: Any = None,
    typed_text: str | None = None,
    typed_for: int | None = None,
    replace_edits: bool = False,
) -> Handover:
    """Draft (or re-draft, while unsigned) the handover of `shift` on `day` from the shift's data.

    `typed_text` is the text in the supervisor's box for the handover `typed_for` (pk; default: this shift's):
    if it was edited, nothing is drafted (HandoverEdited) unless `replace_edits` says to throw the edits away."""
    start, end = shift_window(shift, day)
    end = min(end, max(timezone.now(), start))
    items = handover_items(start=start, end=end)
    text = handover_text(items, shift=shift.code, day=day)
    with transaction.atomic():
        handover, created = Handover.objects.select_for_update(no_key=True).get_or_create(
            day=day,
            shift=shift.code,
            defaults={"window_start": start, "window_end": end, "items": items, "text": text},
        )
        edited = None
        if typed_text is not None:
            shown = (
                handover
                if typed_for in (None, handover.pk)
                else Handover.objects.filter(pk=typed_for).first()
            )
            edited = shown if shown is not None and handover_edited(shown, typed_text) else None
        if edited is not None and not replace_edits:
            if edited.pk == handover.pk:
                raise HandoverEdited(
                    "You edited the handover text: drafting again replaces it with a fresh draft from the shift's "
                    "data. Your text is kept below; sign it off, or press “Re-draft anyway” to replace it."
                )
            raise HandoverEdited(
                f"You edited the handover text of shift {edited.shift}, {edited.day:%a %Y-%m-%d}, and it is not "
                f"signed: drafting shift {shift.code} leaves it and your edits are lost. Your text is kept below; "
                "sign it off first, or press “Re-draft anyway” to leave it."
            )
        if not created:
            if handover.signed_at:
                raise LaborError("This handover is already signed; it can no longer be re-drafted.")
            handover.window_end, handover.items, handover.text = end, items, text
            handover.save(update_fields=["window_end", "items", "text"])
        audit_record(actor=user, action="handover.draft", obj=handover,
                     summary=f"Handover drafted for {day:%Y-%m-%d} shift {shift.code}: {len(items)} items",
                     data={"replaced_edits": edited is not None})  # fmt: skip
    return handover


def handover_sign(*, handover: Handover, user: Any, text: str) -> Handover:
    text = text.strip()
    if not text:
        raise LaborError("The handover is empty; write at least one line before signing.")
    with transaction.atomic():
        locked = Handover.objects.select_for_update(no_key=True).get(pk=handover.pk)
        if locked.signed_at:
            raise LaborError("This handover is already signed.")
        locked.text, locked.signed_by, locked.signed_at = text[:20000], user, timezone.now()
        locked.save(update_fields=["text", "signed_by", "signed_at"])
        audit_record(actor=user, action="handover.sign", obj=locked,
                     summary=f"Handover {locked.day:%Y-%m-%d} shift {locked.shift} signed off",
                     data={"edited": text != handover.text})  # fmt: skip
    return locked


def handover_acknowledge(*, handover: Handover, user: Any) -> Handover:
    with transaction.atomic():
        locked = Handover.objects.select_for_update(no_key=True).get(pk=handover.pk)
        if not locked.signed_at:
            raise LaborError("The outgoing lead has not signed this handover yet.")
        if locked.acknowledged_at:
            raise LaborError("This handover was already acknowledged.")
        if locked.signed_by_id == getattr(user, "pk", None):
            raise LaborError("The incoming lead acknowledges the handover, not the person who signed it.")
        locked.acknowledged_by, locked.acknowledged_at = user, timezone.now()
        locked.save(update_fields=["acknowledged_by", "acknowledged_at"])
        audit_record(actor=user, action="handover.acknowledge", obj=locked,
                     summary=f"Handover {locked.day:%Y-%m-%d} shift {locked.shift} acknowledged")  # fmt: skip
    return locked

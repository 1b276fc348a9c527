"""Server-rendered SVG Gantt: one row per work center, setup blocks, downtime, now-line, late/conflict badges."""

import datetime
from html import escape

from django.utils import timezone
from django.utils.dateparse import parse_datetime

from instructions.models import WorkCenter
from planning.models import Downtime, Plan, PlanSlot
from planning.selectors import downtime_between

ROW, LABEL, WIDTH, HEAD = 34, 120, 1100, 26
COLORS = ["#3b82f6", "#10b981", "#f59e0b", "#8b5cf6", "#ec4899", "#14b8a6", "#ef4444", "#6366f1"]


def gantt_svg(plan: Plan | None, *, now: datetime.datetime | None = None, days: int = 7) -> str:
    now = now or timezone.now()
    start = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    end = start + datetime.timedelta(days=days)
    centers = list(WorkCenter.objects.order_by("code"))
    span = (end - start).total_seconds()

    def x(at: datetime.datetime) -> float:
        return LABEL + max(0.0, min(1.0, (at - start).total_seconds() / span)) * (WIDTH - LABEL)

    rows = {wc.pk: n for n, wc in enumerate(centers)}
    height = HEAD + ROW * len(centers) + 6
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="gantt" viewBox="0 0 {WIDTH} {height}" '
        f'role="img" aria-label="Schedule {escape(str(plan) if plan else "none")}" data-testid="gantt">'
    ]
    for d in range(days + 1):
        day = start + datetime.timedelta(days=d)
        out.append(
            f'<line x1="{x(day):.1f}" y1="{HEAD - 6}" x2="{x(day):.1f}" y2="{height}" stroke="#cbd5e1"/>'
        )
        if d < days:
            out.append(f'<text x="{x(day) + 4:.1f}" y="15" font-size="13" fill="#334155">{day:%a %d}</text>')
    for wc, n in ((wc, rows[wc.pk]) for wc in centers):
        y = HEAD + n * ROW
        out.append(f'<text x="4" y="{y + 21}" font-size="13" fill="#0f172a">{escape(wc.code)}</text>')
        out.append(f'<line x1="{LABEL}" y1="{y + ROW}" x2="{WIDTH}" y2="{y + ROW}" stroke="#e2e8f0"/>')
    down = list(downtime_between(start, end))
    assumed = _assumed_downtime(plan, {wc.code: wc.pk for wc in centers})
    down += [dt for dt in assumed if dt.end > start and dt.start < end]
    for dt in down:
        if dt.work_center_id not in rows:
            continue
        y = HEAD + rows[dt.work_center_id] * ROW
        fill = {"pm": "#fde68a", "hold": "#fca5a5", "down": "#f87171"}.get(dt.kind, "#e5e7eb")
        what = "Assumed by this what-if: " if any(dt is a for a in assumed) else ""
        edge = ' stroke="#b91c1c" stroke-dasharray="4 3"' if what else ""  # dashed: not in the calendar yet
        out.append(
            f'<rect class="downtime downtime-{dt.kind}{" assumed" if what else ""}" x="{x(dt.start):.1f}" '
            f'y="{y + 3}" width="{max(1.0, x(dt.end) - x(dt.start)):.1f}" height="{ROW - 6}" fill="{fill}" '
            f'opacity="0.8"{edge}>'
            f"<title>{what}{escape(dt.get_kind_display())} {_at(dt.start)}–{_at(dt.end)} {escape(dt.note)}</title></rect>"
        )
        if what:  # named on the row: the what-if's window is not in the plant's calendar (yet)
            label = f"{'HOLD' if dt.kind == 'hold' else 'DOWN'} (what-if) {_at(dt.start, day=False)}–{_at(dt.end, day=False)}"
            out.append(
                f'<text class="assumed-label" x="{x(max(dt.start, start)) + 3:.1f}" y="{y + 14}" font-size="11" '
                f'font-weight="bold" fill="#7f1d1d">{escape(label)}</text>'
            )
    if plan is not None:
        families: dict[str, str] = {}
        for slot in plan.slots.select_related(
            "job", "job__part", "operation", "operation__required_certification", "work_center"
        ):
            if slot.work_center_id not in rows:
                continue
            y = HEAD + rows[slot.work_center_id] * ROW
            color = families.setdefault(slot.job.part.number, COLORS[len(families) % len(COLORS)])
            conflict = any(
                d.work_center_id == slot.work_center_id
                and d.kind != "closed"
                and d.start < slot.end
                and d.end > slot.setup_start
                for d in down
            )
            if slot.start > slot.setup_start:
                out.append(
                    f'<rect class="setup" x="{x(slot.setup_start):.1f}" y="{y + 8}" '
                    f'width="{max(1.0, x(slot.start) - x(slot.setup_start)):.1f}" height="{ROW - 16}" '
                    f'fill="#94a3b8"><title>Setup {_at(slot.setup_start)}–{_at(slot.start, day=False)}</title></rect>'
                )
            w = max(2.0, x(slot.end) - x(slot.start))
            out.append(
                f'<rect class="op{" late" if slot.late else ""}{" conflict" if conflict else ""}'
                f'{" no-operator" if slot.no_operator else ""}" '
                f'data-job="{escape(slot.job.number)}" x="{x(slot.start):.1f}" y="{y + 5}" width="{w:.1f}" '
                f'height="{ROW - 10}" rx="3" fill="{color}" stroke="{"#b91c1c" if slot.late or conflict or slot.no_operator else "none"}" '
                f'stroke-width="2"><title>{escape(slot.job.number)} op {slot.operation.sequence} '
                f"{_at(slot.start)}–{_at(slot.end)}{' LATE' if slot.late else ''}"
                f"{' CONFLICT' if conflict else ''}"
                f"{_no_operator(slot) if slot.no_operator else ''}"
                "</title></rect>"
            )
            if w > 8 * len(slot.job.number):  # room for the number at 12 px
                out.append(
                    f'<text x="{x(slot.start) + 3:.1f}" y="{y + 21}" font-size="12" fill="#fff">{escape(slot.job.number)}</text>'
                )
            badge = " ".join(
                b
                for b, on in (
                    ("LATE", slot.late),
                    ("!", conflict and not slot.late),
                    ("NO OPERATOR", slot.no_operator),
                )
                if on
            )
            if badge:
                out.append(
                    f'<text class="badge" x="{x(slot.end) + 2:.1f}" y="{y + 12}" font-size="12" font-weight="bold" '
                    f'fill="#b91c1c">{badge}</text>'
                )
    if start <= now <= end:
        out.append(
            f'<line class="now-line" x1="{x(now):.1f}" y1="{HEAD - 8}" x2="{x(now):.1f}" y2="{height}" '
            f'stroke="#dc2626" stroke-width="2"><title>Now {timezone.localtime(now):%H:%M}</title></line>'
        )
    out.append("</svg>")
    return "".join(out)


def _assumed_downtime(plan: Plan | None, centers: dict[str, int]) -> list[Downtime]:
    """A what-if's assumed Hold/Down windows (`Plan.assumptions`), unsaved: its scenarios plan around them, but
    they are in the plant's calendar only once one is released (then `downtime_between` has them)."""
    if plan is None or plan.version is not None:
        return []
    out = []
    for window in plan.assumptions.get("downtime", []):
        first, last = parse_datetime(window.get("start", "")), parse_datetime(window.get("end", ""))
        if window.get("work_center") in centers and first and last:
            out.append(Downtime(work_center_id=centers[window["work_center"]], kind=window.get("kind", "hold"),
                                start=first, end=last, note=window.get("note", "")))  # fmt: skip
    return out


def _at(value: datetime.datetime, *, day: bool = True) -> str:
    """Plant time, with the day and its date (a week's board spans two Tuesdays)."""
    return f"{timezone.localtime(value):%a %d %H:%M}" if day else f"{timezone.localtime(value):%H:%M}"


def _no_operator(slot: PlanSlot) -> str:
    cert = slot.operation.required_certification
    return f" NO OPERATOR: no one holding {escape(cert.code if cert else 'its certification')} is on shift"

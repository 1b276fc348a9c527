"""Limits that change over the horizon, read from the database for the solver: certified operators per shift
(from labor) and plant-wide utility caps (`UtilityLimit`, `UtilityDraw`)."""

import datetime

from django.utils import timezone

from labor.models import Absence, EmployeeCertification
from labor.selectors import shift_list, shifts_between
from planning.capacity import Utility, Window, profile
from planning.models import UtilityDraw, UtilityLimit

DAY = datetime.timedelta(days=1)


def _minutes(origin: datetime.datetime, at: datetime.datetime) -> int:
    return int((at - origin).total_seconds() // 60)


def operator_capacity(
    origin: datetime.datetime,
    end: datetime.datetime,
    certifications: list[str],
    absent_ids: set[int] = frozenset(),
) -> tuple[dict[str, int], dict[str, list[Window]]]:
    """Per certification: how many operators may run at once outside any shift (people with no shift pattern,
    on the plan's first day) and, per shift of the horizon, that many plus the certified operators of that
    shift who are valid and not absent on the shift's day (overlapping shifts add their crews)."""
    if not certifications:
        return {}, {}
    known = {s.code for s in shift_list()}
    holders = list(
        EmployeeCertification.objects.filter(
            certification_type__code__in=certifications,
            employee__active=True,
            level__in=["certified", "expert"],
        ).values_list("certification_type__code", "employee_id", "employee__shift", "valid_until")
    )
    first_day = timezone.localdate(origin) - DAY
    absences = list(
        Absence.objects.filter(last_day__gte=first_day, first_day__lte=timezone.localdate(end)).values_list(
            "employee_id", "first_day", "last_day"
        )
    )

    def present(employee: int, valid_until: datetime.date, day: datetime.date) -> bool:
        if employee in absent_ids or valid_until < day:
            return False
        return not any(e == employee and f <= day <= last for e, f, last in absences)

    today = timezone.localdate(origin)
    base = {code: 0 for code in certifications}
    for code, employee, shift, valid in holders:
        if shift not in known and present(employee, valid, today):
            base[code] += 1
    crews: dict[str, list[Window]] = {code: [] for code in certifications}
    for day, shift, start, stop in shifts_between(origin - DAY, end):
        if stop <= origin:
            continue
        for code in certifications:
            crew = sum(
                1 for c, e, s, valid in holders if c == code and s == shift.code and present(e, valid, day)
            )
            crews[code].append((_minutes(origin, start), _minutes(origin, stop), crew))
    steps = {code: [(s, e, base[code] + n) for s, e, n in profile(w, sum)] for code, w in crews.items()}
    return base, steps


def utilities(origin: datetime.datetime, end: datetime.datetime) -> dict[str, Utility]:
    """Each utility some work center draws and some limit caps: its draws, all-day cap and daily windows."""
    draws: dict[str, dict[str, int]] = {}
    for d in UtilityDraw.objects.select_related("work_center"):
        draws.setdefault(d.utility, {})[d.work_center.code] = d.amount
    tz = timezone.get_current_timezone()
    out = {}
    for name, draw in draws.items():
        limits = list(UtilityLimit.objects.filter(utility=name))
        all_day = [lim.cap for lim in limits if lim.window_start is None or lim.window_end is None]
        cap = min(all_day) if all_day else None
        windows = []
        for lim in limits:
            if lim.window_start is None or lim.window_end is None:
                continue
            day = timezone.localdate(origin) - DAY
            while day <= timezone.localdate(end):
                s = datetime.datetime.combine(day, lim.window_start, tzinfo=tz)
                stop_day = day + DAY if lim.window_end <= lim.window_start else day
                e = datetime.datetime.combine(stop_day, lim.window_end, tzinfo=tz)
                windows.append((_minutes(origin, s), _minutes(origin, e), min(lim.cap, cap or lim.cap)))
                day += DAY
        if cap is not None or windows:
            out[name] = Utility(draw, cap, profile(windows, min))
    return out

"""Limits that change over the horizon, read from the database for the solver: certified operators per shift
(from labor) and plant-wide utility caps (`UtilityLimit`, `UtilityDraw`)."""

import datetime
import logging
from collections.abc import Iterable
from collections.abc import Set as AbstractSet

from django.utils import timezone

from labor.models import Absence, EmployeeCertification
from labor.selectors import shift_list, shifts_between
from planning.capacity import Utility, Window, profile
from planning.models import UtilityDraw, UtilityLimit

DAY = datetime.timedelta(days=1)
log = logging.getLogger(__name__)


def _minutes(origin: datetime.datetime, at: datetime.datetime) -> int:
    return int((at - origin).total_seconds() // 60)


MAX_SHARED = 8  # certifications people share looked at for Hall's condition (2^k sets, 3^k splits)
MAX_GROUPS = 64  # sets of certifications kept as constraints; the smallest sets first


def operator_capacity(
    origin: datetime.datetime,
    end: datetime.datetime,
    certifications: list[str],
    absent_ids: AbstractSet[int] = frozenset(),
) -> tuple[dict[str, int], dict[str, list[Window]]]:
    """Per certification: how many operators may run at once outside the horizon (people with no shift
    pattern, valid and present on the plan's first day) and, over the horizon, the people with no shift
    pattern valid and present on each calendar day plus the certified operators of each shift who are valid
    and not absent on the shift's day (overlapping shifts add their crews)."""
    crews = _crews(origin, end, [(code,) for code in certifications], absent_ids)
    return {s[0]: base for s, (base, _) in crews.items()}, {s[0]: steps for s, (_, steps) in crews.items()}


def operator_groups(
    origin: datetime.datetime,
    end: datetime.datetime,
    certifications: list[str],
    absent_ids: AbstractSet[int] = frozenset(),
    machines: dict[str, int] | None = None,
    warnings: list[str] | None = None,
) -> dict[tuple[str, ...], tuple[int, list[Window]]]:
    """Hall's condition for assigning operations to people: for a set S of certifications, the operations
    running at once that need one of S are at most the people on shift holding at least one of S. One
    certification alone is `operator_capacity`; here are the sets of two or more that say more than smaller
    sets do. A set S is kept only if, at some time of the horizon (or outside every shift), its people are
    fewer than the best bound its parts give: for every split of S into A and B, bound(A) + bound(B), where a
    part's bound is the least of its own people, its splits, and, for one certification, the work centers its
    operations can use (`machines`: no more of them run at once). So a set no one bridges (its people are
    the sum of its parts') and a set whose crews are large enough are left out. Sets are looked at only among
    the certifications people share, up to `MAX_SHARED` of them (2^k subsets), the smallest sets first, and at
    most `MAX_GROUPS` are kept. Per set: (people outside any shift, per-shift steps) as `operator_capacity`.
    Beyond either cap the condition is only partly enforced: then a sentence for the planner is appended to
    `warnings` (and logged)."""
    machines = machines or {}
    holders = _holders(certifications)
    held: dict[int, set[str]] = {}
    for code, employee, _shift, _valid in holders:
        held.setdefault(employee, set()).add(code)
    all_shared = sorted({c for codes in held.values() if len(codes) > 1 for c in codes})
    shared = all_shared[:MAX_SHARED]
    if len(all_shared) > MAX_SHARED:
        _warn(warnings, f"Operator limits are only partly enforced: people hold {len(all_shared)} certifications "
              f"in common, more than the {MAX_SHARED} checked together, so {', '.join(all_shared[MAX_SHARED:])} "
              "may be planned as if a person who holds one of them could also run a second operation at once. "
              "Check the crews for those certifications before releasing")  # fmt: skip
    if not shared:
        return {}
    k = len(shared)
    subsets = [tuple(c for i, c in enumerate(shared) if mask >> i & 1) for mask in range(1, 1 << k)]
    crews = _crews(origin, end, subsets, absent_ids, holders)
    counts = [crews[s] for s in subsets]  # index mask - 1
    moments: set[int | None] = {None, *(s for _, steps in counts for s, _, _ in steps)}
    needed: set[int] = set()
    for t in moments:
        people = [0] + [
            next((n for s, e, n in steps if t is not None and s <= t < e), base) for base, steps in counts
        ]
        bound = list(people)
        for mask in range(1, 1 << k):
            if mask & (mask - 1) == 0:  # one certification: its people and its work centers
                bound[mask] = min(people[mask], machines.get(shared[mask.bit_length() - 1], people[mask]))
                continue
            low = mask & -mask
            split = min(
                bound[part] + bound[mask ^ part] for part in _submasks(mask) if part & low and part != mask
            )
            if people[mask] < split:
                needed.add(mask)
            bound[mask] = min(people[mask], split)
    keep = sorted(needed, key=lambda mask: (bin(mask).count("1"), mask))[:MAX_GROUPS]
    if len(needed) > MAX_GROUPS:
        left = ["+".join(subsets[mask - 1]) for mask in sorted(set(needed) - set(keep))]
        _warn(warnings, f"Operator limits are only partly enforced: {len(needed)} sets of certifications people "
              f"share limit the plan, and only the {MAX_GROUPS} smallest are kept, so "
              f"{len(left)} (e.g. {', '.join(left[:3])}) may be planned as if a person could run two operations "
              "at once. Check those crews before releasing")  # fmt: skip
    return {subsets[mask - 1]: crews[subsets[mask - 1]] for mask in keep}


def _warn(warnings: list[str] | None, sentence: str) -> None:
    log.warning("%s", sentence)
    if warnings is not None:
        warnings.append(sentence)


def _submasks(mask: int) -> Iterable[int]:
    sub = mask
    while sub:
        yield sub
        sub = (sub - 1) & mask


def _holders(certifications: list[str]) -> list[tuple[str, int, str, datetime.date]]:
    return list(
        EmployeeCertification.objects.filter(
            certification_type__code__in=certifications,
            employee__active=True,
            level__in=["certified", "expert"],
        ).values_list("certification_type__code", "employee_id", "employee__shift", "valid_until")
    )


def _crews(
    origin: datetime.datetime,
    end: datetime.datetime,
    sets: list[tuple[str, ...]],
    absent_ids: AbstractSet[int] = frozenset(),
    holders: list[tuple[str, int, str, datetime.date]] | None = None,
) -> dict[tuple[str, ...], tuple[int, list[Window]]]:
    """Per set of certifications: the people holding at least one of them (valid, present), each counted once:
    people with no shift pattern per calendar day (all day), and per shift of the horizon. Outside these
    windows (past the horizon) the people with no shift pattern of the plan's first day."""
    if not sets:
        return {}
    known = {s.code for s in shift_list()}
    if holders is None:
        holders = _holders(sorted({c for s in sets for c in s}))
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

    def people(subset: tuple[str, ...], day: datetime.date, shift: str | None) -> int:
        return len(
            {
                e
                for c, e, s, valid in holders
                if c in subset
                and (s == shift if shift is not None else s not in known)
                and present(e, valid, day)
            }
        )

    today = timezone.localdate(origin)
    base = {subset: people(subset, today, None) for subset in sets}
    crews: dict[tuple[str, ...], list[Window]] = {subset: [] for subset in sets}
    tz = timezone.get_current_timezone()
    day = first_day
    while day <= timezone.localdate(end):  # no shift pattern: present, or not, a whole calendar day at a time
        start = datetime.datetime.combine(day, datetime.time(0), tzinfo=tz)
        stop = datetime.datetime.combine(day + DAY, datetime.time(0), tzinfo=tz)
        for subset in sets:
            crews[subset].append((_minutes(origin, start), _minutes(origin, stop), people(subset, day, None)))
        day += DAY
    for day, shift, start, stop in shifts_between(origin - DAY, end):
        if stop <= origin:
            continue
        for subset in sets:
            crews[subset].append(
                (_minutes(origin, start), _minutes(origin, stop), people(subset, day, shift.code))
            )
    return {subset: (base[subset], profile(w, sum)) for subset, w in crews.items()}


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

"""Station registries: what apps above instructions add to the station, registered in their AppConfig.ready().

instructions sits low in the app tree, so the station never imports the apps that translate steps (languages) or
know a part's defects (quality); it asks these registries, and those apps fill them:

- `translator_register(adapt=..., texts=...)` — languages: each step of an adapted run, and the changed steps of
  a version switch, in the operator's language;
- `recent_defects_register(provider)` — quality: recent defects on the part, by step key, for the red warning;
- `step_context_register(provider)` — quality: what the step page needs for the sheets it adds (the defect form);
- `certification_check_register(check)` — labor: how far the operator is certified for the operation today;
- `station_notice_register(provider)` — labor: a line above the step with one button ("not clocked in", "your
  time on this work order is not being recorded").

With nothing registered the station shows the instruction's own text, no defect warnings, no notices and no extra
context; the certification check alone is required (it opens the safety gate), so asking it unregistered is an
error.
"""

import contextlib
import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.utils.formats import date_format
from django.utils.translation import gettext

from instructions.models import InstructionVersion, Station, Step, WorkOrder
from plexcopilot.models import Employee

#: adapt(adapted=[AdaptedStep], version=, language=) -> the "language" adaptation rule, or None (source language)
AdaptTranslate = Callable[..., dict[str, Any] | None]
#: texts(version=, steps=[Step], language=) -> {step id: the step's text in `language`}, {} for the source language
StepTexts = Callable[..., dict[int, Any]]
#: provider(part_id=, step_keys=, since=) -> defects on the part at those steps since then, newest first
RecentDefects = Callable[..., Iterable[Any]]
#: provider() -> context entries the step page needs by default (a view's own entries win)
StepContext = Callable[[], dict[str, Any]]
#: check(employee=, certification_type_id=, today=) -> (level, problem): a CertificationLevel value and "" when the
#: certification is valid (or none is required), "missing" or "expired on YYYY-MM-DD" otherwise
CertificationCheck = Callable[..., tuple[str, str]]


@dataclass(frozen=True)
class StationNotice:
    """A line the run page shows above the step, in the operator's language, with one button: a POST to
    `action_url` that comes back to the step page (its `back` parameter). It informs; it never blocks the run."""

    key: str  # names the notice in the page (data-testid="notice-<key>")
    text: str
    action_label: str
    action_url: str


#: provider(employee=, station=, work_order=) -> the notice for this operator at this station running this work
#: order (the run's), or None
StationNoticeProvider = Callable[..., StationNotice | None]

_translator: dict[str, Callable[..., Any]] = {}
_recent_defects: list[RecentDefects] = []
_step_context: list[StepContext] = []
_certification_check: list[CertificationCheck] = []
_station_notice: list[StationNoticeProvider] = []


def translator_register(*, adapt: AdaptTranslate, texts: StepTexts) -> None:
    """The one step translator (registering again replaces it)."""
    _translator.update(adapt=adapt, texts=texts)


def adapted_translate(
    *, adapted: list[Any], version: InstructionVersion, language: str
) -> dict[str, Any] | None:
    """Attach each adapted step's text in `language` (`AdaptedStep.translation`); the adaptation rule, or None."""
    adapt = _translator.get("adapt")
    return adapt(adapted=adapted, version=version, language=language) if adapt else None


def steps_text(*, version: InstructionVersion, steps: list[Step], language: str) -> dict[int, Any]:
    """{step id: the step's text in `language`}; empty for the instructions' own language or with no translator."""
    texts = _translator.get("texts")
    return texts(version=version, steps=steps, language=language) if texts else {}


def step_title(*, version: InstructionVersion, step: Step, language: str) -> str:
    """The step's title in `language`, as its step page shows it (its own title when it has no translation)."""
    text = steps_text(version=version, steps=[step], language=language).get(step.pk)
    return text.title if text is not None and text.title else step.title


def recent_defects_register(provider: RecentDefects) -> None:
    if provider not in _recent_defects:
        _recent_defects.append(provider)


def recent_defects(*, part_id: int, step_keys: Iterable[str], since: datetime.datetime) -> list[Any]:
    """Defects reported on the part at these steps since `since`, newest first (each has `pk` and `step_key`)."""
    keys = list(step_keys)
    found: list[Any] = []
    for provider in _recent_defects:
        found.extend(provider(part_id=part_id, step_keys=keys, since=since))
    return found


def step_context_register(provider: StepContext) -> None:
    if provider not in _step_context:
        _step_context.append(provider)


def step_context() -> dict[str, Any]:
    """The default context every registered provider adds to the station step page."""
    context: dict[str, Any] = {}
    for provider in _step_context:
        context.update(provider())
    return context


def certification_check_register(check: CertificationCheck) -> None:
    """The one certification check (registering again replaces it)."""
    _certification_check[:] = [check]


def certification_status(
    *, employee: Any, certification_type_id: int | None, today: datetime.date
) -> tuple[str, str]:
    """(level, problem) for the employee on an operation needing `certification_type_id` (None: needs none)."""
    if not _certification_check:
        raise ImproperlyConfigured(
            "No certification check registered (labor registers it in LaborConfig.ready)."
        )
    return _certification_check[0](
        employee=employee, certification_type_id=certification_type_id, today=today
    )


def certification_problem_text(*, problem: str, cert_code: str) -> str:
    """A certification check's problem ("missing", "expired on YYYY-MM-DD") as the operator reads it: which
    certification, and for an expired one its last valid day in the plant's date format (the station's stop and
    labor's job-on message say the same)."""
    if problem == "missing":
        return gettext("You have no %(cert)s certification on record.") % {"cert": cert_code}
    last_valid = problem.removeprefix("expired on ")
    with contextlib.suppress(ValueError):
        last_valid = date_format(datetime.date.fromisoformat(last_valid), "SHORT_DATE_FORMAT")
    return gettext("Your %(cert)s certification has expired: its last valid day was %(date)s.") % {
        "cert": cert_code,
        "date": last_valid,
    }


def station_notice_register(provider: StationNoticeProvider) -> None:
    if provider not in _station_notice:
        _station_notice.append(provider)


def station_notices(*, employee: Employee, station: Station, work_order: WorkOrder) -> list[StationNotice]:
    """The notices every registered provider has for this operator at this station running `work_order` (none:
    an empty list)."""
    notices = (
        provider(employee=employee, station=station, work_order=work_order) for provider in _station_notice
    )
    return [notice for notice in notices if notice is not None]

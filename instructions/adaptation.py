"""The adaptation engine: one instruction version, shaped for one operator, with the reasons logged.

Rules, in order:
1. certification level for the operation (labor answers, through `instructions.station_hooks`): trainee → expanded cautions, the "why" of critical steps and
   highlighted critical specs; certified → standard; expert → compact (cautions and specs still shown).
2. safety gate: required certification missing or expired → steps from the first safety-critical one not done
   yet on are locked until a supervisor override is recorded.
3. recent defects on this part and step → a prominent warning with the defect photo (quality provides them).
4. language: the operator's language → each step's cached translation, machine/untranslated marked (languages
   provides it). Both come through `instructions.station_hooks`.
Safety cautions are never hidden at any level.
"""

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext

from instructions import station_hooks
from instructions.models import AdaptationLog, CertificationOverride, Execution, Station, Step
from plexcopilot.models import CertificationLevel, Employee

#: The newest recent defects a step lists; the step page shows one summary line and the list collapsed under it.
DEFECTS_LISTED = 10


@dataclass
class AdaptedStep:
    step: Step
    done: bool = False
    show_why: bool = False
    expanded_caution: bool = False
    highlight_spec: bool = False
    locked: bool = False
    defects: list[Any] = field(default_factory=list)  # the newest recent defects (instructions.station_hooks)
    defect_count: int = 0  # all recent defects at the step, also those beyond the newest listed
    last_measurement: Any = None
    translation: Any = None  # the step in the operator's language (instructions.station_hooks)


@dataclass
class Adapted:
    execution: Execution
    employee: Employee
    level: str
    gate_title: str
    gate_message: str
    gate_open: bool
    steps: list[AdaptedStep]
    rules: list[dict[str, Any]]
    problem: str = ""  # the required certification is "missing" or "expired on …" ("" when valid)

    def step(self, order: int) -> AdaptedStep | None:
        return next((s for s in self.steps if s.step.order == order), None)

    @property
    def level_label(self) -> str:
        """The certification level in the operator's language; an expired or missing certification says so (the
        run is adapted as for a trainee, but an expert whose certificate lapsed is not a trainee)."""
        if self.problem.startswith("expired"):
            return gettext("Certification expired")
        if self.problem:
            return gettext("Not certified")
        return str(CertificationLevel(self.level).label)


def _gate_message(*, problem: str, cert_code: str, first_safety: int) -> tuple[str, str]:
    """The stop's heading and why the steps are locked, in the operator's language. Only what is so: which
    certification, the last day it was valid (a plant date), that the lock is this operator's from the first
    safety-critical step not done yet on, and that a supervisor's recorded override lets them continue."""
    override = gettext(
        "Step %(step)s is safety-critical, so from step %(step)s on you can continue this job only after a "
        "supervisor records an override below with their badge, PIN and a reason."
    ) % {"step": first_safety}
    message = station_hooks.certification_problem_text(problem=problem, cert_code=cert_code)
    if problem == "missing":
        return gettext("Stop — certification needed"), f"{message} {override}"
    renew = gettext("Ask your supervisor about renewing it.")
    return gettext("Stop — your certification has expired"), f"{message} {override} {renew}"


def _override(execution: Execution, employee: Employee) -> CertificationOverride | None:
    return (
        CertificationOverride.objects.select_related("supervisor")
        .filter(execution=execution, operator=employee)
        .first()
    )


def step_gate_locked(*, execution: Execution, employee: Employee, step: Step) -> bool:
    """Whether the certification gate locks `step` for `employee`: the certification the operation requires is
    missing or expired, no supervisor override is recorded on this run, and the step is at or after the run's
    first safety-critical step not done yet (one done before, by a colleague before a take-over, stops no one).
    The same rule `instruction_adapt` shows; every write path checks it here."""
    operation = execution.work_order.operation
    _level, problem = station_hooks.certification_status(
        employee=employee,
        certification_type_id=operation.required_certification_id,
        today=timezone.localdate(),
    )
    if not problem or _override(execution, employee) is not None:
        return False
    first_safety = (
        execution.version.steps.filter(safety_critical=True)
        .exclude(pk__in=execution.completions.values("step"))
        .order_by("order")
        .values_list("order", flat=True)
        .first()
    )
    return first_safety is not None and step.order >= first_safety


def instruction_adapt(*, execution: Execution, employee: Employee, station: Station | None) -> Adapted:
    """Shape the execution's version for this operator and write the adaptation log entry."""
    version = execution.version
    operation = execution.work_order.operation
    steps = list(version.steps.all())
    today = timezone.localdate()
    level, problem = station_hooks.certification_status(
        employee=employee, certification_type_id=operation.required_certification_id, today=today
    )
    rules: list[dict[str, Any]] = []
    cert_code = operation.required_certification.code if operation.required_certification else ""

    done_ids = set(execution.completions.values_list("step_id", flat=True))
    last_by_step: dict[int, Any] = {}
    for measurement in execution.measurements.order_by("id"):
        last_by_step[measurement.step_id] = measurement

    adapted = [
        AdaptedStep(step=s, done=s.pk in done_ids, last_measurement=last_by_step.get(s.pk)) for s in steps
    ]

    if level == CertificationLevel.TRAINEE:
        touched = []
        for a in adapted:
            a.expanded_caution = bool(a.step.caution)
            a.show_why = bool(a.step.why)
            a.highlight_spec = a.step.is_measured and (a.step.critical or a.step.safety_critical)
            if a.expanded_caution or a.show_why or a.highlight_spec:
                touched.append(a.step.order)
        reason = f"{cert_code} {problem}" if problem else f"{cert_code} level trainee"
        rules.append({"rule": "trainee_view", "why": reason, "steps": touched})
    elif level == CertificationLevel.EXPERT:
        rules.append({"rule": "expert_compact", "why": f"{cert_code} level expert", "steps": []})
    else:
        for a in adapted:
            a.expanded_caution = bool(a.step.caution) and a.step.safety_critical
        rules.append(
            {
                "rule": "standard_view",
                "why": f"{cert_code or 'no certification required'} certified",
                "steps": [],
            }
        )

    gate_open = True
    gate_title = gate_message = ""
    if problem:
        override = _override(execution, employee)
        first_safety = next((a.step.order for a in adapted if a.step.safety_critical and not a.done), None)
        if override is not None:
            rules.append(
                {
                    "rule": "safety_gate_overridden",
                    "why": f"{cert_code} {problem}; override by {override.supervisor.full_name}: {override.reason}",
                    "steps": [],
                }
            )
        elif first_safety is not None:
            gate_open = False
            gate_title, gate_message = _gate_message(
                problem=problem, cert_code=cert_code, first_safety=first_safety
            )
            locked = []
            for a in adapted:
                if a.step.order >= first_safety:
                    a.locked = True
                    locked.append(a.step.order)
            rules.append({"rule": "safety_gate", "why": f"{cert_code} {problem}", "steps": locked})

    cutoff = timezone.now() - datetime.timedelta(days=settings.RECENT_DEFECT_DAYS)
    keys = {a.step.key: a for a in adapted}
    recent = station_hooks.recent_defects(part_id=execution.work_order.part_id, step_keys=keys, since=cutoff)
    warned: dict[int, list[int]] = {}
    for defect in recent:
        target = keys[defect.step_key]
        target.defect_count += 1
        if len(target.defects) < DEFECTS_LISTED:
            target.defects.append(defect)
        warned.setdefault(target.step.order, []).append(defect.pk)
    if warned:
        rules.append(
            {
                "rule": "recent_defects",
                "why": f"defects on {execution.work_order.part.number} in the last {settings.RECENT_DEFECT_DAYS} days",
                "steps": sorted(warned),
                "defects": [pk for ids in warned.values() for pk in ids],
            }
        )

    language_rule = station_hooks.adapted_translate(
        adapted=adapted, version=version, language=employee.language
    )
    if language_rule is not None:
        rules.append(language_rule)

    AdaptationLog.objects.create(
        employee=employee,
        version=version,
        work_order=execution.work_order,
        station=station,
        level=level,
        language=employee.language,
        rules=rules,
    )
    return Adapted(
        execution=execution,
        employee=employee,
        level=level,
        gate_title=gate_title,
        gate_message=gate_message,
        gate_open=gate_open,
        steps=adapted,
        rules=rules,
        problem=problem,
    )

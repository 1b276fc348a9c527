"""Readings at the station: a typed or gauge value parsed, checked against the step's spec and kept, in or out."""

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.utils.formats import number_format
from django.utils.translation import gettext

from instructions.models import Execution, Measurement, Station, Step
from instructions.runs import StationError
from plexcopilot import events
from plexcopilot.models import Employee
from plexcopilot.services import audit_record


@dataclass(frozen=True)
class MeasurementResult:
    measurement: Measurement
    message: str


def measurement_parse(raw: str) -> Decimal:
    cleaned = raw.strip().replace(",", ".").replace(" ", "")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise StationError(
            gettext("“%(raw)s” is not a number. Enter the reading, for example %(example)s.")
            % {"raw": raw.strip()[:20], "example": number_format(Decimal("26.4"))}
        ) from None
    if not value.is_finite() or abs(value) >= Decimal("1e7"):
        raise StationError(
            gettext("That reading is out of any possible range. Enter the value shown on the gauge.")
        )
    return value


def measurement_record(
    *, execution: Execution, step: Step, raw: str, employee: Employee, station: Station | None
) -> MeasurementResult:
    """Check a reading against the step's spec and keep it whatever the result."""
    if not step.is_measured:
        raise StationError(gettext("This step has no measured check."))
    value = measurement_parse(raw)
    previous = execution.measurements.filter(step=step).order_by("-id").first()
    in_spec = step.in_spec(value)
    measurement = Measurement.objects.create(
        execution=execution,
        step=step,
        value=value,
        raw_value=raw.strip()[:40],
        in_spec=in_spec,
        recheck_of=previous if previous is not None and not previous.in_spec else None,
        entered_by=employee,
        station=station,
    )
    # plex queues a checksheet; quality checks the step's trend and feedback threshold when out of spec.
    events.publish(
        events.MEASUREMENT_RECORDED,
        measurement_id=measurement.pk,
        instruction_id=execution.version.instruction_id,
        step_key=step.key,
        in_spec=in_spec,
    )
    spec = spec_text(step)
    if in_spec:
        reading = f"{_loc(value)} {step.spec_unit}"
        return MeasurementResult(
            measurement,
            gettext("%(reading)s is within spec (%(spec)s).") % {"reading": reading, "spec": spec},
        )
    audit_record(
        actor=employee.user,
        action="measurement.out_of_spec",
        obj=measurement,
        summary=f"Out of spec on {execution.work_order.barcode} step {step.order}: {_fmt(value)} {step.spec_unit} ({spec})",
        data={"step": step.key, "version": execution.version_id, "value": str(value)},
    )
    below = step.spec_lower is not None and value < step.spec_lower
    where = (
        gettext("OUT OF SPEC: %(reading)s is below the limit (%(spec)s).")
        if below
        else gettext("OUT OF SPEC: %(reading)s is above the limit (%(spec)s).")
    ) % {"reading": f"{_loc(value)} {step.spec_unit}", "spec": spec}
    return MeasurementResult(
        measurement,
        f"{where} "
        + gettext("Re-check the part and enter the new reading. If it is still out, report a defect."),
    )


def spec_text(step: Step) -> str:
    if step.spec_lower is not None and step.spec_upper is not None:
        return f"{_loc(step.spec_lower)}–{_loc(step.spec_upper)} {step.spec_unit}"
    if step.spec_lower is not None:
        return f"≥ {_loc(step.spec_lower)} {step.spec_unit}"
    return f"≤ {_loc(step.spec_upper)} {step.spec_unit}"


def _fmt(value: Decimal | None) -> str:
    if value is None:
        return ""
    return format(Decimal(value).normalize(), "f")


def _loc(value: Decimal | None) -> str:
    """A reading or limit as the operator writes numbers (decimal comma in es, pl, pt, vi)."""
    return "" if value is None else number_format(Decimal(_fmt(value)))

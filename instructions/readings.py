"""Readings at the station: a typed or gauge value parsed, checked against the step's spec and kept, in or out."""

import re
from dataclasses import dataclass
from decimal import Decimal

from django.utils.formats import get_format, number_format
from django.utils.translation import gettext

from instructions.adaptation import step_gate_locked
from instructions.models import Execution, Measurement, Station, Step
from instructions.runs import StationError
from plexcopilot import events
from plexcopilot.models import Employee
from plexcopilot.services import audit_record


@dataclass(frozen=True)
class MeasurementResult:
    measurement: Measurement
    message: str


# Digits with at most one decimal point and a leading sign; no exponent ("1e3"), no "NaN" or "Infinity".
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")
_SEPARATED = re.compile(r"[+-]?[\d.,]+")
# A reading with a unit after it ("18.0 mm", "26,4N·m"): the unit has no digit, so "1e3" stays "not a number".
_WITH_UNIT = re.compile(r"(?P<number>.*?\d\.?)\s*(?P<unit>[^\d\s+\-.,][^\d]*)")
# What a unit's spelling may vary in: case, spaces and the product sign ("N·m", "N.m", "Nm", "n m", "°C", "C").
_UNIT_NOISE = re.compile(r"[\s·⋅*.\-°]")


def _unit_key(unit: str) -> str:
    return _UNIT_NOISE.sub("", unit).casefold()


def decimal_separator() -> str:
    """The active language's decimal separator: the keypad's key (`data-decimal`) and what readings are read with."""
    return str(get_format("DECIMAL_SEPARATOR"))


def measurement_parse(raw: str, unit: str = "", example: Decimal | None = None) -> Decimal:
    """A reading as the operator's language writes numbers: "26.4" in English, "26,4" or "26.4" in es/pl/pt/vi (a
    gauge, a scanner or a US keypad sends the point whatever the tablet's language); a leading sign and spaces are
    fine. A comma on an English tablet is refused, not guessed: "1,80" may be 1.8 or a mistyped 180, and "1,800"
    is 1800 in English. Where the comma is the decimal mark, a number with both marks ("1.800,5") is refused.

    Operators type units: the spec's own `unit` after the number ("18.0 mm", "18,0MM", "26 Nm" for N·m) is read
    as the number; another unit ("18 in" for a spec in mm) is refused, never converted or dropped. A refusal's
    example is `example` (the spec's nominal: "for example 18.009 mm" on a bore), else 26.4."""
    example = Decimal("26.4") if example is None else example
    exponent = example.normalize().as_tuple().exponent
    shown = number_format(example, max(1, -exponent if isinstance(exponent, int) else 1))  # 26 -> "26.0"
    with_unit = _WITH_UNIT.fullmatch(raw.strip())
    number = raw
    if unit and with_unit is not None:
        if _unit_key(with_unit["unit"]) != _unit_key(unit):
            raise StationError(
                gettext(
                    "“%(raw)s” is not in %(unit)s. This check is read in %(unit)s: enter the value in %(unit)s, "
                    "for example %(example)s."
                )
                % {
                    "raw": raw.strip()[:20],
                    "unit": unit,
                    "example": f"{shown} {unit}",
                }
            )
        number = with_unit["number"]
    cleaned = number.strip().replace(" ", "")
    if decimal_separator() == "." and "," in cleaned and _SEPARATED.fullmatch(cleaned):
        raise StationError(
            gettext("“%(raw)s” has a comma. Use the decimal point, for example %(example)s.")
            % {"raw": raw.strip()[:20], "example": shown}
        )
    plain = cleaned.replace(",", ".")
    if not _NUMBER.fullmatch(plain):
        raise StationError(
            gettext("“%(raw)s” is not a number. Enter the reading, for example %(example)s.")
            % {"raw": raw.strip()[:20], "example": shown}
        )
    value = Decimal(plain)
    if value.is_zero():
        value = value.copy_abs()  # "-0" is 0: kept, shown and plotted as 0, never as a "-0" reading
    if abs(value) >= Decimal("1e7"):
        raise StationError(
            gettext("That reading is out of any possible range. Enter the value shown on the gauge.")
        )
    if value != value.quantize(READING_RESOLUTION):
        # Kept to 4 decimals like the spec limits: a reading of 10.58004 would be kept as 10.58, shown and sent
        # as a value inside a 10.58 limit while marked out of spec. Trailing zeros ("10.58000") are fine.
        raise StationError(
            gettext("“%(raw)s” has more than 4 decimals. Enter the reading to at most 4 decimals.")
            % {"raw": raw.strip()[:20]}
        )
    return value


READING_RESOLUTION = Decimal("0.0001")  # Measurement.value and the spec limits keep 4 decimals


def measurement_record(
    *, execution: Execution, step: Step, raw: str, employee: Employee, station: Station | None
) -> MeasurementResult:
    """Check a reading against the step's spec and keep it whatever the result.

    A reading is taken on any step the operator can open, also ahead of the next step to mark done (the step strip
    opens every step; completion is what keeps the order, and it needs the step's last reading in spec). A step
    the certification gate locks for this operator takes none: it is not theirs to work until a supervisor's
    override, so its reading is refused with the value said back (the locked step has no reading field)."""
    if not step.is_measured:
        raise StationError(gettext("This step has no measured check."))
    if step_gate_locked(execution=execution, employee=employee, step=step):
        raise StationError(
            gettext(
                "“%(raw)s” was not recorded: step %(order)s needs a valid certification or a supervisor override "
                "first. Enter the reading again once the step is open."
            )
            % {"raw": raw.strip()[:20], "order": step.order}
        )
    value = measurement_parse(raw, step.spec_unit, step.spec_nominal)
    if value < 0 and step.spec_lower is not None and step.spec_lower >= 0:
        # A torque or a bore of -180 is a slipped minus key, not a reading: kept, it would count in the quality
        # trend and the feedback threshold as an out-of-spec part. A spec with negative values takes them.
        raise StationError(
            gettext(
                "A reading of %(reading)s cannot be right here: the spec is %(spec)s and has no negative values. "
                "Check the sign and enter the value shown on the gauge."
            )
            % {"reading": f"{_loc(value)} {step.spec_unit}".strip(), "spec": spec_text(step)}
        )
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
    reading = (
        f"{number_format(measurement.value_shown)} {step.spec_unit}"  # with the decimals typed: "18.0 mm"
    )
    if in_spec:
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
    ) % {"reading": reading, "spec": spec}
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

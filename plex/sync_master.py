"""Master data from Plex: work centers, employees, parts, part operations, specifications, control plans."""

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password

from instructions.models import Operation, Part, WorkCenter
from plex.models import ControlPlan, PartSpecification, StepSpecLink
from plex.sync_records import (
    Context,
    Malformed,
    other_rows,
    plain_number,
    problem_report,
    read_integer,
    read_moment,
    read_number,
    read_text,
    record_list,
    records_apply,
)
from plexcopilot.models import Employee


def apply_workcenters(body: Any, ctx: Context) -> None:
    def apply(rec: dict[str, Any]) -> None:
        plex_id = read_text(rec, "workcenterId", required=True, max_len=64)
        code = read_text(rec, "workcenterCode", required=True, max_len=32)
        name = read_text(rec, "name", max_len=120) or code
        area = read_text(rec, "workcenterGroup", max_len=60) or read_text(rec, "workcenterType", max_len=60)
        center = WorkCenter.objects.filter(plex_workcenter_id=plex_id).first()
        center = center or WorkCenter.objects.filter(code=code, plex_workcenter_id="").first()
        if other_rows(WorkCenter.objects.filter(code=code), center).exists():
            raise Malformed(f"work center code {code} is already used by another Plex work center")
        center = center or WorkCenter(plex_workcenter_id=plex_id)
        center.plex_workcenter_id, center.code, center.name, center.area = plex_id, code, name, area
        center.save()

    records_apply(ctx, "workcenter", record_list(body, "workcenters"), "workcenterId", apply)


def apply_employees(body: Any, ctx: Context) -> None:
    user_model = get_user_model()

    def apply(rec: dict[str, Any]) -> None:
        plex_id = read_text(rec, "id", required=True, max_len=64)
        badge = read_text(rec, "badgeNumber", required=True, max_len=32)
        first = read_text(rec, "firstName", required=True, max_len=80)
        last = read_text(rec, "lastName", required=True, max_len=80)
        active = read_text(rec, "status", max_len=40).lower() in ("", "active")
        shift = read_text(rec, "shift", max_len=4)
        employee = Employee.objects.filter(plex_employee_id=plex_id).first()
        employee = employee or Employee.objects.filter(badge_id=badge, plex_employee_id="").first()
        if other_rows(Employee.objects.filter(badge_id=badge), employee).exists():
            raise Malformed(f"badge {badge} already belongs to another employee")
        if employee is None:
            username = f"plex-{badge}"
            if user_model.objects.filter(username=username).exists():
                raise Malformed(f"a user named {username} already exists")
            user = user_model.objects.create_user(username=username, first_name=first, last_name=last)
            user.set_unusable_password()
            user.save()
            # No PIN comes from Plex: the admin sets one before this person can sign in at a station.
            employee = Employee(user=user, pin_hash=make_password(None))
        employee.plex_employee_id, employee.badge_id = plex_id, badge
        employee.first_name, employee.last_name, employee.active, employee.shift = first, last, active, shift
        employee.save()

    records_apply(ctx, "employee", record_list(body, "employees"), "id", apply)


def apply_parts(body: Any, ctx: Context) -> None:
    def apply(rec: dict[str, Any]) -> None:
        plex_id = read_text(rec, "id", required=True, max_len=64)
        number = read_text(rec, "number", required=True, max_len=40)
        revision = read_text(rec, "revision", max_len=10)
        name = read_text(rec, "name", max_len=120) or number
        description = read_text(rec, "description", max_len=2000)
        part = Part.objects.filter(plex_part_id=plex_id).first()
        part = part or Part.objects.filter(number=number, revision=revision, plex_part_id="").first()
        clash = other_rows(Part.objects.filter(number=number, revision=revision), part)
        if clash.exists():
            raise Malformed(f"part {number} rev {revision} already exists with another Plex id")
        part = part or Part()
        part.plex_part_id, part.number, part.revision, part.name, part.description = (
            plex_id, number, revision, name, description,
        )  # fmt: skip
        part.save()

    records_apply(ctx, "part", record_list(body, "parts"), "id", apply)


def apply_part_operations(body: Any, ctx: Context) -> None:
    def apply(rec: dict[str, Any]) -> None:
        read_text(rec, "partId", required=True, max_len=64)
        read_integer(rec, "operationNumber", required=True)
        if "active" in rec and not isinstance(rec["active"], bool | None):
            raise Malformed("active should be true or false")
        # Kept as a PlexRecord; jobs place the operation at its work center (part operations do not).
        operation = Operation.objects.filter(
            part__plex_part_id=rec["partId"], sequence=rec["operationNumber"]
        ).first()
        if operation is not None and operation.plex_operation_id != rec["id"]:
            operation.plex_operation_id = rec["id"]
            operation.save(update_fields=["plex_operation_id"])

    records_apply(ctx, "part-operation", record_list(body, "part_operations"), "id", apply)


def apply_specifications(body: Any, ctx: Context) -> None:
    def apply(rec: dict[str, Any]) -> None:
        plex_id = read_text(rec, "id", required=True, max_len=64)
        part_id = read_text(rec, "partId", required=True, max_len=64)
        part = Part.objects.filter(plex_part_id=part_id).first()
        if part is None:
            raise Malformed(f"partId {part_id} is not a synced part")
        tolerance = rec.get("toleranceType") or {}
        if not isinstance(tolerance, dict):
            raise Malformed("toleranceType should be an object")
        target = read_number(tolerance, "target")
        plus, minus = read_number(tolerance, "targetPlus"), read_number(tolerance, "targetMinus")
        lower = read_number(tolerance, "oneSidedMinimum")
        upper = read_number(tolerance, "oneSidedMaximum")
        if target is not None and plus is not None:
            upper = target + plus
        if target is not None and minus is not None:
            lower = target - minus
        if lower is not None and upper is not None and lower > upper:
            raise Malformed(f"lower limit {lower} is above upper limit {upper}")
        spec, _ = PartSpecification.objects.update_or_create(
            plex_id=plex_id,
            defaults={
                "part": part,
                "number": read_text(rec, "specificationNumber", max_len=60),
                "description": read_text(rec, "description", max_len=300)
                or read_text(rec, "note", max_len=300),
                "nominal": target,
                "lower": lower,
                "upper": upper,
                "unit": read_text(tolerance, "unit", max_len=16),
                "updated_at": read_moment(rec, "updatedDateTime"),
            },
        )
        _report_drift(ctx, spec)

    records_apply(ctx, "part-specification", record_list(body, "part_specifications"), "id", apply)


def _report_drift(ctx: Context, spec: PartSpecification) -> None:
    """A published step keeps its limits until a person approves a change; when Plex's limits move, the
    admin (and engineering) are told which step still checks the old ones."""
    for link in StepSpecLink.objects.filter(specification=spec).select_related(
        "instruction__current_version"
    ):
        version = link.instruction.current_version
        step = version.steps.filter(key=link.step_key).first() if version else None
        if version is None or step is None or (step.spec_lower, step.spec_upper) == (spec.lower, spec.upper):
            continue
        problem_report(
            ctx.run,
            "spec-drift",
            spec.plex_id,
            f"Plex limits for {spec.part.number} {spec.number} are now {plain_number(spec.lower)}–{plain_number(spec.upper)} "
            f"{spec.unit}; step {step.order} of {link.instruction.title} v{version.number} still checks "
            f"{plain_number(step.spec_lower)}–{plain_number(step.spec_upper)}. Propose a change to the instruction.",
        )


def apply_control_plans(body: Any, ctx: Context) -> None:
    def apply(rec: dict[str, Any]) -> None:
        number = read_number(rec, "controlPlanNo")
        ControlPlan.objects.update_or_create(
            plex_id=read_text(rec, "id", required=True, max_len=64),
            defaults={
                "number": "" if number is None else format(number.normalize(), "f"),
                "description": read_text(rec, "description", max_len=300),
                "status": read_text(rec, "controlPlanStatus", max_len=40),
                "plan_type": read_text(rec, "controlPlanType", max_len=60),
            },
        )

    records_apply(ctx, "control-plan", record_list(body, "control_plans"), "id", apply)

"""Critical steps that mean it: a second person of an allowed role signs off with badge + PIN."""

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.translation import gettext

from instructions.adaptation import step_gate_locked
from instructions.models import CriticalSignoff, Execution, Station, Step, StepCompletion
from instructions.runs import StationError, step_complete
from plexcopilot.models import Employee
from plexcopilot.services import audit_record
from plexcopilot.signatures import BadgeLocked, badge_check


def step_signoff(
    *,
    execution: Execution,
    step: Step,
    operator: Employee,
    station: Station | None,
    badge: str,
    pin: str,
) -> StepCompletion:
    """Check the second person's badge + PIN and role, record the sign-off, then mark the step done."""
    if step_gate_locked(execution=execution, employee=operator, step=step):
        raise StationError(gettext("This step needs a valid certification or a supervisor override."))
    if not step.needs_signoff:
        raise StationError(gettext("This step does not need a sign-off."))
    try:
        signer = badge_check(badge_id=badge.strip(), pin=pin.strip())
    except BadgeLocked:
        raise StationError(
            gettext("Too many wrong PINs for that badge. Wait a minute and try again.")
        ) from None
    if signer is None:
        raise StationError(gettext("Badge or PIN not recognised. Check the PIN and try again."))
    if signer.pk == operator.pk:
        raise StationError(gettext("A second person must sign off: you cannot sign off your own step."))
    if signer.role not in settings.STATION_SIGNOFF_ROLES:
        raise StationError(
            gettext("%(name)s cannot sign off this step: it needs a supervisor or quality badge.")
            % {"name": signer.full_name}
        )
    try:
        with transaction.atomic():
            signoff = CriticalSignoff.objects.create(
                execution=execution, step=step, operator=operator, signer=signer, signer_role=signer.role
            )
            audit_record(
                actor=signer.user,
                action="step.signoff",
                obj=signoff,
                summary=f"{signer.full_name} ({signer.role}) signed off step {step.order} ({step.title}) of "
                f"{execution.work_order.barcode} for {operator.full_name}",
                data={"operator": operator.badge_id, "execution": execution.pk, "step": step.key},
            )
    except IntegrityError:
        pass  # signed off already (double tap, second tablet): the first sign-off stands
    return step_complete(execution=execution, step=step, employee=operator, station=station)

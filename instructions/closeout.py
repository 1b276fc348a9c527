"""The end of a run and what happens between operators: close-out with quantities, hand-offs.

A run (Execution) closes out once with good and scrap quantities; the work order closes when the good
quantity reported over its runs reaches the ordered quantity. Plex hears about both through domain events
(`production_recorded`, `work_order_closed`): the plex app turns them into outbox write-backs.
"""

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils.formats import localize
from django.utils.translation import gettext

from instructions.models import (
    Execution,
    ExecutionStatus,
    ProductionReport,
    RunHandoff,
    ScrapReason,
    Station,
    WorkOrder,
    WorkOrderStatus,
)
from instructions.runs import StationError, execution_next_step
from plexcopilot import events
from plexcopilot.models import Employee
from plexcopilot.services import audit_chain_lock, audit_record

MAX_QUANTITY = 1_000_000


class OverOrdered(StationError):
    """The good count would take the work order past its ordered quantity: refused once, so a slip of the keypad
    (5000 for 500) does not close the order; the same count confirmed is taken."""

    def __init__(self, message: str, good: int) -> None:
        super().__init__(message)
        self.good = good


def work_order_reported(*, work_order: WorkOrder) -> tuple[int, int]:
    """(good, scrap) reported so far over all the work order's runs."""
    totals = ProductionReport.objects.filter(work_order=work_order).aggregate(
        good=Sum("good"), scrap=Sum("scrap")
    )
    return totals["good"] or 0, totals["scrap"] or 0


def execution_close_out(
    *,
    execution: Execution,
    employee: Employee,
    station: Station | None,
    good: int,
    scrap: int,
    scrap_reason: str,
    over_confirmed: bool = False,
) -> ProductionReport:
    """Report a finished run's quantities; closes the work order when its quantity is reached.

    Idempotent per run: a second submit (double tap, second tablet) returns the first report. A good count past
    the ordered quantity is refused (`OverOrdered`) unless the operator confirmed that very count.
    """
    existing = ProductionReport.objects.filter(execution=execution).first()
    if existing is not None:
        return existing
    if execution.status != ExecutionStatus.COMPLETE:
        raise StationError(gettext("Finish every step before closing out the run."))
    if not (0 <= good <= MAX_QUANTITY and 0 <= scrap <= MAX_QUANTITY):
        raise StationError(gettext("Enter whole numbers of parts, 0 or more."))
    if good + scrap == 0:
        raise StationError(gettext("Enter how many good and how many scrap parts this run made."))
    if scrap and scrap_reason not in ScrapReason.values:
        raise StationError(gettext("Choose a scrap reason for the scrapped parts."))
    work_order = execution.work_order
    try:
        with transaction.atomic():
            # The count past the order is judged under the work order's lock (after the chain's, the lock order):
            # two runs closed out at once cannot both slip past the ordered quantity unconfirmed.
            audit_chain_lock()
            WorkOrder.objects.select_for_update(no_key=True).filter(pk=work_order.pk).values_list(
                "pk"
            ).first()
            before, _ = work_order_reported(work_order=work_order)
            if before + good > work_order.quantity and not over_confirmed:
                raise OverOrdered(
                    gettext(
                        "%(total)s good parts reported for %(ordered)s ordered, with this run's %(good)s. Check "
                        "the count; if it is right, tap Close out the run again."
                    )
                    % {
                        "good": localize(good),
                        "total": localize(before + good),
                        "ordered": localize(work_order.quantity),
                    },
                    good,
                )
            report = ProductionReport.objects.create(
                execution=execution, work_order=work_order, good=good, scrap=scrap,
                scrap_reason=scrap_reason if scrap else "", reported_by=employee, station=station,
            )  # fmt: skip
            total_good, _ = work_order_reported(work_order=work_order)
            closed = total_good >= work_order.quantity and bool(
                WorkOrder.objects.exclude(status=WorkOrderStatus.COMPLETE)
                .filter(pk=work_order.pk)
                .update(status=WorkOrderStatus.COMPLETE)
            )
            if closed:
                ProductionReport.objects.filter(pk=report.pk).update(closed_work_order=True)
                report.closed_work_order = True
                work_order.status = WorkOrderStatus.COMPLETE
            audit_record(
                actor=employee.user, action="execution.close_out", obj=report,
                summary=f"{work_order.barcode}: {good} good, {scrap} scrap"
                f"{f' ({scrap_reason})' if scrap else ''} by {employee.full_name}"
                f"{'; work order closed' if closed else ''}",
                data={"execution": execution.pk, "total_good": total_good, "closed": closed,
                      "over_ordered": total_good > work_order.quantity},
            )  # fmt: skip
            events.publish(events.PRODUCTION_RECORDED, report_id=report.pk)
            if closed:
                events.publish(events.WORK_ORDER_CLOSED, work_order_id=work_order.pk)
    except IntegrityError:
        return ProductionReport.objects.get(execution=execution)
    return report


def execution_holder(execution: Execution) -> int:
    """The employee id that holds the run now."""
    return execution.operator_id or execution.started_by_id


def execution_hand_off(
    *, execution: Execution, to_employee: Employee, station: Station | None
) -> RunHandoff | None:
    """The operator at the tablet takes over the run; recorded, so every step says who did it."""
    holder = execution_holder(execution)
    if holder == to_employee.pk or execution.status != ExecutionStatus.ACTIVE:
        return None
    next_step = execution_next_step(execution)
    at_step = next_step.order if next_step is not None else execution.current_order
    with transaction.atomic():
        audit_chain_lock()  # first: step completion takes it before the run's row, so both lock in one order
        moved = Execution.objects.filter(pk=execution.pk, status=ExecutionStatus.ACTIVE).update(
            operator=to_employee
        )
        if not moved:
            return None
        handoff = RunHandoff.objects.create(
            execution=execution, from_employee_id=holder, to_employee=to_employee,
            at_step=at_step, station=station,
        )  # fmt: skip
        audit_record(
            actor=to_employee.user, action="execution.hand_off", obj=handoff,
            summary=f"{to_employee.full_name} took over {execution.work_order.barcode} at step {at_step}",
            data={"execution": execution.pk, "from": holder},
        )  # fmt: skip
    execution.operator = to_employee
    return handoff

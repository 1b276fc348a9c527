"""Station scoping: floor work is reachable only from a station of the work order's work center.

One place for the rule, used by the station views, the copilot and the websocket consumers. Desk roles
(supervisor, quality, admin) are not stations: they read floor records through their own pages.
"""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from instructions.models import Execution, Station, Step, WorkInstruction, WorkOrder
from plexcopilot.roles import QUALITY, SUPERVISOR, user_has_role

OTHER_WORK_CENTER = (
    "This work belongs to another work center: open it from one of that work center's stations."
)


def station_may_work_on(station: Station, work_order: WorkOrder) -> bool:
    return work_order.operation.work_center_id == station.work_center_id


def execution_for_station(pk: int, station: Station) -> Execution:
    """The execution `pk` for a station page: 404 if there is none, 403 from a station of another work center."""
    execution = get_object_or_404(
        Execution.objects.select_related(
            "work_order__part",
            "work_order__operation__required_certification",
            "version__instruction",
        ),
        pk=pk,
    )
    if not station_may_work_on(station, execution.work_order):
        raise PermissionDenied(OTHER_WORK_CENTER)
    return execution


def instruction_listener_allowed(*, user: Any, station_id: int | None, instruction_id: int) -> bool:
    """Who may join an instruction's websocket group: desk roles, or a station of the instruction's work center."""
    if user is None or not user.is_authenticated:
        return False
    if user_has_role(user, SUPERVISOR, QUALITY):
        return True
    if not station_id:
        return False
    return WorkInstruction.objects.filter(
        pk=instruction_id, operation__work_center__stations__pk=station_id
    ).exists()


def step_media_allowed(*, user: Any, station_id: int | None, digest: str) -> bool:
    """Who may open a step's picture or clip: desk roles (also before it is signed, to review it), or a station of a
    work center running an instruction whose published steps show it. Unsigned media never reach a station."""
    if user is None or not user.is_authenticated:
        return False
    if user_has_role(user, SUPERVISOR, QUALITY):
        return True
    if not station_id:
        return False
    return Step.objects.filter(
        media=digest, version__instruction__operation__work_center__stations__pk=station_id
    ).exists()

"""The closed loop, quality's side: the station announces trouble on a step (subscribed in QualityConfig.ready()).

Repeated trouble on a step becomes a change proposal: each signal queues quality's threshold checks for it.
"""

from quality.services import feedback_check_enqueue


def on_step_flagged(*, instruction_id: int, step_key: str, **_: object) -> None:
    feedback_check_enqueue(instruction_id=instruction_id, step_key=step_key)


def on_measurement_recorded(*, instruction_id: int, step_key: str, in_spec: bool, **_: object) -> None:
    if not in_spec:
        feedback_check_enqueue(instruction_id=instruction_id, step_key=step_key)

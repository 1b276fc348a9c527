"""What the quality app does when other parts of the system change (connected in QualityConfig.ready())."""

from typing import Any

from django.db import transaction


def on_ncr_history_changed(**_payload: Any) -> None:
    from quality.triage_store import retrain_enqueue

    retrain_enqueue()


def on_part_saved(sender: Any, instance: Any, created: bool, **_kwargs: Any) -> None:
    if created:
        transaction.on_commit(lambda: _link(part_id=instance.pk))


def on_operation_saved(sender: Any, instance: Any, created: bool, **_kwargs: Any) -> None:
    if created:
        transaction.on_commit(lambda: _link(part_id=instance.part_id))


def _link(*, part_id: int) -> None:
    from instructions.models import Part
    from quality.ncr_import import ncr_link

    ncr_link(parts=Part.objects.filter(pk=part_id))

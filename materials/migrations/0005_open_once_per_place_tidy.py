"""Before the database keeps one open shortage alert and one open buffer call-off per place (0006): close the
duplicates two evaluations running at once could leave behind."""

from django.db import migrations
from django.db.models import Count

OPEN_CALLS = ["draft", "requested"]


def open_once_tidy(apps, schema_editor):
    ShortageAlert = apps.get_model("materials", "ShortageAlert")
    CallOff = apps.get_model("materials", "CallOff")
    doubled = (
        ShortageAlert.objects.filter(status="open")
        .values("component_id", "location_id")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
    )
    for place in doubled:
        alerts = ShortageAlert.objects.filter(
            component_id=place["component_id"], location_id=place["location_id"], status="open"
        ).order_by("-predicted_at", "-id")
        # The newest prediction stays open; the next evaluation moves or resolves it as usual.
        ShortageAlert.objects.filter(pk__in=[a.pk for a in alerts[1:]]).update(status="resolved")
    doubled = (
        CallOff.objects.filter(status__in=OPEN_CALLS, kanban_card="")
        .values("component_id", "location_id")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
    )
    for place in doubled:
        calls = list(
            CallOff.objects.filter(
                component_id=place["component_id"],
                location_id=place["location_id"],
                status__in=OPEN_CALLS,
                kanban_card="",
            ).order_by("created_at", "id")
        )
        requested = [call for call in calls if call.status == "requested"]
        if len(requested) > 1:
            raise RuntimeError(
                "Call-offs "
                + ", ".join(str(call.pk) for call in requested)
                + " are all requested for one component "
                "at one place; only one may be open. Confirm the ones that arrived (Delivered) on the materials "
                "desk, then migrate again."
            )
        # Nobody acted on a draft: the requested call (or else the oldest draft) stays, the other drafts are
        # withdrawn as the evaluation withdraws a draft no longer needed.
        keep = requested[0] if requested else calls[0]
        CallOff.objects.filter(pk__in=[call.pk for call in calls if call.pk != keep.pk]).update(
            status="cancelled", still_needed=False
        )


class Migration(migrations.Migration):
    dependencies = [
        ("materials", "0004_zone_history_by_day"),
    ]

    operations = [
        migrations.RunPython(open_once_tidy, migrations.RunPython.noop),
    ]

"""Before the database keeps one open shortage alert and one draft buffer call-off per place (0006): close the
duplicates two evaluations running at once could leave behind. Never stops `migrate`."""

from django.db import migrations
from django.db.models import Count


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
    # Only drafts are closed: nobody acted on them, and the database keeps one per place (0006). Requested call-offs
    # stay, however many: each may be on its way, and closing one here (or confirming it Delivered) could count
    # material still on the road as stock; the material handler confirms or cancels them on the desk.
    places = CallOff.objects.filter(status="draft", kanban_card="").values_list("component_id", "location_id")
    for component_id, location_id in set(places):
        calls = CallOff.objects.filter(component_id=component_id, location_id=location_id, kanban_card="")
        drafts = list(calls.filter(status="draft").order_by("created_at", "id"))
        # A place with a call-off on its way gets no draft beside it (the evaluation drafts only where none is
        # open). Otherwise each evaluation rewrote every draft alike, so they say the same: the oldest (the number
        # the desk has shown longest) stays. The others are withdrawn as the evaluation withdraws a draft.
        keep = 0 if calls.filter(status="requested").exists() else 1
        CallOff.objects.filter(pk__in=[call.pk for call in drafts[keep:]]).update(
            status="cancelled", still_needed=False
        )


class Migration(migrations.Migration):
    dependencies = [
        ("materials", "0004_zone_history_by_day"),
    ]

    operations = [
        migrations.RunPython(open_once_tidy, migrations.RunPython.noop),
    ]

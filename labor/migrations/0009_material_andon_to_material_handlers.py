"""Material Andon calls are routed to material handlers too (labor.andon.ROUTES): open calls raised before join
their board, so a call raised just before the upgrade is not left on the supervisors' board alone."""

from django.db import migrations


def forwards(apps, schema_editor):
    AndonCall = apps.get_model("labor", "AndonCall")
    for call in AndonCall.objects.filter(category="material", resolved_at__isnull=True):
        if "material_handler" not in call.routed_to:
            call.routed_to = ["material_handler", *call.routed_to]
            call.save(update_fields=["routed_to"])


class Migration(migrations.Migration):
    dependencies = [("labor", "0008_punch_note_as_long_as_the_flag_note")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]

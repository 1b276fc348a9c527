from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("copilot", "0004_upload_versions"),
    ]

    operations = [
        migrations.AddField(
            model_name="knowledgedocument",
            name="index_status",
            field=models.CharField(
                choices=[("ready", "Indexed"), ("queued", "Indexing…"), ("failed", "Indexing failed")],
                default="ready",
                help_text="Uploads are read and indexed by the background worker",
                max_length=8,
            ),
        ),
        migrations.AddField(
            model_name="knowledgedocument",
            name="index_error",
            field=models.CharField(blank=True, help_text="Why indexing failed", max_length=500),
        ),
    ]

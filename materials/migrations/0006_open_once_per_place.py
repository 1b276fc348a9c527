from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("materials", "0005_open_once_per_place_tidy"),
    ]

    operations = [
        migrations.AddConstraint(
            model_name="calloff",
            constraint=models.UniqueConstraint(
                condition=models.Q(("kanban_card", ""), ("status", "draft")),
                fields=("component", "location"),
                name="one_draft_call_off_per_place",
            ),
        ),
        migrations.AddConstraint(
            model_name="shortagealert",
            constraint=models.UniqueConstraint(
                condition=models.Q(("status", "open")),
                fields=("component", "location"),
                name="one_open_shortage_per_place",
            ),
        ),
    ]

"""Quality keeps the copilot questions asked on a step (announced by copilot from now on); the ones already asked
are copied, so the feedback windows open at deploy time still count them."""

import django.db.models.deletion
from django.db import migrations, models


def copy_questions(apps, schema_editor):
    CopilotQuestion = apps.get_model("copilot", "CopilotQuestion")
    StepQuestion = apps.get_model("quality", "StepQuestion")
    rows = (
        CopilotQuestion.objects.exclude(version=None)
        .exclude(step_key="")
        .values_list("pk", "version_id", "step_key", "question", "asked_at")
    )
    StepQuestion.objects.bulk_create(
        (
            StepQuestion(question_id=pk, version_id=version, step_key=key, question=text[:500], asked_at=at)
            for pk, version, key, text, at in rows.iterator()
        ),
        batch_size=1000,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("copilot", "0003_document_sources_and_approval"),
        ("instructions", "0005_version_switch"),
        ("quality", "0004_taxonomy_unlinked_history_triage_model"),
    ]

    operations = [
        migrations.CreateModel(
            name="StepQuestion",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("question_id", models.PositiveBigIntegerField(unique=True)),
                ("step_key", models.CharField(db_index=True, max_length=32)),
                ("question", models.TextField(max_length=500)),
                ("asked_at", models.DateTimeField(db_index=True)),
                (
                    "version",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="instructions.instructionversion",
                    ),
                ),
            ],
            options={
                "ordering": ["asked_at", "question_id"],
            },
        ),
        migrations.RunPython(copy_questions, migrations.RunPython.noop),
    ]

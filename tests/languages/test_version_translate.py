"""Step translations are computed at publish time, per version, and only changed steps are re-translated."""

import pytest

from instructions.publishing import version_publish
from languages.models import StepTranslation
from languages.step_cache import version_translate
from tests.actors import make_employee
from tests.languages.fakes import serve

pytestmark = pytest.mark.django_db


def publish(plant, steps, base):
    return version_publish(
        instruction=plant.instruction, steps=steps, change_note="edit", published_by=None, base_version=base
    )


class TestVersionTranslate:
    def test_it_translates_every_step_into_each_operator_language_at_publish(
        self, plant, settings, django_capture_on_commit_callbacks
    ):
        make_employee("540001", language="es")
        make_employee("540002", language="pl")
        steps = [s.content() for s in plant.version.steps.all()]
        with serve("libretranslate") as fake, django_capture_on_commit_callbacks(execute=True):
            settings.LIBRETRANSLATE_URL = fake.url
            version = publish(plant, steps, plant.version)
        rows = StepTranslation.objects.filter(version=version)
        assert sorted(set(rows.values_list("language", flat=True))) == ["es", "pl"]
        assert rows.count() == 8
        title = rows.get(language="es", step__order=1).fields["title"]
        assert title["text"] == "revise el troquel set" and title["origins"] == ["machine"]

    def test_it_retranslates_only_the_changed_steps_of_a_new_version(self, plant, settings):
        make_employee("540003", language="es")
        with serve("libretranslate") as fake:
            settings.LIBRETRANSLATE_URL = fake.url
            first = version_translate(version=plant.version)
            sent_first = sum(len(r["q"]) for r in fake.requests)
            steps = [s.content() for s in plant.version.steps.all()]
            steps[1]["text"] = "Torque the four clamp bolts to 27 N·m (24–28 N·m)."
            steps[3]["order"] = 4
            version = publish(plant, steps, plant.version)
            fake.requests.clear()
            second = version_translate(version=version)
        assert first[0].translated == 4 and first[0].reused == 0
        assert second[0].translated == 1 and second[0].reused == 3
        # Only step 2 went to the machine (its caution is a curated safety phrase and needs none).
        assert [q for r in fake.requests for q in r["q"]] == [
            "Torque the clamp bolts",
            "Torque the four clamp bolts to 27 N·m (24–28 N·m).",
            "Loose clamps let the die shift and crack the part.",
        ]
        assert sent_first > 1
        changed = StepTranslation.objects.get(version=version, step__order=2, language="es")
        assert "27 N·m" in changed.fields["text"]["text"]

    def test_it_does_nothing_for_a_version_already_cached(self, plant):
        make_employee("540004", language="es")
        version_translate(version=plant.version)
        assert StepTranslation.objects.filter(version=plant.version, language="es").count() == 4
        again = version_translate(version=plant.version)
        assert again[0].translated == 0 and again[0].reused == 0  # already cached: nothing to do

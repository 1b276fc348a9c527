import pytest

from instructions.models import ImmutableError
from instructions.publishing import PublishConflict, version_publish
from tests.actors import STEPS

pytestmark = pytest.mark.django_db


class TestVersionPublish:
    def test_it_publishes_the_next_version_and_makes_it_current(self, plant):
        v2 = version_publish(instruction=plant.instruction, steps=STEPS[:3], change_note="drop step 4",
                             published_by=None, base_version=plant.version)  # fmt: skip
        plant.instruction.refresh_from_db()
        assert v2.number == 2 and plant.instruction.current_version == v2
        assert v2.steps.count() == 3

    def test_it_hashes_content_stably(self, plant):
        v2 = version_publish(instruction=plant.instruction, steps=STEPS, change_note="same",
                             published_by=None, base_version=plant.version)  # fmt: skip
        assert len(v2.content_hash) == 64
        assert v2.content_hash != ""
        v3 = version_publish(instruction=plant.instruction, steps=STEPS[::-1], change_note="reorder",
                             published_by=None, base_version=v2)  # fmt: skip
        assert v3.content_hash != v2.content_hash

    def test_it_refuses_a_publish_from_a_stale_base(self, plant):
        version_publish(instruction=plant.instruction, steps=STEPS, change_note="first", published_by=None,
                        base_version=plant.version)  # fmt: skip
        with pytest.raises(PublishConflict):
            version_publish(instruction=plant.instruction, steps=STEPS, change_note="second", published_by=None,
                            base_version=plant.version)  # fmt: skip
        assert plant.instruction.versions.count() == 2

    def test_it_keeps_versions_and_steps_immutable(self, plant):
        with pytest.raises(ImmutableError):
            plant.version.save()
        step = plant.version.steps.first()
        step.text = "changed"
        with pytest.raises(ImmutableError):
            step.save()
        with pytest.raises(ImmutableError):
            plant.version.delete()

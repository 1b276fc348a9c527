"""A published version's changed step only partly covered by the translation memory (no machine backend): the
station never mixes the approved sentence with the new English one unmarked, and the new sentence waits for a
supervisor in the review queue."""

import pytest
from django.test import Client

from instructions.models import ChangeProposal
from instructions.publishing import version_announce, version_publish
from languages.models import ReviewStatus, TranslationReview
from languages.review import memory_import
from languages.step_cache import version_translate
from tests.actors import at, desk_login, start, station_client

pytestmark = pytest.mark.django_db

OLD = "Reset the light curtain and test it with the test rod."
OLD_ES = "Restablezca la cortina de luz y pruébela con la varilla de prueba."
NEW = "Test it again at both side edges; the ram must stop every time."
NEW_ES = "Pruébela otra vez en ambos bordes laterales; el carro debe detenerse cada vez."


@pytest.fixture
def spanish_run(plant):
    """A Spanish operator two steps into a run on v1, whose light-curtain step is in the approved memory."""
    plant.certified.language = "es"
    plant.certified.save(update_fields=["language"])
    step = [
        {"en": "Reset the light curtain", "es": "Restablezca la cortina de luz"},
        {"en": OLD, "es": OLD_ES},
        {"en": "Never bypass the light curtain.", "es": "Nunca puentee la cortina de luz."},
        {
            "en": "The curtain is the only guard at the die opening.",
            "es": "La cortina es la única protección.",
        },
    ]
    memory_import(entries=step, language="es")
    version_translate(version=plant.version)
    client = station_client(plant.station, plant.certified)
    url = start(client, "WO-1-10")
    client.post(url + "done/")
    client.post(at(url, 2) + "measure/", {"value": "26"})
    client.post(at(url, 2) + "done/")
    return client, url


def release_safety_change(plant, django_capture_on_commit_callbacks):
    """v2 appends a new sentence to the light-curtain step, released as a signed safety-critical change."""
    current = plant.instruction.current_version
    steps = [step.content() for step in current.steps.order_by("order")]
    steps[2] = dict(steps[2], text=f"{OLD} {NEW}")
    with django_capture_on_commit_callbacks(execute=True):
        version = version_publish(instruction=plant.instruction, steps=steps, published_by=None,
                                  base_version=current, change_note="Light curtain edges")  # fmt: skip
        ChangeProposal.objects.create(
            instruction=plant.instruction, base_version=current, source="quality_engineer", status="approved",
            risk="safety_critical", summary="Light curtain edges", rationale="Dead edge beam",
            content_hash=version.content_hash, published_version=version,
        )  # fmt: skip
        version_announce(version=version)
    return version


def supervisor_desk(plant) -> Client:
    client = Client()
    assert desk_login(client, plant.supervisor.user.username, "desk-pass-123")
    return client


class TestChangedStepTranslation:
    def test_it_shows_a_partly_translated_changed_step_whole_in_english_and_marked(
        self, plant, spanish_run, django_capture_on_commit_callbacks
    ):
        client, url = spanish_run
        release_safety_change(plant, django_capture_on_commit_callbacks)
        switch = client.get(at(url, 3)).content.decode()
        assert "cambio crítico para la seguridad" in switch
        assert OLD_ES not in switch  # never half Spanish, half English
        assert f"{OLD} {NEW}" in switch and 'data-testid="mark-untranslated"' in switch
        client.post(url.rsplit("/", 2)[0] + "/switch/")
        step = client.get(at(url, 3)).content.decode()
        assert OLD_ES not in step and f"{OLD} {NEW}" in step and 'data-testid="mark-untranslated"' in step

    def test_it_queues_the_untranslated_sentence_for_review_and_the_approval_reaches_the_station(
        self, plant, spanish_run, django_capture_on_commit_callbacks
    ):
        client, url = spanish_run
        release_safety_change(plant, django_capture_on_commit_callbacks)
        review = TranslationReview.objects.get(language="es", status=ReviewStatus.PENDING, source_text=NEW)
        assert review.machine_text == "" and review.backend == "no machine translation"
        assert not TranslationReview.objects.filter(source_text=OLD).exists()  # approved already
        desk = supervisor_desk(plant)
        page = desk.get("/languages/review/?language=es").content.decode()
        assert NEW in page and "Nothing to review" not in page
        approved = desk.post(f"/languages/review/{review.pk}/approve/",
                             {"final_text": NEW_ES, "password": "desk-pass-123"}, HTTP_HX_REQUEST="true")  # fmt: skip
        assert approved.status_code == 200
        client.post(url.rsplit("/", 2)[0] + "/switch/")
        step = client.get(at(url, 3)).content.decode()
        assert f"{OLD_ES} {NEW_ES}" in step and 'data-testid="mark-untranslated"' not in step

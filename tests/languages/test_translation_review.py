"""Supervisors approve machine translations into the memory with a signature; operators cannot."""

import pytest
from django.test import Client

from languages.models import MemorySegment, ReviewStatus, StepTranslation, TranslationReview
from languages.step_cache import version_translate
from plexcopilot.models import AuditEvent
from tests.actors import desk_login, make_employee
from tests.languages.fakes import serve

pytestmark = pytest.mark.django_db

SOURCE = "Confirm die D-40 is loaded."


def desk(employee) -> Client:
    client = Client()
    assert desk_login(client, employee.user.username, "desk-pass-123")
    return client


@pytest.fixture
def queued(plant, settings):
    """Step 1 of the test plant machine-translated into Spanish, its sentences waiting for review."""
    make_employee("550001", language="es")
    with serve("libretranslate") as fake:
        settings.LIBRETRANSLATE_URL = fake.url
        version_translate(version=plant.version)
    settings.LIBRETRANSLATE_URL = ""
    return TranslationReview.objects.get(language="es", source_text=SOURCE)


class TestReviewPage:
    def test_it_lists_pending_machine_translations_for_supervisors(self, plant, queued):
        page = desk(plant.supervisor).get("/languages/review/?language=es")
        assert page.status_code == 200
        assert SOURCE in page.content.decode() and "Approve and sign" in page.content.decode()

    def test_it_lists_the_newest_sentences_first(self, plant, queued):
        """A version just published (what operators read now) comes before the backlog of older sentences."""
        newer = TranslationReview.objects.create(
            language="es", source_text="Keep both hands on the two-hand control.", source_hash="n" * 64,
            machine_text="", backend="none",
        )  # fmt: skip
        page = desk(plant.supervisor).get("/languages/review/?language=es").content.decode()
        assert page.index(newer.source_text) < page.index(SOURCE)

    def test_it_refuses_operators(self, plant, queued):
        assert desk(plant.certified).get("/languages/review/").status_code == 403
        assert desk(plant.certified).post(f"/languages/review/{queued.pk}/approve/").status_code == 403

    def test_it_approves_with_a_signature_and_the_station_drops_the_mark(self, plant, queued):
        row = StepTranslation.objects.get(version=plant.version, language="es", step__order=1)
        other = StepTranslation.objects.get(version=plant.version, language="es", step__order=4)
        assert row.machine and other.machine
        response = desk(plant.supervisor).post(
            f"/languages/review/{queued.pk}/approve/",
            {"final_text": "Confirme que el troquel D-40 está cargado.", "password": "desk-pass-123"},
            HTTP_HX_REQUEST="true",
        )
        assert response.status_code == 200 and "Approved and signed" in response.content.decode()
        queued.refresh_from_db()
        assert queued.status == ReviewStatus.APPROVED and queued.decided_by == plant.supervisor.user
        segment = MemorySegment.objects.get(language="es", source_text=SOURCE)
        assert (
            segment.target_text == "Confirme que el troquel D-40 está cargado."
            and segment.origin == "reviewed"
        )
        event = AuditEvent.objects.get(action="translation.approve")
        assert event.actor == plant.supervisor.user and event.data["edited"] is True
        row.refresh_from_db()
        assert row.fields["text"]["text"] == "Confirme que el troquel D-40 está cargado."
        assert row.fields["text"]["origins"] == ["memory"]
        assert StepTranslation.objects.get(pk=other.pk).computed_at == other.computed_at  # untouched

    def test_it_refuses_a_translation_that_lost_a_code_and_keeps_the_text(self, plant, queued):
        response = desk(plant.supervisor).post(
            f"/languages/review/{queued.pk}/approve/",
            {"final_text": "Confirme que el troquel está cargado.", "password": "desk-pass-123"},
        )
        assert response.status_code == 422
        page = response.content.decode()
        assert "missing from the translation: 40" in page
        assert "Confirme que el troquel está cargado." in page  # nothing lost
        assert not MemorySegment.objects.exists()
        queued.refresh_from_db()
        assert queued.status == ReviewStatus.PENDING

    def test_it_refuses_an_approval_without_the_right_password(self, plant, queued):
        response = desk(plant.supervisor).post(
            f"/languages/review/{queued.pk}/approve/",
            {"final_text": "Confirme que el troquel D-40 está cargado.", "password": "wrong"},
        )
        assert response.status_code == 422 and "Password not recognised" in response.content.decode()
        assert (
            not MemorySegment.objects.exists()
            and not AuditEvent.objects.filter(action="translation.approve").exists()
        )

    def test_it_rejects_with_a_reason_recorded(self, plant, queued):
        client = desk(plant.supervisor)
        assert client.post(f"/languages/review/{queued.pk}/reject/", {"reason": ""}).status_code == 422
        response = client.post(f"/languages/review/{queued.pk}/reject/", {"reason": "Wrong word for die"})
        assert response.status_code == 302 and response["Location"] == "/languages/review/?language=es"
        page = client.get(response["Location"]).content.decode()
        assert "Rejected. The sentence stays marked until a translation is approved." in page
        queued.refresh_from_db()
        assert queued.status == ReviewStatus.REJECTED and queued.reason == "Wrong word for die"
        assert AuditEvent.objects.filter(action="translation.reject").exists()

    def test_it_does_not_decide_twice(self, plant, queued):
        client = desk(plant.supervisor)
        client.post(f"/languages/review/{queued.pk}/reject/", {"reason": "no"})
        response = client.post(
            f"/languages/review/{queued.pk}/approve/",
            {"final_text": "Confirme que el troquel D-40 está cargado.", "password": "desk-pass-123"},
        )
        assert response.status_code == 422 and "already decided" in response.content.decode()


class TestLongTexts:
    def test_an_over_long_reject_reason_is_refused_and_kept_whole(self, plant, queued):
        reason = "“Troquel” is right but the plant says “matriz” for the D-40 and the other presses. " * 7
        response = desk(plant.supervisor).post(
            f"/languages/review/{queued.pk}/reject/", {"reason": reason}, HTTP_HX_REQUEST="true"
        )
        page = response.content.decode()
        assert response.status_code == 422
        assert "The reason is 580 characters long; 500 at most. Nothing was cut" in page
        start = page.index('name="reason"')
        field = page[page.rindex("<", 0, start) : page.index(">", start) + 1]
        assert "Troquel" in field and field.count("matriz") == 7
        assert "maxlength" not in field and 'data-limit="500"' in field
        queued.refresh_from_db()
        assert queued.status == ReviewStatus.PENDING

    def test_an_over_long_translation_is_refused_not_signed_cut(self, plant, queued):
        text = "Confirme que el troquel D-40 está cargado. " * 120
        response = desk(plant.supervisor).post(
            f"/languages/review/{queued.pk}/approve/", {"final_text": text, "password": "desk-pass-123"}
        )
        page = response.content.decode()
        assert response.status_code == 422
        assert "The translation is 5,159 characters long; 5,000 at most. Nothing was cut" in page
        assert text.strip() in page
        assert not MemorySegment.objects.exists()


class TestDecisionsRedirect:
    def test_an_approval_without_htmx_redirects_to_the_list_and_says_so(self, plant, queued):
        client = desk(plant.supervisor)
        response = client.post(
            f"/languages/review/{queued.pk}/approve/",
            {"final_text": "Confirme que el troquel D-40 está cargado.", "password": "desk-pass-123"},
        )
        assert response.status_code == 302 and response["Location"] == "/languages/review/?language=es"
        page = client.get(response["Location"]).content.decode()
        assert "Approved and signed: stations now show this sentence unmarked." in page
        queued.refresh_from_db()
        assert queued.status == ReviewStatus.APPROVED

"""Step media go through the proposal flow like text: proposed, signed, published in a version, rolled back, audited;
they reach only desk roles and the stations of work centers that run the instruction, and only once signed."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from instructions.approval import proposal_sign
from instructions.media import media_ingest
from instructions.media_models import StepMedia
from instructions.models import ChangeProposal, ProposalStatus, WorkOrder, content_hash
from instructions.proposal_content import ProposalInvalid
from instructions.proposals import proposal_draft, proposal_rollback
from instructions.step_diff import proposal_diff
from plexcopilot.models import AuditEvent
from plexcopilot.services import audit_verify
from tests.actors import STEPS, at, certify, desk_login, make_employee, start, station_client

pytestmark = pytest.mark.django_db
DESK = "desk-pass-123"


def picture(colour=(200, 40, 40), size=(400, 300)) -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "PNG")
    return SimpleUploadedFile("pic.png", out.getvalue(), content_type="image/png")


def desk(employee) -> Client:
    client = Client()
    assert desk_login(client, employee.badge_id, DESK)
    return client


def propose_media(plant, fields, *, order=2, by=None):
    plant.instruction.refresh_from_db()
    base = plant.instruction.current_version
    step = base.steps.get(order=order)
    return proposal_draft(
        instruction=plant.instruction, base_version=base, source="engineer_edit",
        edits=[{"op": "change", "key": step.key, "fields": fields}], rationale="Show the wrench.",
        evidence=[], proposed_by=by or plant.quality.user,
    )  # fmt: skip


def sign(plant, proposal):
    return proposal_sign(
        proposal=proposal, user=plant.supervisor.user, meaning="approved_for_release", password=DESK
    )


def station_fetch(client: Client, media: StepMedia) -> int:
    return client.get(f"/step-media/{media.digest}/").status_code


class TestMediaProposals:
    def test_added_replaced_removed_and_rolled_back_media_are_signed_versions(self, plant):
        first = media_ingest(upload=picture(), instruction=plant.instruction, user=plant.quality.user)
        added = propose_media(plant, {"media": first.digest, "media_caption": "Wrench on the clamp bolt."})
        assert added.status == ProposalStatus.PENDING and plant.instruction.versions.count() == 1
        diff = {d.key: d for d in proposal_diff(added)}
        step_key = plant.version.steps.get(order=2).key
        assert [c.name for c in diff[step_key].changes] == ["media", "media_caption"]
        v2 = sign(plant, added).published
        step = v2.steps.get(order=2)
        assert (step.media, step.media_caption) == (first.digest, "Wrench on the clamp bolt.")
        assert v2.content_hash == added.content_hash != plant.version.content_hash

        second = media_ingest(upload=picture((40, 40, 200)), instruction=plant.instruction, user=None)
        v3 = sign(plant, propose_media(plant, {"media": second.digest})).published
        assert v3.steps.get(order=2).media == second.digest
        assert v3.steps.get(order=2).media_caption == "Wrench on the clamp bolt."  # the caption stays

        v4 = sign(plant, propose_media(plant, {"media": "", "media_caption": ""})).published
        assert v4.steps.get(order=2).media == "" and v4.content_hash == plant.version.content_hash

        plant.instruction.refresh_from_db()
        rollback = proposal_rollback(instruction=plant.instruction, target=v2, user=plant.quality.user)
        v5 = sign(plant, rollback).published
        assert v5.restored_from == v2 and v5.content_hash == v2.content_hash
        assert (v5.steps.get(order=2).media, v5.steps.get(order=2).media_caption) == (
            first.digest,
            "Wrench on the clamp bolt.",
        )
        actions = list(AuditEvent.objects.values_list("action", flat=True))
        assert actions.count("media.upload") == 2 and actions.count("proposal.approve") == 4
        assert actions.count("signature.sign") == 4 and "proposal.rollback" in actions
        assert audit_verify()[0]

    def test_media_on_a_safety_critical_step_need_the_safety_signatures(self, plant):
        media = media_ingest(upload=picture(), instruction=plant.instruction, user=None)
        proposal = propose_media(plant, {"media": media.digest}, order=3, by=None)  # the light curtain step
        assert proposal.risk == "safety_critical"
        outcome = sign(plant, proposal)
        assert outcome.published is None and "quality engineer" in outcome.message

    def test_a_proposal_cannot_name_media_that_are_not_stored(self, plant):
        with pytest.raises(ProposalInvalid, match="not stored here"):
            propose_media(plant, {"media": "f" * 64})

    def test_a_caption_is_limited_like_the_other_fields(self, plant):
        media = media_ingest(upload=picture(), instruction=plant.instruction, user=None)
        with pytest.raises(ProposalInvalid, match="longer than 300"):
            propose_media(plant, {"media": media.digest, "media_caption": "x" * 301})

    def test_steps_without_a_caption_keep_the_content_hash_of_before_captions(self, plant):
        old_fields = ["key", "order", "title", "text", "caution", "why", "critical", "safety_critical", "tool",
                      "media", "check_kind", "spec_nominal", "spec_lower", "spec_upper", "spec_unit"]  # fmt: skip
        steps = [{name: s.content()[name] for name in old_fields} for s in plant.version.steps.all()]
        assert content_hash(title=plant.instruction.title, steps=steps) == plant.version.content_hash
        assert len(steps) == len(STEPS)


class TestMediaScoping:
    def test_media_reach_a_station_only_once_signed_and_only_its_work_centers(self, plant):
        media = media_ingest(upload=picture(), instruction=plant.instruction, user=plant.quality.user)
        proposal = propose_media(plant, {"media": media.digest, "media_caption": "Wrench on the clamp bolt."})
        press = station_client(plant.station, plant.certified)
        weld = station_client(plant.other_station, plant.certified)
        url = start(press, "WO-1-10")
        assert station_fetch(press, media) == 403  # proposed, not signed
        assert media.digest not in press.get(at(url, 2)).content.decode()
        assert station_fetch(desk(plant.supervisor), media) == 200  # the signer sees what they sign
        assert (
            media.digest
            in desk(plant.supervisor).get(f"/governance/proposals/{proposal.pk}/").content.decode()
        )

        sign(plant, proposal)
        WorkOrder.objects.create(number="WO-2", barcode="WO-2-10", part=plant.work_order.part,
                                 operation=plant.work_order.operation, quantity=10)  # fmt: skip
        new_run = station_client(plant.station, plant.expert)
        page = new_run.get(at(start(new_run, "WO-2-10"), 2)).content.decode()  # new work uses the new version
        assert f"/step-media/{media.digest}/" in page and "Wrench on the clamp bolt." in page
        assert station_fetch(press, media) == 200
        assert station_fetch(weld, media) == 403  # another work center's tablet
        assert station_fetch(Client(), media) == 403  # nobody signed in
        planner = make_employee("900001", "planner")
        assert station_fetch(desk(planner), media) == 403  # a desk role without instructions
        thumb = new_run.get(f"/step-media/{media.digest}/thumb/")
        assert thumb.status_code == 200 and thumb["Content-Type"] == "image/jpeg"


class TestMediaPage:
    def url(self, plant, order=2):
        return f"/governance/instructions/{plant.instruction.pk}/steps/{plant.version.steps.get(order=order).key}/media/"

    def test_an_engineer_proposes_a_picture_from_the_page(self, plant):
        client = desk(plant.quality)
        assert (
            "Add a picture or clip"
            in client.get(f"/governance/instructions/{plant.instruction.pk}/history/").content.decode()
        )
        response = client.post(
            self.url(plant), {"file": picture(), "caption": "Wrench on the bolt.", "rationale": "Show it."}
        )
        proposal = ChangeProposal.objects.get()
        assert response.status_code == 302 and response["Location"] == f"/governance/proposals/{proposal.pk}/"
        media = StepMedia.objects.get()
        assert proposal.edits[0]["fields"] == {"media": media.digest, "media_caption": "Wrench on the bolt."}
        assert proposal.proposed_by == plant.quality.user and proposal.source == "engineer_edit"
        detail = client.get(f"/governance/proposals/{proposal.pk}/").content.decode()
        assert f"/step-media/{media.digest}/thumb/" in detail

    @pytest.mark.parametrize(
        ("data", "message"),
        [
            (
                {"file": SimpleUploadedFile("a.png", b"not an image" * 20), "rationale": "x"},
                "neither a picture",
            ),
            ({"caption": "No file", "rationale": "x"}, "Choose a picture or a clip"),
            ({"file": "picture", "caption": "x", "rationale": ""}, "Say why"),
        ],
    )
    def test_it_explains_what_is_wrong_and_stores_nothing(self, plant, data, message):
        if data.get("file") == "picture":
            data["file"] = picture()
        response = desk(plant.quality).post(self.url(plant), data)
        assert response.status_code == 422 and message in response.content.decode()
        assert not ChangeProposal.objects.exists() and not StepMedia.objects.exists()

    def test_operators_and_stations_cannot_open_the_page(self, plant):
        assert station_client(plant.station, plant.certified).get(self.url(plant)).status_code == 403
        assert Client().get(self.url(plant)).status_code == 302  # to the desk sign-in


class TestCaptionLanguage:
    def test_the_caption_reaches_the_operator_in_her_language_or_in_english_marked(self, plant):
        from languages.review import memory_import

        memory_import(entries=[{"en": "Wrench on the clamp bolt.", "es": "Llave en el tornillo de sujeción."}],
                      language="es")  # fmt: skip
        media = media_ingest(upload=picture(), instruction=plant.instruction, user=None)
        sign(
            plant, propose_media(plant, {"media": media.digest, "media_caption": "Wrench on the clamp bolt."})
        )
        sign(
            plant,
            propose_media(plant, {"media": media.digest, "media_caption": "Hold the wrench level."}, order=1),
        )
        ana = make_employee("810001", language="es", first="Ana")
        certify(ana, plant.work_order.operation.required_certification, "expert", 100)
        client = station_client(plant.station, ana)
        WorkOrder.objects.create(number="WO-3", barcode="WO-3-10", part=plant.work_order.part,
                                 operation=plant.work_order.operation, quantity=10)  # fmt: skip
        url = start(client, "WO-3-10")
        translated = client.get(at(url, 2)).content.decode()
        assert (
            "Llave en el tornillo de sujeción." in translated
            and 'data-testid="caption-untranslated"' not in translated
        )
        english = client.get(at(url, 1)).content.decode()
        assert 'lang="en">Hold the wrench level.</figcaption>' in english
        assert 'data-testid="caption-untranslated"' in english and "Aún sin traducir" in english

"""Version notices, NCR triage drafts and Andon statuses reach Plex through domain events: the plex app queues
them once the announcer's transaction commits, never for a rolled-back change, never with the integration off,
and the fake Plex accepts them when the outbox drains."""

import pytest
from django.db import transaction
from django.utils import timezone

from instructions.approval import proposal_sign
from instructions.models import InstructionVersion
from instructions.proposals import proposal_draft, proposal_rollback
from labor.andon import andon_raise, andon_resolve
from plex.client import plex_timestamp
from plex.fake_data import fake_id
from plex.models import OutboxItem, OutboxStatus
from plex.outbox import outbox_drain
from plex.sync import plex_sync
from plexcopilot.env import env_json_map
from quality.models import NCR, DraftStatus, NCRTriageDraft
from quality.ncrs import ncr_decide

pytestmark = pytest.mark.django_db
DESK = "desk-pass-123"
ANDON, RUNNING = fake_id("status", "Andon"), fake_id("status", "Running")
PRESS = fake_id("workcenter", "PRS-250")  # the fake tenant's press


class Boom(Exception):
    pass


# --- version_notice --------------------------------------------------------------------------------------


def propose(plant, text=" Check twice."):
    step = plant.instruction.current_version.steps.get(order=1)
    return proposal_draft(
        instruction=plant.instruction, base_version=plant.instruction.current_version, source="engineer_edit",
        edits=[{"op": "change", "key": step.key, "fields": {"text": step.text + text}}],
        rationale="Clearer.", evidence=[], proposed_by=plant.quality.user, summary="Say it twice",
    )  # fmt: skip


def sign(plant, proposal):
    return proposal_sign(proposal=proposal, user=plant.supervisor.user, meaning="approved_for_release",
                         password=DESK)  # fmt: skip


def test_an_approved_version_is_noted_in_plex_after_commit(
    plant, plex_on, client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        version = sign(plant, propose(plant)).published
        assert not OutboxItem.objects.exists()  # not before the approval commits
    item = OutboxItem.objects.get(kind="version_notice")
    assert item.idempotency_key == f"version-notice-{version.pk}"
    title = f"Stamp test bracket v{version.number}"
    assert item.payload == {
        "title": title,
        "body": f"{title} is in effect from {plex_timestamp(version.effective_from)}. Change: Say it twice. "
        f"Signed by {plant.supervisor.full_name} (supervisor, approved for release).",
        "reference": f"instruction {plant.instruction.pk} version {version.pk}",
    }
    # A rollback is released by approval too, and announced the same way.
    plant.instruction.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        rolled = proposal_rollback(
            instruction=plant.instruction, target=plant.version, user=plant.quality.user
        )
        v3 = sign(plant, rolled).published
    notice = OutboxItem.objects.get(idempotency_key=f"version-notice-{v3.pk}")
    assert f"Change: Roll back to v{plant.version.number}." in notice.payload["body"]
    assert outbox_drain(client=client).sent == 2
    sent = [r["body"] for r in plex_on.received["activity"]]
    assert [b["activityName"] for b in sent] == [title, f"Stamp test bracket v{v3.number}"]
    assert f"[plexcopilot version-notice-{version.pk}]" in sent[0]["description"]


def test_a_rolled_back_approval_or_plex_off_queues_no_notice(plant, plex_on, settings,
                                                             django_capture_on_commit_callbacks):  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(Boom), transaction.atomic():
        sign(plant, propose(plant))
        raise Boom
    assert plant.instruction.versions.count() == 1 and not OutboxItem.objects.exists()
    settings.PLEX_BASE_URL = ""
    with django_capture_on_commit_callbacks(execute=True):
        assert sign(plant, propose(plant)).published is not None
    assert not OutboxItem.objects.exists()


def test_the_first_syncs_baselines_are_not_announced(
    plex_on, client, plex_admin, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        plex_sync(client=client, actor=plex_admin)
    assert InstructionVersion.objects.exists()  # baselines were published under the system-import signature
    assert not OutboxItem.objects.filter(kind="version_notice").exists()


# --- ncr_draft -------------------------------------------------------------------------------------------


@pytest.fixture
def ncr(plant):
    order = plant.work_order
    ncr = NCR.objects.create(number="NCR-26-00042", part=order.part, operation=order.operation,
                             description="Burr on the pierce hole", opened_at=timezone.now())  # fmt: skip
    NCRTriageDraft.objects.create(
        ncr=ncr, status=DraftStatus.READY, requested_at=timezone.now(),
        categories=[{"code": "dimensional", "confidence": 0.8, "evidence": []}],
        root_causes=[{"code": "TOOL-WEAR", "confidence": 0.6, "evidence": []}],
        containment=[{"text": "Sort the lot", "confidence": 0.7, "evidence": []}],
        narrative="The punch is probably worn (AI draft).",
    )  # fmt: skip
    return ncr


def test_an_engineers_approved_triage_is_noted_in_plex_per_revision(ncr, plant, plex_on, client,
                                                                     django_capture_on_commit_callbacks):  # fmt: skip
    quinn = plant.quality.user
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        ncr_decide(ncr=ncr, field="category", verdict="accepted", value="", user=quinn)
        assert not OutboxItem.objects.exists()  # not before the decision commits
    with django_capture_on_commit_callbacks(execute=True):
        ncr_decide(ncr=ncr, field="containment", verdict="rejected", value="", user=quinn)
    assert OutboxItem.objects.count() == 1  # a rejection approves nothing
    with django_capture_on_commit_callbacks(execute=True):
        ncr_decide(ncr=ncr, field="root_cause", verdict="edited", value="GAGE-CAL", user=quinn)
    items = {item.idempotency_key: item.payload for item in OutboxItem.objects.filter(kind="ncr_draft")}
    assert set(items) == {f"ncr-draft-{ncr.pk}-1", f"ncr-draft-{ncr.pk}-2"}
    head = "NCR-26-00042 TP-100 op 10 Stamp: Burr on the pierce hole\n"
    assert items[f"ncr-draft-{ncr.pk}-1"] == {
        "title": "NCR-26-00042 triage draft (revision 1)",
        "body": head + "Category: dimensional (accepted by Quinn 700001)",
        "reference": f"ncr {ncr.pk} revision 1",
    }
    assert items[f"ncr-draft-{ncr.pk}-2"]["body"] == (
        head
        + "Category: dimensional (accepted by Quinn 700001)\nRoot cause: GAGE-CAL (edited by Quinn 700001)"
    )
    assert "AI draft" not in str(items)  # the undecided narrative never leaves plexcopilot
    assert outbox_drain(client=client).sent == 2
    assert [r["body"]["activityName"] for r in plex_on.received["activity"]] == [
        "NCR-26-00042 triage draft (revision 1)",
        "NCR-26-00042 triage draft (revision 2)",
    ]


def test_a_value_approved_then_rejected_is_withdrawn_in_plex(ncr, plant, plex_on, client,
                                                              django_capture_on_commit_callbacks):  # fmt: skip
    """What reached Plex is corrected: rejecting an approved value is a new revision that says it is withdrawn."""
    quinn = plant.quality.user
    with django_capture_on_commit_callbacks(execute=True):
        ncr_decide(ncr=ncr, field="category", verdict="accepted", value="", user=quinn)
    with django_capture_on_commit_callbacks(execute=True):
        ncr_decide(ncr=ncr, field="category", verdict="rejected", value="", user=quinn)
    with django_capture_on_commit_callbacks(execute=True):
        ncr_decide(ncr=ncr, field="containment", verdict="rejected", value="", user=quinn)  # never approved
    items = {item.idempotency_key: item.payload for item in OutboxItem.objects.filter(kind="ncr_draft")}
    assert set(items) == {f"ncr-draft-{ncr.pk}-1", f"ncr-draft-{ncr.pk}-2"}
    assert items[f"ncr-draft-{ncr.pk}-2"]["title"] == "NCR-26-00042 triage draft (revision 2)"
    assert items[f"ncr-draft-{ncr.pk}-2"]["body"] == (
        "NCR-26-00042 TP-100 op 10 Stamp: Burr on the pierce hole\n"
        "Category: withdrawn (the value sent in an earlier revision was rejected by Quinn 700001)"
    )
    assert outbox_drain(client=client).sent == 2
    assert (
        plex_on.received["activity"][-1]["body"]["activityName"] == "NCR-26-00042 triage draft (revision 2)"
    )


def test_a_rolled_back_decision_or_plex_off_queues_no_draft(ncr, plant, settings, plex_on,
                                                            django_capture_on_commit_callbacks):  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(Boom), transaction.atomic():
        ncr_decide(ncr=ncr, field="category", verdict="accepted", value="", user=plant.quality.user)
        raise Boom
    assert not OutboxItem.objects.exists() and NCRTriageDraft.objects.get().approved_revision == 0
    settings.PLEX_BASE_URL = ""
    with django_capture_on_commit_callbacks(execute=True):
        ncr_decide(
            ncr=NCR.objects.get(), field="category", verdict="accepted", value="", user=plant.quality.user
        )
    assert not OutboxItem.objects.exists() and NCRTriageDraft.objects.get().approved_revision == 1


# --- workcenter_status (Andon) ---------------------------------------------------------------------------


@pytest.fixture
def press(plant):
    center = plant.station.work_center
    center.plex_workcenter_id = PRESS
    center.save(update_fields=["plex_workcenter_id"])
    return center


def raise_call(plant, capture):
    with capture(execute=True):
        return andon_raise(
            station=plant.station, employee=plant.certified, category="maintenance", line_down=True
        )


def resolve(plant, call, capture):
    with capture(execute=True):
        return andon_resolve(call=call, user=plant.supervisor.user, resolution="Fixed")


def test_andon_sets_the_mapped_plex_status_and_back_after_the_last_call(press, plant, plex_on, client, settings,
                                                                       django_capture_on_commit_callbacks):  # fmt: skip
    settings.PLEX_ANDON_STATUS_IDS = {"raised": ANDON, "resolved": RUNNING}
    capture = django_capture_on_commit_callbacks
    with capture(execute=True), transaction.atomic():
        first = andon_raise(station=plant.station, employee=plant.certified, category="maintenance")
        assert not OutboxItem.objects.exists()  # not before the call commits
    item = OutboxItem.objects.get()
    assert (item.kind, item.idempotency_key) == ("workcenter_status", f"andon-raised-{first.pk}")
    assert item.payload == {"workcenterId": PRESS, "workcenterStatusId": ANDON}
    second = raise_call(plant, capture)
    resolve(plant, first, capture)
    assert not OutboxItem.objects.filter(
        idempotency_key__startswith="andon-resolved"
    ).exists()  # one still open
    resolve(plant, second, capture)
    back = OutboxItem.objects.get(idempotency_key=f"andon-resolved-{second.pk}")
    assert back.payload == {"workcenterId": PRESS, "workcenterStatusId": RUNNING}
    assert outbox_drain(client=client).sent == 3
    assert not OutboxItem.objects.exclude(status=OutboxStatus.SENT).exists()
    assert [r["body"]["workcenterStatusId"] for r in plex_on.received["workcenter_status"]] == [
        ANDON,
        ANDON,
        RUNNING,
    ]
    assert plex_on.data.setups[PRESS]["statusDescription"] == "Running"


def test_andon_writes_nothing_back_unmapped_rolled_back_or_with_plex_off(press, plant, plex_on, settings,
                                                                         django_capture_on_commit_callbacks):  # fmt: skip
    capture = django_capture_on_commit_callbacks
    settings.PLEX_ANDON_STATUS_IDS = {}  # the plant has not mapped its statuses (the default)
    resolve(plant, raise_call(plant, capture), capture)
    settings.PLEX_ANDON_STATUS_IDS = {"raised": ANDON, "resolved": RUNNING}
    with capture(execute=True), pytest.raises(Boom), transaction.atomic():
        andon_raise(station=plant.station, employee=plant.certified, category="quality")
        raise Boom
    settings.PLEX_BASE_URL = ""
    resolve(plant, raise_call(plant, capture), capture)
    assert not OutboxItem.objects.exists()


def test_the_andon_status_map_is_read_from_the_environment(monkeypatch):
    monkeypatch.setenv("PLEX_ANDON_STATUS_IDS", '{"raised": " s-1 ", "resolved": "s-2"}')
    assert env_json_map("PLEX_ANDON_STATUS_IDS", {"raised", "resolved"}) == {
        "raised": "s-1",
        "resolved": "s-2",
    }
    monkeypatch.delenv("PLEX_ANDON_STATUS_IDS")
    assert env_json_map("PLEX_ANDON_STATUS_IDS", {"raised", "resolved"}) == {}
    for bad in ('{"raised": 3}', "raised=s-1", '{"rased": "s-1"}', '["s-1"]'):
        monkeypatch.setenv("PLEX_ANDON_STATUS_IDS", bad)
        with pytest.raises(RuntimeError, match="PLEX_ANDON_STATUS_IDS"):
            env_json_map("PLEX_ANDON_STATUS_IDS", {"raised", "resolved"})

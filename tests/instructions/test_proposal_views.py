import pytest
from django.test import Client
from django.utils import timezone

from instructions.models import ProposalStatus, Signature
from instructions.proposal_content import version_steps
from instructions.proposals import proposal_draft
from instructions.publishing import version_publish
from plexcopilot.models import AuditEvent
from tests.actors import PIN, desk_login, make_employee

pytestmark = pytest.mark.django_db
DESK = "desk-pass-123"


def desk(employee) -> Client:
    client = Client()
    assert desk_login(client, employee.badge_id, DESK)
    return client


def propose(plant, order=1, text=None, by=None, evidence=()):
    step = plant.instruction.current_version.steps.get(order=order)
    return proposal_draft(
        instruction=plant.instruction, base_version=plant.instruction.current_version, source="operator_flags",
        edits=[{"op": "change", "key": step.key, "fields": {"text": text or step.text + " Tag it blue."}}],
        rationale="Operators asked <b>which</b> die.", evidence=list(evidence), proposed_by=by,
    )  # fmt: skip


class TestApprovalQueue:
    def test_it_lists_pending_proposals_with_filters(self, plant):
        safety = propose(plant, order=3, text="Reset and test the curtain twice.")
        standard = propose(plant, order=1)
        page = desk(plant.supervisor).get("/governance/queue/").content.decode()
        assert (
            f"/governance/proposals/{safety.pk}/" in page and f"/governance/proposals/{standard.pk}/" in page
        )
        page = desk(plant.supervisor).get("/governance/queue/?risk=safety_critical").content.decode()
        assert (
            f"/governance/proposals/{safety.pk}/" in page
            and f"/governance/proposals/{standard.pk}/" not in page
        )
        page = desk(plant.supervisor).get("/governance/queue/?area=Welding").content.decode()
        assert "Nothing waiting" in page
        page = desk(plant.supervisor).get("/governance/queue/?age=7").content.decode()
        assert "Nothing waiting" in page

    def test_back_after_signing_shows_the_queue_as_it_is_now(self, plant):
        """The browser kept the queue: Back after signing showed the proposal still pending (a walkthrough)."""
        propose(plant)
        response = desk(plant.supervisor).get("/governance/queue/")
        assert "no-store" in response["Cache-Control"]

    def test_it_answers_htmx_with_the_table_only(self, plant):
        propose(plant)
        response = desk(plant.supervisor).get("/governance/queue/?area=Stamping", HTTP_HX_REQUEST="true")
        body = response.content.decode()
        assert body.lstrip().startswith('<section id="queue-table"') and "<html" not in body

    def test_it_is_closed_to_operators(self, plant):
        response = desk(plant.certified).get("/governance/queue/")
        assert response.status_code == 403
        assert Client().get("/governance/queue/").status_code == 302


class TestProposalDetail:
    def test_it_shows_a_side_by_side_diff_escaped_with_evidence(self, plant):
        proposal = propose(
            plant, evidence=[{"kind": "copilot_question", "label": "<script>x</script> which die?"}]
        )
        page = desk(plant.supervisor).get(f"/governance/proposals/{proposal.pk}/").content.decode()
        assert "Tag it blue.</ins>" in page and "<del>" not in page
        assert 'data-status="changed"' in page and page.count('data-status="same"') == 3
        assert "&lt;b&gt;which&lt;/b&gt;" in page and "&lt;script&gt;x&lt;/script&gt;" in page
        assert "<script>x</script>" not in page

    def test_the_diff_marks_only_the_words_that_changed(self, plant):
        steps = version_steps(plant.version)
        steps[0]["text"] = "Inspect the weld bead for porosity and undercut; reject the part if found."
        version_publish(instruction=plant.instruction, steps=steps, change_note="Weld wording.",
                        published_by=plant.supervisor.user, base_version=plant.version)  # fmt: skip
        plant.instruction.refresh_from_db()
        proposal = propose(
            plant, text="Inspect the weld bead for porosity, cracks and undercut; scrap the part if found."
        )
        page = desk(plant.supervisor).get(f"/governance/proposals/{proposal.pk}/").content.decode()
        old = page.split('<td class="diff-old">')[1].split("</td>")[0]
        new = page.split('<td class="diff-new">')[1].split("</td>")[0]
        assert old == "Inspect the weld bead for porosity and undercut; <del>reject</del> the part if found."
        assert new == (
            "Inspect the weld bead for porosity<ins>, cracks</ins> and undercut; <ins>scrap</ins> the part if found."
        )

    def test_signing_with_the_password_publishes(self, plant):
        proposal = propose(plant, by=plant.quality.user)
        client = desk(plant.supervisor)
        response = client.post(f"/governance/proposals/{proposal.pk}/sign/",
                               {"meaning": "approved_for_release", "password": DESK})  # fmt: skip
        assert response.status_code == 302
        proposal.refresh_from_db()
        assert proposal.status == ProposalStatus.APPROVED and proposal.published_version.number == 2
        page = client.get(response["Location"]).content.decode()
        assert "Approved and published as v2" in page and plant.supervisor.full_name in page

    def test_a_wrong_pin_shows_a_message_changes_nothing_and_is_logged(self, plant):
        proposal = propose(plant)
        response = desk(plant.supervisor).post(
            f"/governance/proposals/{proposal.pk}/sign/",
            {"meaning": "approved_for_release", "badge": plant.supervisor.badge_id, "pin": "9999"},
            HTTP_HX_REQUEST="true",
        )
        assert response.status_code == 422
        assert "Badge or PIN not recognised" in response.content.decode()
        assert 'id="proposal-decision"' in response.content.decode()
        # The badge-and-PIN section comes back open with the badge kept, the PIN empty, to try again at once.
        page = response.content.decode()
        assert "<details open><summary>Sign with badge and PIN instead</summary>" in page
        assert f'data-testid="sign-badge" value="{plant.supervisor.badge_id}"' in page
        assert 'data-testid="sign-pin">' in page  # no value: the PIN is not kept
        proposal.refresh_from_db()
        assert proposal.status == ProposalStatus.PENDING and not Signature.objects.exists()
        assert AuditEvent.objects.filter(action="signature.refused").count() == 1

    def test_badge_and_pin_sign_over_htmx_and_redirect(self, plant):
        proposal = propose(plant)
        response = desk(plant.supervisor).post(
            f"/governance/proposals/{proposal.pk}/sign/",
            {"meaning": "approved_for_release", "badge": plant.supervisor.badge_id, "pin": PIN},
            HTTP_HX_REQUEST="true",
        )
        assert (
            response.status_code == 204 and response["HX-Redirect"] == f"/governance/proposals/{proposal.pk}/"
        )
        assert Signature.objects.get().method == "badge_pin"

    def test_the_proposer_gets_no_sign_form_and_is_refused(self, plant):
        proposal = propose(plant, by=plant.supervisor.user)
        client = desk(plant.supervisor)
        page = client.get(f"/governance/proposals/{proposal.pk}/").content.decode()
        assert "another person must sign it" in page and 'data-testid="sign"' not in page
        response = client.post(f"/governance/proposals/{proposal.pk}/sign/",
                               {"meaning": "approved_for_release", "password": DESK})  # fmt: skip
        assert response.status_code == 422 and "another person must approve it" in response.content.decode()

    def test_a_stale_proposal_shows_the_conflict_and_rebases(self, plant):
        first, second = propose(plant, order=1), propose(plant, order=4, text="Cycle once; tag the piece.")
        client = desk(plant.supervisor)
        client.post(
            f"/governance/proposals/{first.pk}/sign/", {"meaning": "approved_for_release", "password": DESK}
        )
        page = client.get(f"/governance/proposals/{second.pk}/").content.decode()
        assert 'data-testid="conflict"' in page and 'data-testid="sign"' not in page
        assert "CONFLICT — rebase" in client.get("/governance/queue/").content.decode()
        response = client.post(f"/governance/proposals/{second.pk}/rebase/")
        second.refresh_from_db()
        assert second.status == ProposalStatus.SUPERSEDED
        assert response["Location"] == f"/governance/proposals/{second.superseded_by_id}/"

    def test_signing_a_proposal_that_went_stale_after_the_page_opened_says_why_and_offers_the_rebase(
        self, plant
    ):
        first, second = propose(plant, order=1), propose(plant, order=4, text="Cycle once; tag the piece.")
        client = desk(plant.supervisor)
        assert 'data-testid="sign"' in client.get(f"/governance/proposals/{second.pk}/").content.decode()
        client.post(
            f"/governance/proposals/{first.pk}/sign/", {"meaning": "approved_for_release", "password": DESK}
        )
        response = client.post(  # the sign box of the page opened before, as htmx sends it
            f"/governance/proposals/{second.pk}/sign/",
            {"meaning": "approved_for_release", "password": DESK},
            headers={"HX-Request": "true"},
        )
        box = response.content.decode()
        assert response.status_code == 422 and 'id="proposal-decision"' in box
        assert 'data-testid="sign-stale"' in box and "Still needed before release" not in box
        assert "This proposal was drafted against v1 of" in box and "v2 has since been released" in box
        assert f'action="/governance/proposals/{second.pk}/rebase/"' in box and "Rebase onto v2" in box
        assert not Signature.objects.filter(proposal=second).exists()

    def test_rejecting_needs_a_reason_and_keeps_the_typed_text(self, plant):
        proposal = propose(plant)
        client = desk(plant.supervisor)
        response = client.post(f"/governance/proposals/{proposal.pk}/reject/", {"reason": ""})
        assert response.status_code == 422 and "Give a reason" in response.content.decode()
        response = client.post(
            f"/governance/proposals/{proposal.pk}/reject/", {"reason": "Covered by training."}
        )
        proposal.refresh_from_db()
        assert (
            proposal.status == ProposalStatus.REJECTED and proposal.decision_reason == "Covered by training."
        )

    def test_an_over_long_reject_reason_is_refused_whole_not_cut(self, plant):
        proposal = propose(plant)
        reason = "The die D-40 is not used on this line any more; the tag colour is set by the kit. " * 13
        response = desk(plant.supervisor).post(
            f"/governance/proposals/{proposal.pk}/reject/", {"reason": reason}, HTTP_HX_REQUEST="true"
        )
        page = response.content.decode()
        assert response.status_code == 422
        assert "The reason is 1,065 characters long; 1,000 at most. Nothing was cut" in page
        box = page[page.index('name="reason"') :]
        assert reason.strip() in box[: box.index("</textarea>")]  # the whole text, back in its box
        assert "maxlength" not in box[: box.index(">")] and 'data-limit="1000"' in box[: box.index(">")]
        proposal.refresh_from_db()
        assert proposal.status == ProposalStatus.PENDING and proposal.decision_reason == ""


class TestTwoSignatures:
    def test_a_safety_critical_change_waits_for_the_quality_engineer(self, plant):
        proposal = propose(plant, order=3, text="Reset and test the curtain at three heights.")
        response = desk(plant.supervisor).post(f"/governance/proposals/{proposal.pk}/sign/",
                                               {"meaning": "approved_for_release", "password": DESK}, follow=True)  # fmt: skip
        assert "Still needed: a quality engineer" in response.content.decode()
        assert plant.instruction.versions.count() == 1
        response = desk(plant.quality).post(f"/governance/proposals/{proposal.pk}/sign/",
                                            {"meaning": "reviewed", "password": DESK}, follow=True)  # fmt: skip
        assert "Approved and published as v2" in response.content.decode()
        assert sorted(Signature.objects.values_list("meaning", flat=True)) == [
            "approved_for_release",
            "reviewed",
        ]


class TestSignedOnce:
    def test_after_signing_the_form_is_gone_and_a_second_press_says_who_signed_when(self, plant):
        proposal = propose(plant, order=3, text="Reset and test the curtain at three heights.")
        client = desk(plant.supervisor)
        sign = {"meaning": "approved_for_release", "password": DESK}
        response = client.post(f"/governance/proposals/{proposal.pk}/sign/", sign, follow=True)
        page = response.content.decode()
        assert "Signature recorded. Still needed: a quality engineer" in page
        # The outcome comes first on the page, and no second signature is offered.
        assert page.index("Signature recorded.") < page.index('data-testid="diff"')
        assert 'data-testid="sign"' not in page and 'data-testid="signed-by-you"' in page
        signature = Signature.objects.get()
        at = f"{timezone.localtime(signature.signed_at):%Y-%m-%d %H:%M}"
        assert f"You signed this proposal at {at} (Approved for release)" in page
        # A second press (a double click, a page left open) signs nothing and says who signed and when.
        again = client.post(f"/governance/proposals/{proposal.pk}/sign/", sign, HTTP_HX_REQUEST="true")
        assert again.status_code == 204 and again["HX-Redirect"] == f"/governance/proposals/{proposal.pk}/"
        page = client.get(again["HX-Redirect"]).content.decode()
        message = f"Already signed by {plant.supervisor.full_name} at {at}. Still needed: a quality engineer"
        assert message in page and page.index(message) < page.index('data-testid="diff"')
        assert Signature.objects.count() == 1 and 'data-testid="sign"' not in page

    def test_a_second_press_after_the_release_says_who_signed_when_not_that_it_failed(self, plant):
        proposal = propose(plant, by=plant.quality.user)
        client = desk(plant.supervisor)
        sign = {"meaning": "approved_for_release", "password": DESK}
        client.post(f"/governance/proposals/{proposal.pk}/sign/", sign)
        response = client.post(f"/governance/proposals/{proposal.pk}/sign/", sign, follow=True)
        page = response.content.decode()
        at = f"{timezone.localtime(Signature.objects.get().signed_at):%Y-%m-%d %H:%M}"
        assert (
            f"Already signed by {plant.supervisor.full_name} at {at}. The proposal is approved and published as v2."
            in page
        )
        assert 'data-testid="sign"' not in page and plant.instruction.versions.count() == 2

    def test_another_persons_refusal_on_a_released_proposal_is_shown(self, plant):
        proposal = propose(plant, by=plant.quality.user)
        desk(plant.supervisor).post(f"/governance/proposals/{proposal.pk}/sign/",
                                    {"meaning": "approved_for_release", "password": DESK})  # fmt: skip
        response = desk(make_employee("600002", "supervisor")).post(f"/governance/proposals/{proposal.pk}/sign/",
                                                {"meaning": "reviewed", "password": DESK}, HTTP_HX_REQUEST="true")  # fmt: skip
        assert response.status_code == 422
        assert (
            'data-testid="sign-error">This proposal is already approved and published.'
            in response.content.decode()
        )


class TestDrafts:
    def test_a_draft_waits_outside_the_queue_until_it_is_sent(self, plant):
        step = plant.version.steps.get(order=1)
        proposal = proposal_draft(
            instruction=plant.instruction, base_version=plant.version, source="ai_draft",
            edits=[{"op": "change", "key": step.key, "fields": {"why": "A wrong die cracks parts."}}],
            rationale="Drafted.", evidence=[], submit=False,
        )  # fmt: skip
        client = desk(plant.supervisor)
        assert (
            f"/governance/proposals/{proposal.pk}/" not in client.get("/governance/queue/").content.decode()
        )
        page = client.get(f"/governance/proposals/{proposal.pk}/").content.decode()
        assert 'data-testid="submit-proposal"' in page and 'data-testid="sign"' not in page
        client.post(f"/governance/proposals/{proposal.pk}/submit/")
        proposal.refresh_from_db()
        assert proposal.status == ProposalStatus.PENDING
        assert f"/governance/proposals/{proposal.pk}/" in client.get("/governance/queue/").content.decode()

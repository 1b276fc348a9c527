"""The NCR record form: a refused lifecycle step saves nothing; a post never blanks what it does not carry."""

import re

import pytest
from django.utils import timezone

from plexcopilot.models import AuditEvent
from quality.models import NCR, DraftStatus, NCRStatus, NCRTriageDraft, TriageDecision
from tests.quality.conftest import desk_client
from tests.quality.test_ncr_triage import report_defect

pytestmark = pytest.mark.django_db


@pytest.fixture
def ncr(demo_plant):
    ncr = NCR.objects.get(defect=report_defect("WO-24119-10", 9, "Sensor bore oversize 18.026 mm"))
    NCR.objects.filter(pk=ncr.pk).update(root_cause_code="TOOL-WEAR")
    ncr.refresh_from_db()
    return ncr


class TestNcrRecordForm:
    def test_a_refused_advance_saves_nothing_and_keeps_what_was_typed(self, ncr):
        client = desk_client("300301")
        response = client.post(
            f"/quality/ncrs/{ncr.pk}/update/",
            {
                "category": "surface",
                "root_cause_code": "TOOL-WEAR",
                "containment": "",
                "corrective_action": "Replace the insert every 400 parts",
                "disposition": "rework",
                "advance": "1",
            },
        )
        page = response.content.decode()
        assert response.status_code == 422
        assert "Nothing was saved. Record the containment before marking the NCR contained." in page
        assert "Replace the insert every 400 parts</textarea>" in page  # what was typed is kept
        assert 'value="rework" selected' in page
        stored = NCR.objects.get(pk=ncr.pk)
        assert (stored.status, stored.category, stored.corrective_action, stored.disposition) == (
            NCRStatus.OPEN,
            "dimensional",
            "",
            "",
        )
        assert not AuditEvent.objects.filter(action__in=["ncr.update", "ncr.advance"]).exists()

    def test_fields_missing_from_the_post_keep_their_recorded_values(self, ncr):
        NCR.objects.filter(pk=ncr.pk).update(containment="Sorted WIP with the air gauge")
        client = desk_client("300301")
        response = client.post(f"/quality/ncrs/{ncr.pk}/update/", {"corrective_action": "New insert"})
        assert response.status_code == 302
        stored = NCR.objects.get(pk=ncr.pk)
        assert (stored.category, stored.containment, stored.root_cause_code, stored.corrective_action) == (
            "dimensional",
            "Sorted WIP with the air gauge",
            "TOOL-WEAR",
            "New insert",
        )
        assert AuditEvent.objects.get(action="ncr.update").data == {"corrective_action": "New insert"}

    def test_containment_typed_with_the_advance_is_saved_and_advances(self, ncr):
        client = desk_client("300301")
        response = client.post(
            f"/quality/ncrs/{ncr.pk}/update/", {"containment": "Sorted WIP", "advance": "1"}
        )
        assert response.status_code == 302
        stored = NCR.objects.get(pk=ncr.pk)
        assert (stored.status, stored.containment, stored.category) == (
            NCRStatus.CONTAINED,
            "Sorted WIP",
            "dimensional",
        )


class TestTriageEditTooLong:
    def test_a_too_long_containment_edit_says_the_limit_and_keeps_the_text(self, ncr):
        NCRTriageDraft.objects.filter(ncr=ncr).update(
            status=DraftStatus.READY,
            completed_at=timezone.now(),
            categories=[{"code": "dimensional", "confidence": 0.8, "evidence": []}],
            containment=[{"text": "Sort the WIP with the air gauge", "confidence": 0.6, "evidence": []}],
        )
        typed = "Sort every bin. " * 1250  # 20,000 characters
        client = desk_client("300301")
        response = client.post(
            f"/quality/ncrs/{ncr.pk}/decide/", {"field": "containment", "verdict": "edited", "value": typed}
        )
        page = response.content.decode()
        assert response.status_code == 422
        assert "The containment can be at most 4000 characters; you typed 20000." in page
        assert "Choose a field and accept, edit or reject." not in page
        assert f'<textarea name="value" rows="2" data-limit="4000">{typed}</textarea>' in page
        assert not TriageDecision.objects.exists()
        assert NCR.objects.get(pk=ncr.pk).containment == ""


@pytest.fixture
def ready(ncr):
    NCRTriageDraft.objects.filter(ncr=ncr).update(
        status=DraftStatus.READY,
        completed_at=timezone.now(),
        categories=[{"code": "dimensional", "confidence": 0.8, "evidence": []}],
        root_causes=[{"code": "TOOL-WEAR", "confidence": 0.7, "evidence": []}],
        containment=[{"text": "Sort the WIP with the air gauge", "confidence": 0.6, "evidence": []}],
    )
    return ncr


class TestTriageEditRefusedKeepsWhatWasTyped:
    """A refused triage edit says why and comes back in its box as typed (P2-4)."""

    def decide(self, ncr, field, value):
        client = desk_client("300301")
        return client.post(
            f"/quality/ncrs/{ncr.pk}/decide/", {"field": field, "verdict": "edited", "value": value}
        )

    @pytest.mark.parametrize(
        "typed, reason",
        [
            ("NOT-A-CODE", "NOT-A-CODE is not one of the plant&#x27;s root-cause codes"),
            ("bad code!", "Root-cause codes are capital letters, digits and dashes"),
        ],
    )
    def test_a_refused_root_cause_keeps_the_typed_code(self, ready, typed, reason):
        response = self.decide(ready, "root_cause", typed)
        page = response.content.decode()
        assert response.status_code == 422
        assert reason in page
        assert (
            f'list="root-cause-codes" placeholder="e.g. TOOL-WEAR" autocomplete="off" value="{typed}">'
            in page
        )
        assert not TriageDecision.objects.exists()
        assert NCR.objects.get(pk=ready.pk).root_cause_code == "TOOL-WEAR"

    def test_a_lower_case_root_cause_is_taken_as_the_record_form_takes_it(self, ready):
        response = self.decide(ready, "root_cause", " tool-wear ")
        assert response.status_code == 302
        assert NCR.objects.get(pk=ready.pk).root_cause_code == "TOOL-WEAR"
        decision = TriageDecision.objects.get()
        assert (
            decision.final == "TOOL-WEAR" and decision.proposed_rank == 1
        )  # the drafted code, edited in lower case

    def test_a_typed_value_is_escaped_when_it_comes_back(self, ready):
        page = self.decide(ready, "root_cause", '"><script>x</script>').content.decode()
        assert 'value="&quot;&gt;&lt;script&gt;x&lt;/script&gt;">' in page
        assert "<script>x</script>" not in page

    def test_a_refused_category_keeps_the_choice_and_the_other_boxes_are_untouched(self, ready):
        from quality.models import DefectCategory

        surface = DefectCategory.objects.get(code="surface")
        surface.active = False  # retired while the page was open
        surface.save()
        page = self.decide(ready, "category", "surface").content.decode()
        assert "Choose one of the defect categories." in page
        box = page.split('id="triage-category"')[1].split('id="triage-root_cause"')[0]
        # Surface is no longer offered, so the drafted value is not pre-selected as if the engineer had chosen it ...
        assert "selected" not in box
        # ... and the root-cause and containment boxes show nothing the engineer did not type there.
        assert (
            'autocomplete="off">' in page
            and '<textarea name="value" rows="2" data-limit="4000"></textarea>' in page
        )

    def test_a_blank_containment_edit_keeps_the_box(self, ready):
        response = self.decide(ready, "containment", "   ")
        assert response.status_code == 422 and "Enter the corrected value." in response.content.decode()


class TestNcrTextLimitIsTheSameInBothForms:
    """The NCR record form and the triage edit hold the same containment: same limit, same message, text kept."""

    def test_the_limit_is_what_the_ncr_holds(self):
        from quality.forms import NCR_TEXT_MAX, TRIAGE_VALUE_MAX, TriageDecisionForm

        assert NCR._meta.get_field("containment").max_length == NCR_TEXT_MAX
        assert NCR._meta.get_field("corrective_action").max_length == NCR_TEXT_MAX
        assert TriageDecisionForm.base_fields["value"].max_length == TRIAGE_VALUE_MAX == NCR_TEXT_MAX

    @pytest.mark.parametrize(
        "name, label", [("containment", "containment"), ("corrective_action", "corrective action")]
    )
    def test_the_record_form_says_the_limit_and_keeps_the_text(self, ncr, name, label):
        typed = "Sorted 3 totes " + "z" * 9000  # 9,015 characters
        client = desk_client("300301")
        response = client.post(
            f"/quality/ncrs/{ncr.pk}/update/",
            {name: typed, "root_cause_code": "NOT-YET", "disposition": "scrap"},
        )
        page = response.content.decode()
        assert response.status_code == 422
        assert (
            f'<p class="alert alert-error">The {label} can be at most 4000 characters; you typed 9015.</p>'
            in page
        )
        assert f">\n{typed}</textarea>" in page
        assert 'value="NOT-YET"' in page and 'value="scrap" selected' in page  # the rest of the form is kept
        textarea = re.search(f'<textarea name="{name}"[^>]*>', page)
        assert textarea and "maxlength" not in textarea.group()  # the browser does not cut a paste silently
        assert getattr(NCR.objects.get(pk=ncr.pk), name) == ""

    def test_the_triage_edit_says_the_same(self, ready):
        typed = "Sorted 3 totes " + "z" * 9000
        client = desk_client("300301")
        response = client.post(
            f"/quality/ncrs/{ready.pk}/decide/", {"field": "containment", "verdict": "edited", "value": typed}
        )
        page = response.content.decode()
        assert response.status_code == 422
        assert "The containment can be at most 4000 characters; you typed 9015." in page
        assert f">{typed}</textarea>" in page

    def test_exactly_the_limit_is_saved_by_both(self, ready):
        typed = "y" * 4000
        client = desk_client("300301")
        assert client.post(f"/quality/ncrs/{ready.pk}/update/", {"containment": typed}).status_code == 302
        assert NCR.objects.get(pk=ready.pk).containment == typed
        response = client.post(
            f"/quality/ncrs/{ready.pk}/decide/",
            {"field": "containment", "verdict": "edited", "value": "x" * 4000},
        )
        assert response.status_code == 302
        assert NCR.objects.get(pk=ready.pk).containment == "x" * 4000

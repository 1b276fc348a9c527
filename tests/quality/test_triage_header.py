"""The triage draft's header on the quality engineer's NCR page says how the draft was made in plain words;
the model's exact description stays one click away ("How this was drafted")."""

import html
import re

import pytest

from quality.models import NCR, DraftStatus
from tests.quality.conftest import desk_client, run_worker
from tests.quality.test_ncr_triage import report_defect

pytestmark = pytest.mark.django_db

JARGON = [
    "fused",
    "svm_text",
    "knn_",
    "closest_",
    "TF-IDF",
    "MiniLM",
    "C=",
    "scale=",
    "T=",
    "alternatives by",
]


def _header_and_details(page: str) -> tuple[str, str]:
    """The paragraph under "Triage draft" (what the engineer reads first) and the "How this was drafted" box."""
    header = re.search(r'<h2>Triage draft</h2>\s*<p class="muted"[^>]*>(.*?)</p>', page, re.S).group(1)
    details = re.search(r'<details class="triage-how" data-testid="triage-how">(.*?)</details>', page, re.S)
    return html.unescape(header), html.unescape(details.group(1)) if details else ""


def test_it_says_how_the_draft_was_made_in_plain_words_and_keeps_the_exact_method(history):
    ncr = NCR.objects.get(defect=report_defect("WO-24117-20", 11, "Weld nut spun at 41 N·m in proof torque"))
    run_worker()
    draft = ncr.triage
    draft.refresh_from_db()
    assert draft.status == DraftStatus.READY and "fused" in draft.method  # the model as it is, untouched
    cases = re.search(r"over (\d+) NCRs", draft.method).group(1)

    header, details = _header_and_details(
        desk_client("300301").get(f"/quality/ncrs/{ncr.pk}/").content.decode()
    )
    assert header.startswith(f"Suggested from {cases} past NCRs: ")
    assert "a text model trained on them, combined with the most similar past NCRs" in header
    assert not [word for word in JARGON if word in header], header
    assert "How this was drafted" in details and draft.method in details


def test_it_says_there_is_nothing_to_suggest_from_without_a_history(demo_plant):
    ncr = NCR.objects.get(defect=report_defect("WO-24117-20", 11, "Weld nut spun at 41 N·m in proof torque"))
    run_worker()
    header, details = _header_and_details(
        desk_client("300301").get(f"/quality/ncrs/{ncr.pk}/").content.decode()
    )
    assert header.startswith("Nothing to suggest from yet: no past NCRs with a category and root cause")
    assert "manage.py" not in header and "no labelled NCR history yet" in details

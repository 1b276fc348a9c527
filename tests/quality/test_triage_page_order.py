"""The triage draft on the NCR page: confidences in descending order, and the "your category" edit starts at
the draft's top suggestion (not at the first category of the list)."""

import re

import pytest

from quality.models import NCRTriageDraft
from tests.quality.conftest import desk_client
from tests.quality.test_ncr_decide import drafted  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db


@pytest.fixture
def shuffled(drafted):  # noqa: F811
    draft = NCRTriageDraft.objects.get(ncr=drafted)
    draft.categories = [  # stored out of order, as the issue saw it (45 %, 11 %, 21 %)
        {"code": "weld", "confidence": 0.11, "evidence": []},
        {"code": "leak", "confidence": 0.45, "evidence": []},
        {"code": "surface", "confidence": 0.21, "evidence": []},
    ]
    draft.save(update_fields=["categories"])
    return drafted


def category_block(page: str) -> str:
    return page[page.index('id="triage-category"') : page.index('id="triage-root_cause"')]


def test_confidences_are_listed_highest_first(shuffled):
    page = desk_client("300301").get(f"/quality/ncrs/{shuffled.pk}/").content.decode()
    shown = [int(p) for p in re.findall(r'class="confidence-text">(\d+)%', category_block(page))]
    assert shown == [45, 21, 11]


def test_your_category_edit_defaults_to_the_top_suggestion(shuffled):
    page = desk_client("300301").get(f"/quality/ncrs/{shuffled.pk}/").content.decode()
    block = category_block(page)
    assert re.findall(r'<option value="(\w+)" selected', block) == ["leak"]


def test_the_queue_shows_the_top_suggestion(shuffled):
    page = desk_client("300301").get("/quality/").content.decode()
    assert "leak 45%" in page and "weld 11%" not in page

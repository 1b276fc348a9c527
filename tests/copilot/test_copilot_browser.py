"""An operator asks the copilot from the station step page, in a real browser against a real ASGI server (websockets)."""

import pytest

from copilot.models import CopilotQuestion, KnowledgeChunk
from tests.browser.conftest import browser, live_server, screenshot, tablet  # noqa: F401  (shared browser fixtures)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def asgi_server(live_server, library):  # noqa: F811
    """The journeys' live server (the project's ASGI app, websockets included), with the library indexed."""
    return live_server.url


def test_an_operator_asks_and_sees_a_streamed_cited_answer(asgi_server, tablet, screenshot):  # noqa: F811
    page = tablet
    page.goto(f"{asgi_server}/station/ST-PRS-400/")
    page.get_by_test_id("badge").fill("100101")
    page.get_by_test_id("pin").fill("4821")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_test_id("scan").fill("WO-24123-10")
    page.get_by_test_id("scan").press("Enter")
    page.wait_for_url("**/station/run/**/1/")

    page.get_by_test_id("copilot-question").fill("how do I clear a jam on station 5?")
    page.get_by_test_id("copilot-ask").click()
    answer = page.get_by_test_id("copilot-answer")
    answer.wait_for()
    text = answer.inner_text()
    assert "station 5" in text and "SOP-PRS-014 Clearing a jam on the 400 t transfer press" in text
    assert page.get_by_test_id("copilot-question").input_value() == ""  # the form was reset for the next one
    screenshot(page, "copilot-answer")

    record = CopilotQuestion.objects.get()
    assert record.step.order == 1 and record.work_order.barcode == "WO-24123-10" and record.citations

    # Feedback, then the citation opens the source at the cited passage in the same tab (a kiosk tablet has no
    # tabs to go back from), and "Back to the step" returns to the step with the answer still there.
    page.get_by_test_id("copilot-helpful").click()
    page.get_by_text("Gracias — marcada como útil.").wait_for()  # Ana reads Spanish
    answer.locator("a.cite").first.click()
    page.wait_for_url("**/copilot/source/**")
    assert len(page.context.pages) == 1
    cited = page.get_by_test_id("cited-passage")
    first = KnowledgeChunk.objects.get(pk=record.citations[0]["chunk_id"])
    assert cited.is_visible() and first.text.splitlines()[0] in cited.inner_text()
    screenshot(page, "copilot-source")
    page.get_by_test_id("back-to-step").click()
    page.wait_for_url("**/station/run/**/1/")
    page.get_by_test_id("copilot-answer").wait_for()  # the conversation comes back over the websocket
    assert "SOP-PRS-014" in page.get_by_test_id("copilot-answer").inner_text()
    record.refresh_from_db()
    assert record.helpful is True


def test_a_maintenance_log_and_a_clip_are_cited_and_the_clip_opens_at_the_moment(
    asgi_server,
    library,
    tablet,  # noqa: F811
    screenshot,  # noqa: F811
):
    from copilot.library_files import library_ingest_paths
    from tests.copilot.sources_fixtures import write_sources

    library_ingest_paths(paths=[write_sources(library / "plant")])
    page = tablet
    page.goto(f"{asgi_server}/station/ST-PRS-400/")
    page.get_by_test_id("badge").fill("100101")
    page.get_by_test_id("pin").fill("4821")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_test_id("scan").fill("WO-24123-10")
    page.get_by_test_id("scan").press("Enter")
    page.wait_for_url("**/station/run/**/1/")

    page.get_by_test_id("copilot-question").fill(
        "fingers drop the blank at station 3, how do I swap the finger pads?"
    )
    page.get_by_test_id("copilot-ask").click()
    answer = page.get_by_test_id("copilot-answer")
    answer.wait_for()
    text = answer.inner_text()
    assert "WO 40123, 2026-03-02, PRS-400" in text  # the work order that fixed it before
    screenshot(page, "copilot-answer-log-and-clip")

    record = CopilotQuestion.objects.get()
    clip_citation = next(c for c in record.citations if c["url"].startswith("/copilot/clip/"))
    start = KnowledgeChunk.objects.get(pk=clip_citation["chunk_id"]).start_seconds
    assert start and start > 0
    answer.locator(f'a.cite[href="{clip_citation["url"]}"]').first.click()
    page.wait_for_url("**/copilot/clip/**")
    clip = page
    clip.wait_for_function(
        "() => { const v = document.querySelector('video'); return v && v.readyState >= 1; }"
    )
    position = clip.evaluate("() => document.querySelector('video').currentTime")
    assert abs(position - start) < 0.5  # opened at the cited moment, not at 0:00
    assert (
        clip.evaluate(
            "() => [...document.querySelector('video').textTracks].find(t => t.mode === 'showing')?.language"
        )
        == "es"
    )
    assert clip.get_by_test_id("clip-translated").is_visible()  # Ana reads Spanish
    screenshot(clip, "copilot-clip")

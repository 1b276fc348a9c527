"""The copilot's own fixed replies (nothing found, the engine's notices) reach the operator in their language,
like the rest of the station; the stored record keeps the English text the desk reads."""

import pytest
from django.utils import translation

from copilot import answering
from copilot.answers import NOTHING_FOUND
from copilot.models import CopilotQuestion
from tests.copilot.test_consumer import ask, session

pytestmark = pytest.mark.django_db(transaction=True)
NOTHING_FOUND_ES = "No encontré nada sobre eso en la biblioteca de la planta."


def test_nothing_found_is_answered_in_spanish_over_the_websocket(station_run):
    client, execution, _ana = station_run  # Ana reads Spanish
    frames = session(client, execution, lambda comm: ask(comm, "¿Cuántos días de vacaciones me quedan?"))
    record = CopilotQuestion.objects.get()
    assert record.answer == NOTHING_FOUND  # stored in English for the desk
    assert NOTHING_FOUND_ES in frames[-1]
    assert "I found nothing" not in "".join(frames)  # not even while it streams


@pytest.mark.parametrize(
    "notice", [answering.UNCITED_NOTICE, *answering.FALLBACK_NOTICES.values()], ids=lambda n: n[:30]
)
@pytest.mark.parametrize("language", ["es", "pl", "pt", "vi"])
def test_the_engines_notices_have_a_translation(notice, language):
    with translation.override(language):
        assert translation.gettext(notice) != notice

import pytest

from tests.browser.conftest import browser, live_server, screenshot, tablet  # noqa: F401  (Playwright fixtures)


@pytest.fixture(autouse=True)
def _no_translation_backends(settings, tmp_path):
    """Each test starts with no machine translation configured; tests that want one set it up."""
    settings.ARGOS_PACKAGES_DIR = tmp_path / "argos-packages"
    settings.LIBRETRANSLATE_URL = ""
    settings.TRANSLATION_LLM_URL = ""

"""A production build_index ingests no folder unless told: the demo library is passed by `make demo` only."""

import os
import subprocess
import sys

from django.conf import settings


def test_the_library_folders_default_to_none():
    env = {k: v for k, v in os.environ.items() if k != "COPILOT_LIBRARY_DIRS"}
    code = "from plexcopilot import settings; print(settings.COPILOT_LIBRARY_DIRS)"
    out = subprocess.run([sys.executable, "-c", code], env=env, cwd=settings.BASE_DIR, capture_output=True,
                         text=True, check=True).stdout  # fmt: skip
    assert out.strip() == "[]"


def test_make_demo_passes_the_demo_library_explicitly():
    makefile = (settings.BASE_DIR / "Makefile").read_text()
    assert "COPILOT_LIBRARY_DIRS=demo/library $(PY) manage.py build_index" in makefile

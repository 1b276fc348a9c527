"""Work order numbers in a translated sentence are shown whole (`plexcopilot/templatetags/codes.py`)."""

import re
from pathlib import Path

from django.conf import settings
from django.template import Context, Template
from django.utils import translation

# A work order number handed to a translated sentence: `{% blocktranslate with barcode=wo.barcode … %}`.
BARCODE_IN_SENTENCE = re.compile(r"\{% blocktranslate with [^%]*?\bbarcode=([^\s%]+)")


def test_a_work_order_number_in_a_polish_sentence_is_one_unbreakable_escaped_code():
    template = Template(
        "{% load i18n codes %}{% blocktranslate with barcode=code|code %}Close out {{ barcode }}{% endblocktranslate %}"
    )
    with translation.override("pl"):
        html = template.render(Context({"code": "WO-24123-10"}))
        hostile = template.render(Context({"code": "<b>WO</b>"}))
    assert '<span class="code">WO-24123-10</span>' in html and "Close out" not in html  # translated
    assert '<span class="code">&lt;b&gt;WO&lt;/b&gt;</span>' in hostile


def test_every_sentence_that_names_a_work_order_keeps_its_number_whole():
    found = [
        (path.name, value)
        for path in Path(settings.BASE_DIR, "templates").rglob("*.html")
        for value in BARCODE_IN_SENTENCE.findall(path.read_text())
    ]
    assert len(found) >= 9, (
        found
    )  # station notices, close-out, hand-off, version switch, job on/off, next jobs
    assert [(name, value) for name, value in found if not value.endswith("|code")] == []
    assert (
        ".code { white-space: nowrap; }" in Path(settings.BASE_DIR, "static/css/plexcopilot.css").read_text()
    )

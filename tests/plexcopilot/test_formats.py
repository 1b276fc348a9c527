"""Times and dates read the same on every screen: in English too, 24-hour and ISO (Django's English default wrote
"10:16 p.m." on the handoff page and "12/01/2026 10:21 p.m." in the version-switch notice)."""

import datetime

from django.template import Context, Template
from django.utils import translation

AT = datetime.datetime(2026, 12, 1, 22, 16)


def test_english_writes_24_hour_times_and_iso_dates():
    template = Template('{{ at|time:"TIME_FORMAT" }} · {{ at|date:"SHORT_DATETIME_FORMAT" }}')
    with translation.override("en"):
        assert template.render(Context({"at": AT})) == "22:16 · 2026-12-01 22:16"
    with translation.override("es"):
        assert template.render(Context({"at": AT})).startswith("22:16 · ")

"""One date style on every page: the desk writes dates year first (2026-12-01, never 12-01, which one reader takes
for 1 December and another for 12 January); the station writes them in the operator's language (Django's
SHORT_DATE_FORMAT / SHORT_DATETIME_FORMAT) and a time of this week as weekday and time."""

import re
from pathlib import Path

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
ALLOWED = {
    "Y-m-d", "Y-m-d H:i", "Y-m-d H:i:s", "D Y-m-d", "D Y-m-d H:i",  # desk: year first
    "SHORT_DATE_FORMAT", "SHORT_DATETIME_FORMAT", "TIME_FORMAT",  # station: the operator's language
    "D H:i", "H:i",  # a time of this week or of today
    "D j M", "D j M H:i",  # a day at the station that is not today, with its month's name (never a numeric month-day)
    "c", "Y-m-d\\TH:i",  # machine-readable (datetime attributes, datetime-local inputs)
}  # fmt: skip
FILTER = re.compile(r"\|(?:date|time):(?:\"([^\"]*)\"|'([^']*)')")


def date_formats() -> list[tuple[str, str]]:
    found = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        for match in FILTER.finditer(path.read_text()):
            found.append((str(path.relative_to(TEMPLATES)), match.group(1) or match.group(2)))
    return found


def test_every_page_writes_dates_in_the_house_style():
    found = date_formats()
    assert len(found) > 50  # the scan sees the templates
    assert [(page, fmt) for page, fmt in found if fmt not in ALLOWED] == []


def test_the_scan_catches_a_month_day_date():
    assert FILTER.findall("{{ a|date:\"m-d H:i\" }} {{ b|time:'H:i' }}") == [("m-d H:i", ""), ("", "H:i")]

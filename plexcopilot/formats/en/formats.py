"""English on the plant floor: 24-hour times and ISO dates, as every other screen writes them (Django's English
default, "10:16 p.m." and "12/01/2026 10:21 p.m.", mixed with the 22:16 and 2026-12-01 of the rest)."""

TIME_FORMAT = "H:i"
SHORT_DATETIME_FORMAT = "Y-m-d H:i"
DATETIME_FORMAT = "Y-m-d H:i"
SHORT_DATE_FORMAT = "Y-m-d"

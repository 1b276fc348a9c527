import datetime
import zoneinfo

import pytest
import time_machine

DETROIT = zoneinfo.ZoneInfo("America/Detroit")
# A Monday just after midnight plant time, the last day of a month: the clock the suite must survive.
NOW = datetime.datetime(2026, 11, 30, 0, 20, tzinfo=DETROIT)


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def at(day_offset: int, hour: int, minute: int = 0) -> datetime.datetime:
    """Plant time `day_offset` days before NOW's date at hour:minute."""
    day = NOW.date() - datetime.timedelta(days=day_offset)
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=DETROIT)

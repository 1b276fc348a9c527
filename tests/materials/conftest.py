import datetime
import zoneinfo

import pytest
import time_machine

# A Monday just after midnight plant time, the awkward case for "today" and shift arithmetic.
NOW = datetime.datetime(2026, 11, 30, 0, 20, tzinfo=zoneinfo.ZoneInfo("America/Detroit"))


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def demo_materials(demo_plant, clock):
    from materials.demo import demo_materials_load

    return demo_materials_load(now=NOW)

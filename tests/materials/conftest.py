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
def demo_materials(clock, demo_plant):
    """The demo plant loaded at NOW (the clock first: certifications, shifts and due dates count from the load
    time, so a plant loaded on the real day or a --plant-now instant months away from NOW would have expired
    certifications by NOW), then its materials."""
    from materials.demo import demo_materials_load

    return demo_materials_load(now=NOW)

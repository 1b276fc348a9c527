"""A reading is shown with the decimals the operator typed, and never with fewer than the value kept has."""

from decimal import Decimal

import pytest

from instructions.models import Measurement


@pytest.mark.parametrize(
    ("raw", "value", "shown"),
    [
        ("18.0 mm", "18", "18.0"),
        ("26.40 Mm", "26.4", "26.40"),
        ("-.5", "-0.5", "-0.5"),
        ("-0.00", "0", "0.00"),
        ("10.58000", "10.58", "10.5800"),  # more than 4 typed: the 4 kept
        ("1000", "1000", "1000"),
        ("31N·M", "31", "31"),
        ("18.5 5", "18.55", "18.55"),  # the parser reads it without the space: never rounded to 18.6
        ("18,5 5", "18.55", "18.55"),
        ("1 800.50", "1800.5", "1800.50"),
    ],
)
def test_a_reading_is_shown_with_the_decimals_typed(raw, value, shown):
    reading = Measurement(raw_value=raw, value=Decimal(value).quantize(Decimal("0.0001")))
    assert str(reading.value_shown) == shown

"""Terminology and number guards: what must come through a translation unchanged.

Every number and every quantity (number + unit) of the source must appear in the target, and every locked
term must appear as its fixed rendering. A target that fails is not used: the source is kept and flagged.
"""

import re
from collections import Counter
from dataclasses import dataclass

# Units seen on plant floors. Longest first, so "N·m" wins over "N" and "L/min" over "L".
UNITS = sorted(
    [
        "mm", "cm", "m", "µm", "μm", "ft", "N·m", "N.m", "Nm", "N", "kN", "kgf", "lbf", "ft·lb", "in·lb",
        "kA", "A", "mA", "kV", "V", "kVA", "kW", "W", "Hz", "bar", "mbar", "psi", "kPa", "MPa", "Pa",
        "L/min", "l/min", "L", "ml", "mL", "°C", "°F", "%", "t", "kg", "g", "lb", "s", "min", "h", "rpm",
    ],
    key=len,
    reverse=True,
)  # fmt: skip
_UNIT = "|".join(re.escape(u) for u in UNITS)
NUMBER = re.compile(r"(?<![\w.])\d+(?:[.,]\d+)*")
# A quantity is a number with its unit right after it ("180 N·m", "3.0 mm", "100 %").
QUANTITY = re.compile(rf"(?<![\w.])(\d+(?:[.,]\d+)*)\s?({_UNIT})(?![\w/·])")
# Codes: part numbers, tool ids, program names — letters and digits glued together ("D-2040-C", "M10x1.25",
# "TW-300", "PW2-V1", "P-12"), or all-capital abbreviations with a hyphen ("HSLA", "PPAP" stay as typed too).
CODE = re.compile(r"(?<![\w-])(?=[\w./-]*\d)(?=[\w./-]*[A-Za-z])[A-Za-z0-9][\w./-]*[A-Za-z0-9](?![\w-])")


def numbers_in(text: str) -> Counter[str]:
    return Counter(NUMBER.findall(text))


def quantities_in(text: str) -> Counter[str]:
    return Counter(f"{number} {unit}" for number, unit in QUANTITY.findall(text))


def codes_in(text: str) -> list[str]:
    return [m.group(0) for m in CODE.finditer(text) if not QUANTITY.fullmatch(m.group(0))]


@dataclass(frozen=True)
class GuardResult:
    ok: bool
    missing: list[str]


def _normalise_quantities(text: str) -> str:
    # "180N·m" and "180 N·m" are the same quantity.
    return QUANTITY.sub(lambda m: f"{m.group(1)} {m.group(2)}", text)


def guard_check(*, source: str, target: str, required_terms: list[str] = ()) -> GuardResult:  # type: ignore[assignment]
    """Numbers, quantities and required terms of `source` all present in `target` (as many times)."""
    missing: list[str] = []
    target_numbers = numbers_in(target)
    for number, count in numbers_in(source).items():
        if target_numbers[number] < count:
            missing.append(number)
    target_quantities = quantities_in(_normalise_quantities(target))
    for quantity, count in quantities_in(_normalise_quantities(source)).items():
        if target_quantities[quantity] < count:
            missing.append(quantity)
    for term in required_terms:
        if term and term not in target:
            missing.append(term)
    if source.strip() and not target.strip():
        missing.append("(empty translation)")
    return GuardResult(ok=not missing, missing=missing)


SENTENCE_END = re.compile(r"(?<=[.!?;])\s+(?=[\"“(¿¡A-ZÀ-ÖØ-Þ0-9])")


def sentences_split(text: str) -> list[str]:
    """Split on sentence ends; decimals ("10.50") and codes ("M10x1.25") are never split."""
    parts = [p.strip() for p in SENTENCE_END.split(text.strip())]
    return [p for p in parts if p]


def normalise(text: str) -> str:
    """The form segments are matched on: one space between words, no trailing full stop, case kept."""
    return re.sub(r"\s+", " ", text).strip().rstrip(".").strip()

"""Labelled text sets of other shapes than the demo history, drawn with fixed seeds, for `triage_eval --csv`.

`maintenance_log`: short work-order text as typed on the floor (two-word entries, misspellings, abbreviations,
synonyms no word overlap can match, overlapping classes, skewed class sizes, 7 % label noise).
"""

import csv
import random
from pathlib import Path

from demo.make_ncr_history import _misspell

CLASSES = {
    # label: (weight, [(phrases...)], [objects...])
    "hydraulic_leak": (
        9,
        ["leak on", "leaking at", "oil dripping from", "weeping", "seeping at", "wet around", "lk at"],
        ["flange", "hose fitting", "cylinder seal", "pump housing", "valve block", "hyd line"],
    ),
    "electrical": (
        7,
        ["not starting", "wont start", "no power to", "tripped breaker on", "fuse blown in", "dead"],
        ["motor", "control panel", "conveyor drive", "spindle", "hmi", "contactor"],
    ),
    "mechanical_wear": (
        6,
        ["noisy", "grinding noise in", "vibration on", "play in", "worn", "squealing"],
        ["bearing", "gearbox", "chain", "belt", "bushing", "spindle"],
    ),
    "pneumatic": (
        4,
        ["air leak at", "hissing from", "low air pressure on", "sticky", "slow"],
        ["cylinder", "valve", "regulator", "air line", "gripper"],
    ),
    "sensor_fault": (
        4,
        ["no signal from", "faulty", "intermittent", "misreading", "dirty"],
        ["prox switch", "photo eye", "encoder", "limit switch", "thermocouple"],
    ),
    "coolant_lube": (
        2,
        ["low level", "contaminated", "no flow", "empty", "foaming"],
        ["coolant", "lube oil", "grease pump", "way lube"],
    ),
    "safety_guard": (
        1,
        ["broken", "missing", "bypassed", "damaged", "interlock open on"],
        ["guard", "light curtain", "door switch", "e-stop"],
    ),
}
ABBREVIATIONS = {"hydraulic": "hyd", "motor": "mtr", "cylinder": "cyl", "pressure": "press", "switch": "sw"}
FILLER = ["", "", "", " - checked", " again", " on line 3", " 2nd shift", " per op", " urgent", " see photo"]


def maintenance_log(rows: int, seed: int) -> list[dict[str, str]]:
    rng = random.Random(seed)
    labels = list(CLASSES)
    weights = [CLASSES[label][0] for label in labels]
    out = []
    for i in range(rows):
        label = rng.choices(labels, weights)[0]
        _w, phrases, objects = CLASSES[label]
        phrase, thing = rng.choice(phrases), rng.choice(objects)
        text = f"{phrase} {thing}" if rng.random() < 0.6 else f"{thing} {phrase}"
        if rng.random() < 0.2:  # the two-word kind
            text = rng.choice([phrase, thing]) if rng.random() < 0.5 else text
        words = []
        for word in text.split():
            if word in ABBREVIATIONS and rng.random() < 0.5:
                word = ABBREVIATIONS[word]
            elif rng.random() < 0.12:
                word = _misspell(word, rng)
            words.append(word)
        text = " ".join(words) + rng.choice(FILLER)
        if rng.random() < 0.07:  # filed under a neighbouring class
            label = rng.choice(labels)
        out.append(
            {"id": f"WO-{seed}-{i}", "text": text.upper() if rng.random() < 0.15 else text, "class": label}
        )
    return out


def write(rows: list[dict[str, str]], path: Path) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def demo_sample(rows: int, seed: int) -> list[dict[str, str]]:
    """A small plant: `rows` records of the demo history (all of it, as shipped, when rows >= 420)."""
    history = Path(__file__).resolve().parents[2] / "demo" / "ncr_history.csv"
    with history.open(encoding="utf-8", newline="") as handle:
        records = list(csv.DictReader(handle))
    return records if rows >= len(records) else random.Random(seed).sample(records, rows)

"""A labelled set of self-written repair and service manuals with paraphrased questions, generated
deterministically from a seed.

Many products share parts (battery, drive belt, fan…) and product lines have near-identical model names
(KM-200, KM-200 Pro, KM-300), every guide's steps name other parts of the same product (the battery is
disconnected in most guides), and some guides adjust or inspect a part instead of replacing it: the words of a
question appear in many guides, and the title and headings say which one it is about. Questions are written
the way people ask, from templates: the canonical "How do I replace the <part> on a <product>?", part
synonyms ("power cell"), model numbers alone, symptoms ("keeps tripping the breaker"), tools, adjustment.

`python bench/manuals.py OUT_DIR [--seed N]` writes the Markdown guides and questions.json. Retrieval weights
are tuned on seed 1 (development); the bench reports seed 14 (held out).
"""

import json
import random
import sys
from dataclasses import dataclass
from pathlib import Path

DEV_SEED = 1
BENCH_SEED = 14

BRANDS = ["Kestrel", "Orion", "Tamarack", "Halden", "Brightline", "Vossberg", "Corvid", "Meridian", "Akashi",
          "Pelham", "Northgate", "Sundial"]  # fmt: skip
# product type -> (model prefix, parts that type has)
TYPES = {
    "stand mixer": ("SM", ["drive belt", "motor brushes", "speed control board", "bowl lift lever", "gearbox", "power cord"]),
    "air compressor": ("AC", ["pressure switch", "check valve", "air filter", "drive belt", "safety valve", "motor capacitor"]),
    "cordless drill": ("CD", ["battery", "chuck", "trigger switch", "motor", "gear housing", "LED light"]),
    "laptop": ("LX", ["battery", "keyboard", "display", "cooling fan", "hard drive", "charging port", "hinge"]),
    "tablet": ("TB", ["battery", "display", "charging port", "rear camera", "speaker", "headphone jack"]),
    "smartphone": ("PH", ["battery", "screen", "charging port", "front camera", "rear camera", "vibration motor", "SIM tray"]),
    "robot vacuum": ("RV", ["battery", "side brush", "main brush motor", "drive wheel", "bumper sensor", "dust bin filter"]),
    "coffee machine": ("CM", ["heating element", "water pump", "thermostat", "brew group", "descaling valve", "drip tray sensor"]),
    "bench grinder": ("BG", ["grinding wheel", "tool rest", "eye shield", "motor bearing", "power switch"]),
    "pallet jack": ("PJ", ["hydraulic pump seal", "load wheel", "steering wheel", "release valve", "handle spring"]),
    "label printer": ("LP", ["print head", "platen roller", "cutter blade", "ribbon sensor", "power supply"]),
    "pressure washer": ("PW", ["pump seals", "unloader valve", "spray gun trigger", "inlet filter", "high pressure hose"]),
    "conveyor": ("CV", ["drive belt", "drive motor", "idler roller", "belt tracking sensor", "gearbox", "emergency stop switch"]),
    "drill press": ("DP", ["drive belt", "chuck", "quill spring", "motor", "depth stop", "power switch"]),
    "band saw": ("BS", ["blade", "blade guide bearings", "tire", "tension spring", "drive belt", "power switch"]),
    "washing machine": ("WM", ["door seal", "drain pump", "drive belt", "door lock", "heating element", "shock absorbers"]),
}  # fmt: skip
SYNONYMS = {
    "battery": ["battery pack", "power cell", "rechargeable battery"],
    "drive belt": ["belt", "motor belt", "V-belt"],
    "motor brushes": ["carbon brushes", "brushes"],
    "display": ["screen", "LCD panel", "display panel"],
    "screen": ["display", "touchscreen", "glass"],
    "cooling fan": ["fan", "CPU fan", "blower"],
    "charging port": ["charge port", "USB-C port", "charging connector"],
    "hard drive": ["HDD", "storage drive", "disk"],
    "power cord": ["cable", "mains lead", "plug cord"],
    "pressure switch": ["cut-out switch", "pressure control"],
    "air filter": ["intake filter", "filter element"],
    "trigger switch": ["trigger", "speed trigger"],
    "rear camera": ["back camera", "main camera"],
    "front camera": ["selfie camera", "front-facing camera"],
    "vibration motor": ["taptic motor", "vibrator"],
    "SIM tray": ["SIM card tray", "SIM holder"],
    "heating element": ["heater", "element"],
    "water pump": ["pump", "vibration pump"],
    "grinding wheel": ["stone", "abrasive wheel"],
    "load wheel": ["front wheel", "fork wheel"],
    "print head": ["printhead", "thermal head"],
    "cutter blade": ["cutter", "knife"],
    "pump seals": ["water seals", "piston seals"],
    "high pressure hose": ["hose", "HP hose"],
    "blade": ["saw blade", "band"],
    "door seal": ["door gasket", "boot seal"],
    "drain pump": ["pump", "waste water pump"],
    "shock absorbers": ["dampers", "shocks"],
    "gearbox": ["gear box", "transmission", "reducer"],
    "chuck": ["drill chuck", "keyless chuck"],
    "hinge": ["display hinge", "lid hinge"],
    "emergency stop switch": ["e-stop", "emergency stop button"],
    "dust bin filter": ["HEPA filter", "bin filter"],
    "idler roller": ["return roller", "idler"],
}
SYMPTOMS = {
    "battery": ["no longer holds a charge", "dies after a few minutes", "swells and lifts the case"],
    "drive belt": ["squeals at start-up", "slips under load", "throws the belt off"],
    "motor brushes": ["sparks inside the vents", "runs intermittently", "loses power"],
    "display": ["shows lines across the picture", "stays black", "flickers"],
    "screen": ["is cracked", "does not respond to touch", "has dead pixels"],
    "cooling fan": ["is loud and rattles", "overheats and shuts down", "makes a grinding noise"],
    "charging port": ["only charges at an angle", "will not charge", "is loose"],
    "pressure switch": [
        "never cuts out",
        "keeps tripping the breaker",
        "will not restart after the tank empties",
    ],
    "heating element": ["does not heat", "trips the RCD", "takes ages to warm up"],
    "drain pump": ["leaves water in the drum", "hums but does not drain", "shows error E21"],
    "door seal": ["leaks water on the floor", "is torn", "smells mouldy"],
    "gearbox": ["grinds in every gear", "leaks grease", "knocks under load"],
    "blade": ["cuts crooked", "is dull", "snapped"],
    "print head": ["prints faded labels", "leaves blank lines", "smells burnt"],
}
VERBS = {"replace": "Replacement", "adjust": "Adjustment", "inspect": "Inspection"}
TITLES = {
    "replace": ["{product} {Part} Replacement", "Replacing the {part} on the {product}", "{product}: {part} replacement",
                "How to replace the {part} in a {product}", "{Part} replacement guide — {product}"],
    "adjust": ["{product} {Part} Adjustment", "Adjusting the {part} on the {product}"],
    "inspect": ["{product} {Part} Inspection", "Checking the {part} of the {product}"],
}  # fmt: skip
TOOLS = ["Phillips #1 screwdriver", "Phillips #00 screwdriver", "Torx T5 driver", "Torx T10 driver", "spudger",
         "plastic opening picks", "suction handle", "10 mm socket", "13 mm spanner", "4 mm hex key", "snap ring pliers",
         "needle-nose pliers", "multimeter", "heat gun", "tweezers", "grease gun", "belt tension gauge"]  # fmt: skip


@dataclass
class Manual:
    path: str
    title: str
    product: str
    part: str
    verb: str
    text: str


def _cap(words: str) -> str:
    return " ".join(w[:1].upper() + w[1:] for w in words.split())


def _products(rng: random.Random) -> list[tuple[str, str, str, str]]:
    """(product name, brand, model, type): product lines with close model names."""
    out = []
    for kind, (prefix, _parts) in TYPES.items():
        bases = rng.sample([100, 300, 500, 700], 2)  # two brands never share a model number
        for brand, base in zip(rng.sample(BRANDS, 2), bases, strict=True):
            models = [f"{prefix}-{base}", f"{prefix}-{base} Pro", f"{prefix}-{base + 100}"]
            for model in models[: rng.choice([2, 2, 3])]:
                out.append((f"{brand} {model} {kind}", brand, model, kind))
    return out


def _steps(
    rng: random.Random, product: str, part: str, others: list[str], verb: str
) -> list[tuple[str, str]]:
    short = product.split(" ", 1)[1]
    steps = [
        ("Power down", f"Switch off the {short} and unplug it. Wait five minutes for capacitors to discharge. "
         f"Work on a clean, dry bench with the {rng.choice(others)} side facing up."),
        (f"Remove the {rng.choice(['back cover', 'side panel', 'bottom plate', 'front housing'])}",
         f"Remove the {rng.randint(3, 9)} screws with the {rng.choice(TOOLS)}. Lift the cover slowly: the "
         f"{rng.choice(others)} cable is attached underneath. Keep the screws in order, they differ in length."),
    ]  # fmt: skip
    for other in rng.sample(others, min(len(others), rng.randint(1, 3))):
        steps.append(
            (f"Disconnect the {other}",
             f"Use the {rng.choice(TOOLS)} to release the {other} connector. Do not pull on the wires. "
             f"Move the {other} aside so it does not block access to the {rng.choice(others)}.")
        )  # fmt: skip
    if verb == "replace":
        steps += [
            (f"Remove the {part}", f"Undo the fasteners that hold the {part} and lift it out. Compare the old "
             f"{part} with the new one before you install it; the part number is printed on its label."),
            (f"Install the new {part}", f"Fit the new {part}, refit the fasteners and reconnect everything in "
             f"reverse order. Run the {short} for one minute and check it works."),
        ]  # fmt: skip
    elif verb == "adjust":
        steps += [
            (f"Adjust the {part}", f"Loosen the lock nut and turn the adjuster until the {part} sits correctly. "
             f"Tighten the lock nut and check the setting twice."),
        ]  # fmt: skip
    else:
        steps += [
            (f"Inspect the {part}", f"Look at the {part} for wear, cracks or discolouration. If it is damaged, "
             f"order a replacement; otherwise clean it and refit it."),
        ]  # fmt: skip
    return steps


def generate(seed: int) -> tuple[list[Manual], list[dict[str, str]]]:
    rng = random.Random(seed)
    manuals: list[Manual] = []
    questions: list[dict[str, str]] = []
    for product, brand, model, kind in _products(rng):
        parts = TYPES[kind][1]
        chosen = rng.sample(parts, min(len(parts), rng.randint(4, 6)))
        for part in chosen:
            verbs = (
                ["replace"]
                + (["adjust"] if rng.random() < 0.12 else [])
                + (["inspect"] if rng.random() < 0.1 else [])
            )
            for verb in verbs:
                others = [p for p in parts if p != part]
                title = rng.choice(TITLES[verb]).format(product=product, part=part, Part=_cap(part))
                synonyms = SYNONYMS.get(part, [])
                symptoms = SYMPTOMS.get(part, ["fails", "is worn out", "makes a noise"])
                intro = (f"This guide shows how to {verb} the {part} on the {product}. "
                         + (f"The {part} is also called the {rng.choice(synonyms)}. " if synonyms and rng.random() < 0.7 else "")
                         + f"Do this when the {product.split(' ', 1)[1]} {rng.choice(symptoms)}.")  # fmt: skip
                lines = [f"---\ntitle: {title}\nurl: https://manuals.example/{len(manuals)}\n---", f"# {title}", "",
                         "## Introduction", intro, "", "## Tools"]  # fmt: skip
                lines += [f"- {t}" for t in rng.sample(TOOLS, 3)]
                for n, (heading, body) in enumerate(_steps(rng, product, part, others, verb), start=1):
                    lines += ["", f"## Step {n}: {heading}", body]
                lines += ["", "## Troubleshooting",
                          f"If the {model} still {rng.choice(symptoms)} afterwards, check the {rng.choice(others)} "
                          f"and the {rng.choice(others)} as well."]  # fmt: skip
                slug = f"{brand}-{model}-{kind}-{part}-{verb}".lower().replace(" ", "-")
                path = f"{kind.replace(' ', '-')}/{slug}.md"
                manuals.append(Manual(path, title, product, part, verb, "\n".join(lines) + "\n"))
                questions.append({"question": _question(rng, product, brand, model, kind, part, verb, synonyms, symptoms),
                                  "document": path})  # fmt: skip
    return manuals, questions


def _question(rng: random.Random, product: str, brand: str, model: str, kind: str, part: str, verb: str,
              synonyms: list[str], symptoms: list[str]) -> str:  # fmt: skip
    name = rng.choice([part] + synonyms) if synonyms else part
    if verb == "adjust":
        return rng.choice([f"how do I adjust the {name} on my {brand} {model}?",
                           f"{model} {kind}: {name} needs adjusting, how?"])  # fmt: skip
    if verb == "inspect":
        return rng.choice([f"how do I check the {name} of a {product} for wear?",
                           f"inspect {name} {brand} {model}"])  # fmt: skip
    templates = [
        f"How do I replace the {part} on a {product}?",
        f"How do I replace the {part} on a {product}?",
        f"{brand} {model} {name} is broken, how do I swap it?",
        f"steps to change the {name} in my {model} {kind}",
        f"my {kind} ({brand} {model}) {rng.choice(symptoms)}, how do I fit a new {name}?",
        f"what tools do I need to take out the {name} of a {brand} {model}?",
        f"{name} replacement for {brand} {model}",
        f"new {name} for the {model} — how to install it",
    ]
    return rng.choice(templates)


def write(target: Path, seed: int) -> list[dict[str, str]]:
    manuals, questions = generate(seed)
    for manual in manuals:
        path = target / manual.path
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(manual.text)
    (target / "questions.json").write_text(json.dumps(questions, indent=1))
    return questions


if __name__ == "__main__":
    out = Path(sys.argv[1])
    seed = int(sys.argv[3]) if len(sys.argv) > 3 and sys.argv[2] == "--seed" else BENCH_SEED
    qs = write(out, seed)
    print(f"{len(qs)} manuals and questions in {out}")

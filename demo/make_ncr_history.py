"""Generate demo/ncr_history.csv: an invented NCR history for the demo plant (Northfield Components — Plant 2).

Every record is synthetic. Each operation of demo/plant.toml has a handful of failure modes (the step where it
shows, the defect category, the root-cause code, how it is described, how it was contained and corrected).
Records are drawn from those modes with a fixed seed. The history is deliberately not clean: several root causes
share the same symptom, the cause is named in only about half of the descriptions, shared phrases (shift, lot,
who found it) add noise, and some records are categorised differently by a different engineer, as real
histories are.

On top of that it writes like a shop floor (all drawn with the same fixed seed):

- misspellings (a dropped, doubled or swapped letter) and abbreviations ("op", "insp", "dia", "w/", "trq");
- two- and three-word entries ("hole oversize", "nut spun", "leak at port") that say little about the cause;
- near-duplicate categories: one engineer files surface defects as `cosmetic`, another torque as `fastening`
  (the demo plant has both as retired categories: [[retired_categories]] in demo/plant.toml);
- skewed class sizes (the weights of the failure modes are squared: common modes dominate);
- label noise: besides the recategorised records, about 5 % of the root causes are another cause of the same step.

    .venv/bin/python demo/make_ncr_history.py        # rewrites demo/ncr_history.csv
"""

import csv
import datetime
import random
from pathlib import Path

SEED = 20261121
RECORDS = 420
OUT = Path(__file__).with_name("ncr_history.csv")
START = datetime.date(2024, 11, 4)
END = datetime.date(2026, 10, 30)
COLUMNS = [
    "id",
    "date",
    "part",
    "operation",
    "step",
    "quantity",
    "description",
    "category",
    "root_cause_code",
    "containment",
    "corrective_action",
    "disposition",
]

# (part, op, step, category, root cause, weight, symptoms, cause hints, containments, corrective actions, dispositions)
MODES = [
    # ---------------- BRK-2040 op 10: stamp and pierce
    (
        "BRK-2040",
        10,
        9,
        "dimensional",
        "TOOL-WEAR",
        5,
        [
            "anchor hole oversize Ø{a:.2f} mm on the first piece",
            "pierced hole Ø{a:.2f}–{b:.2f} mm, above 10.58 limit",
            "pin gauge 10.60 enters the anchor hole",
            "hole diameter drifting up over the coil, now Ø{a:.2f} mm",
        ],
        [
            "pierce punch edge rounded at {n}k hits",
            "punch past its regrind interval",
            "worn pierce punch and die button",
        ],
        [
            "100% pin-gauge sort of the tote and the previous two totes",
            "sorted WIP with pin gauge, oversize holes tagged red",
        ],
        [
            "punch regrind interval reduced to 60k hits and added to the die PM",
            "tool life counter alarm set on the press HMI",
        ],
        ["scrap", "scrap", "rework"],
    ),
    (
        "BRK-2040",
        10,
        9,
        "dimensional",
        "TOOL-DAMAGE",
        3,
        [
            "anchor hole Ø{a:.2f} mm with heavy burr on the exit side",
            "ragged hole wall and oversize Ø{a:.2f} mm",
            "hole torn on one side, pin gauge 10.62 enters",
        ],
        ["pierce punch chipped", "punch tip broken after slug pulling", "chip on the punch corner"],
        [
            "press stopped, punch replaced, parts since last good check sorted",
            "quarantined production since last frequency check",
        ],
        [
            "slug retention punch (ejector pin) installed",
            "die maintenance to check punch condition every coil",
        ],
        ["scrap"],
    ),
    (
        "BRK-2040",
        10,
        10,
        "dimensional",
        "DIE-SETUP",
        4,
        [
            "hole to bend line {c:.2f} mm, over 32.15",
            "hole position out on check fixture CF-2040 at {c:.2f} mm",
            "bolt hole position shifted toward the bend",
        ],
        [
            "pilot at station 2 worn, strip not pulled into position",
            "feed pitch left at {p} mm after the last job",
            "pilot release timing wrong after die set",
        ],
        ["100% check on CF-2040 of parts since setup", "held the lot, checked 5 per tote on the fixture"],
        [
            "feed pitch added to the setup sheet and first-piece check",
            "pilots added to the die setter's checklist",
        ],
        ["scrap", "use_as_is"],
    ),
    (
        "BRK-2040",
        10,
        11,
        "dimensional",
        "MAT-PROPERTY",
        4,
        [
            "flange height {f:.1f} mm, above 18.3",
            "springback, flange height {f:.1f}–{g:.1f} mm",
            "flange height out on both ends after coil change",
        ],
        [
            "coil yield strength at the top of the range",
            "new coil supplier lot with higher yield",
            "coil certificate shows yield {y} MPa",
        ],
        [
            "die setter shimmed the form station, WIP measured on the surface plate",
            "held the coil, sorted flanges by height gauge",
        ],
        [
            "coil yield window narrowed with the steel supplier",
            "flange height added to every coil change check",
        ],
        ["rework", "use_as_is", "scrap"],
    ),
    (
        "BRK-2040",
        10,
        12,
        "surface",
        "TOOL-WEAR",
        3,
        [
            "burr on the trimmed edge catches the glove",
            "edge burr {h:.2f} mm on the trim line",
            "sharp burr along the pierced edge",
        ],
        ["trim steel dull", "trim clearance opened up with wear", "trim edge past its sharpening interval"],
        [
            "tote sorted, burrs removed by hand with a deburr tool",
            "WIP deburred and reinspected under the lamp",
        ],
        ["trim steel sharpening added to die PM every 80k hits", "burr check added to the frequency checks"],
        ["rework"],
    ),
    (
        "BRK-2040",
        10,
        12,
        "surface",
        "MAT-PROPERTY",
        2,
        [
            "split at the bend radius",
            "necking and split on the flange radius",
            "crack at the bend on {q} parts",
        ],
        [
            "coil below minimum elongation",
            "hard coil, elongation off the certificate range",
            "material thickness at the top of tolerance",
        ],
        [
            "coil quarantined, WIP inspected under the lamp for splits",
            "all parts from the coil 100% visual with 5x loupe",
        ],
        [
            "incoming elongation check on every coil",
            "supplier corrective action requested for coil elongation",
        ],
        ["scrap"],
    ),
    (
        "BRK-2040",
        10,
        1,
        "dimensional",
        "MAT-MIXED",
        2,
        [
            "wrong coil thickness 2.5 mm run on the press",
            "parts stamped from 2.5 mm strip, flange and hole out",
            "coil tag did not match work order",
        ],
        [
            "coil from the wrong rack location",
            "coil mislabelled at receiving",
            "two coils swapped at the decoiler",
        ],
        ["all parts from the coil scrapped, coil returned to stores", "held all totes since the coil change"],
        ["coil tag scan added at the decoiler", "rack locations relabelled and coil scan enforced in Plex"],
        ["scrap", "return"],
    ),
    (
        "BRK-2040",
        10,
        4,
        "other",
        "METHOD-SKIPPED",
        1,
        [
            "die clamp bolts found loose at {t} N·m during audit",
            "die shifted, clamp bolts not torqued",
            "unpainted die clamp bolts found after setup",
        ],
        ["clamp bolts not torqued in cross pattern", "torque step skipped during a rushed setup"],
        [
            "press stopped, die re-clamped and first piece repeated",
            "held parts since setup and checked hole position",
        ],
        ["torque marks checked at first-piece approval", "setup checklist signed by the die setter"],
        ["use_as_is", "scrap"],
    ),
    # ---------------- BRK-2040 op 20: projection weld M10 nut
    (
        "BRK-2040",
        20,
        11,
        "weld",
        "CONSUMABLE",
        5,
        [
            "weld nut spun at {t} N·m during proof torque",
            "nut broke loose below 58 N·m",
            "only two of three projections fused",
        ],
        [
            "upper electrode face mushroomed",
            "electrode not dressed for the whole shift",
            "electrode tip worn flat",
        ],
        [
            "electrode dressed and 100% proof torque on the tote",
            "parts since last good proof check re-tested",
        ],
        [
            "electrode dressing every 500 welds counted by the controller",
            "tip dress interval added to the weld check sheet",
        ],
        ["scrap", "rework"],
    ),
    (
        "BRK-2040",
        20,
        11,
        "weld",
        "MAINT-EQUIP",
        3,
        [
            "nut spun at {t} N·m during proof torque, weak welds",
            "low weld strength, nuts break loose at audit",
            "projection collapse incomplete on several nuts",
        ],
        [
            "cooling water flow {w} L/min, electrode overheating",
            "cooling line kinked behind the welder",
            "weld transformer tap fault",
        ],
        [
            "welder stopped, maintenance restored cooling, parts re-tested",
            "quarantined the lot and proof-torqued 100%",
        ],
        [
            "cooling water flow switch interlocked with the weld control",
            "PM for cooling circuit added monthly",
        ],
        ["scrap"],
    ),
    (
        "BRK-2040",
        20,
        11,
        "torque",
        "GAGE-CAL",
        2,
        [
            "proof torque readings {t} N·m on good-looking welds",
            "proof torque wrench reading high at audit",
            "nuts spun at proof torque but welds look good",
        ],
        ["digital wrench out of calibration", "torque wrench reading 4 N·m high at calibration check"],
        [
            "wrench replaced, last two hours of parts re-tested",
            "held the lot until re-test with calibrated wrench",
        ],
        ["daily wrench verification on the torque tester", "calibration interval shortened to 3 months"],
        ["use_as_is"],
    ),
    (
        "BRK-2040",
        20,
        12,
        "weld",
        "SUPPLIER-COMPONENT",
        4,
        [
            "expulsion spatter inside the M10 thread",
            "go gauge would not enter the nut thread",
            "spatter in thread on {q} parts",
        ],
        [
            "nuts found zinc-plated",
            "plated nuts mixed in the bin",
            "nut supplier shipped plated nuts under the plain part number",
        ],
        [
            "bin purged, all nuts checked for plating, thread gauged 100%",
            "tapped threads chased and re-gauged",
        ],
        ["supplier corrective action, plating check at receiving", "nut bins colour-coded and labelled"],
        ["rework", "scrap", "return"],
    ),
    (
        "BRK-2040",
        20,
        12,
        "weld",
        "PROC-PARAM",
        2,
        [
            "spatter in the nut thread after program change",
            "expulsion on every weld, thread blocked",
            "heavy expulsion, go gauge blocked",
        ],
        [
            "weld current set to {k} kA instead of 14.5",
            "wrong program P-14 loaded",
            "weld schedule edited on the controller",
        ],
        ["program P-12 restored, parts since change gauged 100%", "quarantined parts from the shift"],
        ["controller schedule locked with a password", "program number added to the first-piece check"],
        ["rework", "scrap"],
    ),
    (
        "BRK-2040",
        20,
        10,
        "dimensional",
        "FIXTURE-WEAR",
        4,
        [
            "nut position {c:.1f} mm, outside 41.5–42.5",
            "nut off centre on the pierced hole",
            "nut position out on CF-2041",
        ],
        [
            "ceramic locating pin chipped on one side",
            "locating pin worn undersize",
            "pin worn, nut shifted before weld",
        ],
        ["pin replaced, parts since last check measured on CF-2041", "held totes, 100% nut position check"],
        ["pin replacement every 20k welds", "pin condition added to the start-of-shift check"],
        ["scrap", "use_as_is"],
    ),
    (
        "BRK-2040",
        20,
        13,
        "weld",
        "METHOD-SKIPPED",
        2,
        [
            "nut welded upside down, projections on top",
            "nut missing from bracket in the tote",
            "bracket welded without nut",
        ],
        ["operator loaded nut projections up", "nut not dropped on the pin before cycle start"],
        ["100% visual of the tote and the rack", "all totes of the shift sorted for missing or flipped nuts"],
        ["nut presence sensor added to the lower electrode", "poka-yoke pin height changed"],
        ["scrap"],
    ),
    (
        "BRK-2040",
        20,
        1,
        "weld",
        "MAT-MIXED",
        1,
        [
            "brackets without first-piece tag welded",
            "brackets from held stamping lot welded",
            "red-tagged brackets found at welder",
        ],
        ["held lot moved to the welder by mistake", "WIP location wrong in Plex"],
        ["welded parts from the held lot quarantined", "lot traced and sorted with the stamping results"],
        ["held material cage locked", "Plex container hold checked at the welder"],
        ["scrap", "use_as_is"],
    ),
    # ---------------- HSG-3315 op 10: CNC machining
    (
        "HSG-3315",
        10,
        9,
        "dimensional",
        "TOOL-WEAR",
        6,
        [
            "sensor bore Ø{d:.3f} mm, over 18.018",
            "bore size trending up to Ø{d:.3f} mm",
            "bore oversize on {q} parts",
            "air gauge shows bore at the top limit",
        ],
        ["boring insert worn", "wear offset not adjusted", "insert past its part count"],
        ["parts since last good check measured with air gauge", "100% bore check of the pallet and the tote"],
        [
            "tool life monitoring in the control with insert counter",
            "wear offset adjustment rule added to step 12",
        ],
        ["scrap", "rework"],
    ),
    (
        "HSG-3315",
        10,
        9,
        "dimensional",
        "PROC-PARAM",
        2,
        [
            "sensor bore Ø{d:.3f} mm after program change",
            "bore out of size on first piece after offset edit",
            "bore undersize Ø17.99{z} mm",
        ],
        ["tool offset entered with wrong sign", "wrong tool length offset", "program revision not updated"],
        ["all parts since program change measured", "quarantined the pallet load"],
        ["offset changes need a second person check", "program revision check at first piece"],
        ["scrap", "rework"],
    ),
    (
        "HSG-3315",
        10,
        10,
        "dimensional",
        "FIXTURE-CHIPS",
        5,
        [
            "bore depth {e:.2f} mm, outside 23.95–24.05",
            "bore depth short on {q} parts",
            "casting lifted, depth and face out",
        ],
        ["chips under casting on rest pad", "rest pad not blown off", "chip packed under the locator"],
        [
            "depth measured 100% on the pallet, pads cleaned",
            "held the tote, depth checked with depth micrometer",
        ],
        ["air blow-off on rest pads before every load", "pad cleaning added to the load step"],
        ["scrap", "rework"],
    ),
    (
        "HSG-3315",
        10,
        1,
        "surface",
        "MAT-CASTING",
        6,
        [
            "open porosity on the mounting face",
            "porosity up to {h:.1f} mm after face milling",
            "pinholes in the machined face",
        ],
        ["casting lot {lot} porous", "die casting supplier porosity", "gas porosity in the casting"],
        ["casting lot quarantined, faces inspected 100%", "castings from the lot sorted under the lamp"],
        ["supplier 8D for porosity, X-ray sampling at receiving", "casting supplier vacuum assist fixed"],
        ["return", "scrap"],
    ),
    (
        "HSG-3315",
        10,
        3,
        "surface",
        "CONSUMABLE",
        3,
        [
            "rust spots on machined housings",
            "stained mounting face after washing",
            "corrosion marks on the bore",
        ],
        ["coolant concentration {cc}%", "coolant too lean", "coolant tank not topped up"],
        ["parts cleaned and re-oiled, coolant corrected", "WIP inspected and cleaned"],
        ["coolant concentration check each shift with refractometer", "automatic coolant mixer installed"],
        ["rework"],
    ),
    (
        "HSG-3315",
        10,
        8,
        "surface",
        "METHOD-SKIPPED",
        3,
        [
            "burr at the drain port intersection",
            "chip left in the sensor bore",
            "loose chips in drain port thread",
        ],
        ["part not deburred and blown off", "deburr step skipped at high volume", "blow-off nozzle not used"],
        ["tote re-deburred and blown off", "100% visual of the bore and port"],
        ["deburr step added to the operator audit", "automatic blow-off station installed"],
        ["rework"],
    ),
    (
        "HSG-3315",
        10,
        5,
        "dimensional",
        "TOOL-DAMAGE",
        2,
        ["chatter marks in the sensor bore", "bore finish rough, chatter", "insert broke during cycle"],
        ["insert clamp screw loose", "insert clamp screw not torqued to 3.5 N·m", "chipped insert"],
        ["parts since insert change checked for finish", "held the pallet, bore finish checked"],
        ["torque driver used for insert screws", "insert change checklist added"],
        ["scrap"],
    ),
    # ---------------- HSG-3315 op 20: drain plug and leak test
    (
        "HSG-3315",
        20,
        9,
        "leak",
        "MAT-CASTING",
        6,
        [
            "housings failed leak test at {l:.1f} cc/min",
            "leak rate over limit on {q} housings",
            "bubble test shows leak through the boss",
        ],
        ["porosity at the drain boss", "casting porosity leak path", "porous castings from lot {lot}"],
        [
            "failed housings quarantined, lot traced to the casting supplier",
            "reject bin audited, retests stopped",
        ],
        ["supplier 8D for porosity, impregnation trial", "leak test data reviewed per casting lot"],
        ["return", "scrap"],
    ),
    (
        "HSG-3315",
        20,
        9,
        "leak",
        "MAINT-EQUIP",
        3,
        [
            "false leak fails at {l:.1f} cc/min",
            "master part failed the leak test",
            "leak test fails on every part",
        ],
        ["nest seal cut", "test seal worn", "leaking fitting on the test circuit"],
        ["seal replaced, master parts run, failed parts retested once", "tester stopped until masters pass"],
        ["seal change every 5k cycles", "master part check every four hours"],
        ["use_as_is"],
    ),
    (
        "HSG-3315",
        20,
        9,
        "leak",
        "METHOD-SKIPPED",
        2,
        [
            "leaking housings found at customer",
            "leak test passed parts leaking at audit",
            "unmarked housings shipped",
        ],
        ["test aborted early and parts marked", "parts not tested, marked by hand"],
        ["customer stock sorted, all housings retested", "warehouse stock retested 100%"],
        [
            "marking pen removed, marker driven by the tester only",
            "tester pass signal interlocked with marking",
        ],
        ["rework"],
    ),
    (
        "HSG-3315",
        20,
        6,
        "torque",
        "GAGE-CAL",
        4,
        [
            "drain plug thread stripped at about {t} N·m",
            "plug torque low at audit",
            "stripped drain port threads",
        ],
        ["click wrench reading low", "torque wrench out of calibration", "wrench TW-40 reading 3 N·m low"],
        [
            "wrench taken out of service, plugs re-torqued with checked wrench",
            "housings since last audit re-checked",
        ],
        ["daily wrench check on the torque tester", "calibration interval shortened"],
        ["rework", "scrap"],
    ),
    (
        "HSG-3315",
        20,
        6,
        "torque",
        "SUPPLIER-COMPONENT",
        2,
        ["drain plug head cracked at torque", "plug thread galled", "plug broke during torquing"],
        [
            "plug lot with bad heat treatment",
            "plug supplier changed material",
            "plugs from lot DP-{lot} soft",
        ],
        ["plug lot quarantined, assembled housings re-checked", "plugs replaced from a good lot"],
        ["supplier corrective action, hardness check at receiving", "plug lot traceability in Plex"],
        ["rework", "return"],
    ),
    (
        "HSG-3315",
        20,
        7,
        "missing_component",
        "METHOD-SKIPPED",
        4,
        [
            "O-ring missing from plug",
            "plug head height {j:.2f} mm, O-ring missing",
            "plug seated metal to metal, no O-ring",
        ],
        ["O-ring not fitted before assembly", "O-ring dropped while greasing", "operator skipped the O-ring"],
        ["tote checked 100% for head height", "all housings of the shift re-checked for O-ring"],
        ["head height check made mandatory before leak test", "O-ring presence camera added"],
        ["rework"],
    ),
    (
        "HSG-3315",
        20,
        7,
        "missing_component",
        "SUPPLIER-COMPONENT",
        2,
        [
            "plug head height {j:.2f} mm, O-ring cut",
            "O-ring twisted or cut on plug",
            "plugs delivered without O-ring",
        ],
        ["plugs shipped without O-rings", "O-ring undersized from supplier"],
        ["plug lot quarantined, assembled housings checked", "plugs sorted at receiving"],
        ["supplier corrective action, sample check at receiving", "O-ring size added to incoming inspection"],
        ["rework", "return"],
    ),
    (
        "HSG-3315",
        20,
        12,
        "surface",
        "HANDLING",
        2,
        ["nicks on the mounting face", "dent on the sensor flange", "scratches on the housing face"],
        ["housings dropped in the tote", "dunnage missing", "parts stacked loose"],
        ["tote sorted and nicked housings rejected", "housings in transit inspected"],
        ["dunnage mandatory between layers", "transfer chute padded"],
        ["scrap", "use_as_is"],
    ),
    # ---------------- ASM-7730 op 10: robot MIG weld
    (
        "ASM-7730",
        10,
        10,
        "weld",
        "CONSUMABLE",
        5,
        [
            "fillet leg {m:.1f} mm with surface porosity",
            "undersize fillet and porosity",
            "porosity in the fillet on {q} parts",
        ],
        ["gas flow {gf} L/min after cylinder change", "gas bottle empty", "nozzle clogged with spatter"],
        ["parts since cylinder change cut and etched", "100% visual of the rack, porous welds tagged"],
        ["gas flow alarm added to the cell", "gas flow check at every cylinder change"],
        ["rework", "scrap"],
    ),
    (
        "ASM-7730",
        10,
        10,
        "weld",
        "PROC-PARAM",
        3,
        ["fillet leg {m:.1f} mm, undersize", "low penetration on cut and etch", "fillet leg below 3.5 mm"],
        [
            "wire feed speed reduced in the program",
            "robot program changed travel speed",
            "weld schedule edited",
        ],
        ["program restored, parts since change cut and etched", "held parts welded with the changed program"],
        ["robot program backup compared each shift", "program edits need engineering approval"],
        ["scrap", "rework"],
    ),
    (
        "ASM-7730",
        10,
        11,
        "weld",
        "FIXTURE-WEAR",
        3,
        ["weld length {x:.0f} mm, short", "weld misses the joint at one end", "weld off the seam"],
        ["fixture clamp worn, part moved", "locator worn", "clamp pad missing"],
        ["parts measured for weld length 100%", "held parts since last fixture check"],
        ["fixture clamp PM monthly", "locators replaced and hardened"],
        ["rework", "scrap"],
    ),
    (
        "ASM-7730",
        10,
        12,
        "weld",
        "CONSUMABLE",
        4,
        ["spatter in the pivot hole", "spatter on the latch plate", "spatter blocks the Ø8.2 mm hole"],
        ["nozzle not reamed", "anti-spatter empty", "contact tip not changed"],
        ["pivot holes reamed and parts cleaned", "100% check of the pivot hole with a pin"],
        ["nozzle reamer cycle every 10 parts", "anti-spatter level sensor"],
        ["rework"],
    ),
    (
        "ASM-7730",
        10,
        12,
        "weld",
        "FIXTURE-CHIPS",
        2,
        [
            "burn-through on the latch plate",
            "weld hole through the plate",
            "spatter build-up under part, weld off",
        ],
        ["spatter build-up on locators", "locator covered in spatter"],
        ["locators cleaned, welded parts inspected", "parts since last clean inspected"],
        ["locator cleaning each shift", "spatter shields on the locators"],
        ["scrap"],
    ),
    (
        "ASM-7730",
        10,
        9,
        "dimensional",
        "HANDLING",
        2,
        ["striker bracket bent", "latch plate bent after unloading", "bracket distorted in the rack"],
        ["hot parts thrown in the rack", "parts unloaded before cooling", "rack overloaded"],
        ["rack sorted, bent parts straightened or scrapped", "parts checked on the gauge"],
        ["cooling conveyor added", "rack redesigned"],
        ["rework", "scrap"],
    ),
    # ---------------- ASM-7730 op 20: assemble and torque
    (
        "ASM-7730",
        20,
        7,
        "torque",
        "SUPPLIER-COMPONENT",
        4,
        [
            "pivot bolt at {t2:.1f} N·m on audit",
            "pivot bolt loose at audit",
            "pivot bolt torque low after 24 h",
        ],
        ["bolts without threadlock patch", "bolt lot PB-{lot} missing patch", "patch missing on bolts"],
        ["assemblies since the lot change re-torqued", "bolt lot quarantined, latches audited"],
        ["supplier corrective action for patch", "patch check at receiving"],
        ["rework"],
    ),
    (
        "ASM-7730",
        20,
        7,
        "torque",
        "MAINT-EQUIP",
        3,
        ["pivot bolt over torque {t2:.1f} N·m", "nutrunner NOK on pivot bolt", "pivot torque scatter high"],
        ["nutrunner transducer drift", "nutrunner spindle fault", "nutrunner calibration out"],
        ["assemblies re-checked with audit wrench", "held the shift's production"],
        ["nutrunner capability study every quarter", "transducer replaced"],
        ["rework", "use_as_is"],
    ),
    (
        "ASM-7730",
        20,
        8,
        "torque",
        "FIXTURE-CHIPS",
        3,
        [
            "M6 striker screws stopped at {t3} N·m",
            "M6 screws NOK at nutrunner",
            "striker screws cross threaded",
        ],
        ["chips in the tapped holes from welding", "weld spatter in M6 holes", "tapped holes dirty"],
        ["holes cleaned and screws re-torqued", "sub-assemblies checked for clean threads"],
        ["thread cleaning after welding added", "tapped holes masked during welding"],
        ["rework"],
    ),
    (
        "ASM-7730",
        20,
        8,
        "torque",
        "PROC-PARAM",
        2,
        ["M6 screws torqued to 13 N·m", "wrong nutrunner program on the M6 screws", "screws over torqued"],
        ["program 3 selected instead of 2", "nutrunner program wrong after changeover"],
        ["assemblies since changeover re-checked", "over-torqued screws replaced"],
        ["program selection by part barcode", "program check at first piece"],
        ["rework"],
    ),
    (
        "ASM-7730",
        20,
        5,
        "missing_component",
        "METHOD-SKIPPED",
        4,
        ["return spring missing", "latch does not return, spring missing", "spring off the tab"],
        ["spring slipped off during installation", "spring tool not used", "spring not seated on the tab"],
        ["all latches of the shift function-checked", "100% latch return check"],
        ["spring presence sensor", "spring tool mandatory"],
        ["rework"],
    ),
    (
        "ASM-7730",
        20,
        10,
        "dimensional",
        "HANDLING",
        3,
        ["latch engagement gap {v:.2f} mm", "engagement gap over 1.8 mm", "striker bracket bent, gap out"],
        ["bent during handling from the weld rack", "parts dropped", "rack overloaded"],
        ["gap checked 100%", "bent assemblies reworked"],
        ["rack redesigned", "handling instruction updated"],
        ["rework", "scrap"],
    ),
    (
        "ASM-7730",
        20,
        10,
        "dimensional",
        "FIXTURE-WEAR",
        2,
        [
            "latch engagement gap {v:.2f} mm on all parts",
            "gap drifting",
            "engagement gap out on the whole shift",
        ],
        ["clamp fixture locator worn", "fixture stop worn", "fixture clamp loose"],
        ["shift production checked for gap", "held parts, checked gap"],
        ["fixture PM monthly", "locator replaced"],
        ["rework"],
    ),
]

# On every step where defects show, two causes any plant knows also turn up: a gauge that reads wrong and a
# check that was not done. They borrow the step's symptoms, so only the cause hint tells them apart.
EXTRA_CAUSES = [
    (
        "GAGE-CAL",
        [
            "gauge found out of calibration",
            "check gauge failed its daily verification",
            "gauge master reading off",
        ],
        ["gauges swapped, parts since last verification re-measured"],
        ["gauge verification at every shift start"],
    ),
    (
        "METHOD-SKIPPED",
        ["frequency check skipped", "first-piece check not recorded", "check not done after the tool change"],
        ["parts since the last recorded check sorted"],
        ["check recorded in Plex before the next run"],
    ),
]


def _with_extra_causes(modes: list) -> list:
    extra, seen = [], set()
    for mode in modes:
        key = mode[:3]
        if key in seen:
            continue
        seen.add(key)
        pool = [s for m in modes if m[:3] == key for s in m[6]]
        for cause, hints, containments, actions in EXTRA_CAUSES:
            if all(m[4] != cause for m in modes if m[:3] == key):
                extra.append(
                    (*key, mode[3], cause, 0.4, pool, hints, containments, actions, ["scrap", "rework"])
                )
    return modes + extra


MODES = _with_extra_causes(MODES)

NOISE = [
    "Found on second shift.",
    "Found by the next operation.",
    "Found at first-piece check.",
    "Customer audit.",
    "Found at frequency check.",
    "Operator stopped the line.",
    "Reported by quality tech.",
    "Night shift.",
    "Seen during layered process audit.",
    "",
    "",
    "",
]
RECATEGORISE = {
    "weld": "surface",
    "dimensional": "other",
    "torque": "other",
    "leak": "surface",
    "surface": "other",
}


def _fill(template: str, rng: random.Random, qty: int) -> str:
    values = {
        "a": rng.uniform(10.59, 10.68),
        "b": rng.uniform(10.68, 10.72),
        "c": rng.uniform(32.2, 32.4),
        "f": rng.uniform(18.35, 18.6),
        "g": rng.uniform(18.6, 18.8),
        "h": rng.uniform(0.1, 1.8),
        "n": rng.randint(60, 140),
        "p": rng.choice([140, 141, 143, 144]),
        "y": rng.randint(470, 520),
        "q": qty,
        "t": rng.randint(30, 56),
        "w": rng.uniform(1.5, 3.5),
        "k": rng.choice([16, 17, 18]),
        "d": rng.uniform(18.019, 18.03),
        "e": rng.uniform(23.88, 23.94),
        "z": rng.randint(1, 8),
        "lot": rng.randint(100, 999),
        "cc": rng.choice([3, 4]),
        "l": rng.uniform(2.1, 4.5),
        "j": rng.uniform(2.55, 2.7),
        "m": rng.uniform(2.8, 3.4),
        "gf": rng.choice([6, 8, 9]),
        "x": rng.uniform(15, 21),
        "t2": rng.uniform(23.5, 25.5),
        "t3": rng.choice([5, 6, 7]),
        "v": rng.uniform(1.85, 2.1),
    }
    return template.format(**values)


def _sentence(text: str) -> str:
    return text[0].upper() + text[1:] + "."


ABBREVIATIONS = {
    "operator": "op",
    "operation": "op",
    "inspection": "insp",
    "diameter": "dia",
    "with": "w/",
    "without": "w/o",
    "torque": "trq",
    "position": "pos",
    "fixture": "fixt",
    "electrode": "elec",
    "maintenance": "maint",
    "pieces": "pcs",
    "parts": "pcs",
    "missing": "msng",
    "surface": "surf",
    "leak": "lk",
    "leaking": "lkg",
    "oversize": "o/s",
    "undersize": "u/s",
    "customer": "cust",
    "material": "matl",
    "second": "2nd",
    "quality": "QA",
}
STOP = {
    "only",
    "the",
    "a",
    "an",
    "on",
    "at",
    "of",
    "in",
    "to",
    "and",
    "by",
    "from",
    "with",
    "for",
    "mm",
    "n·m",
}
NEAR_DUPLICATES = {"surface": ("cosmetic", 0.3), "torque": ("fastening", 0.3)}


def _misspell(word: str, rng: random.Random) -> str:
    if len(word) < 4 or not word.isalpha():
        return word
    i = rng.randrange(1, len(word) - 1)
    kind = rng.choice(["drop", "double", "swap"])
    if kind == "drop":
        return word[:i] + word[i + 1 :]
    if kind == "double":
        return word[:i] + word[i] + word[i:]
    return word[: i - 1] + word[i] + word[i - 1] + word[i + 1 :]


def _floor_text(text: str, rng: random.Random, sloppy: float) -> str:
    """Abbreviate and misspell some words, as typed on a terminal with gloves on."""
    words = []
    for word in text.split(" "):
        bare = word.strip(".,;()").lower()
        if bare in ABBREVIATIONS and rng.random() < sloppy * 1.5:
            word = word.lower().replace(bare, ABBREVIATIONS[bare])
        elif rng.random() < sloppy * 0.3:
            word = _misspell(word, rng)
        words.append(word)
    return " ".join(words)


def _short(template: str, rng: random.Random) -> str:
    """A two- or three-word entry from a symptom: its first content words, no figures."""
    words = [w.strip(".,;()").lower() for w in template.split()]
    words = [w for w in words if w and "{" not in w and w not in STOP and not any(ch.isdigit() for ch in w)]
    return " ".join(words[: rng.choice([2, 2, 3])]) or template


def generate(seed: int = SEED, records: int = RECORDS) -> list[dict[str, str]]:
    """The history as shipped with the defaults; other seeds draw development histories (bench/triage_dev.py)."""
    rng = random.Random(seed)
    weights = [mode[5] ** 2 for mode in MODES]  # skewed: the common failure modes dominate
    days = (END - START).days
    # Modes that show on the same step look alike: half the time the symptom says nothing about the cause.
    shared: dict[tuple[str, int, int], list[str]] = {}
    for mode in MODES:
        shared.setdefault(mode[:3], []).extend(mode[6])
    rows = []
    for i in range(records):
        part, op, step, category, cause, _w, symptoms, hints, containments, actions, dispositions = (
            rng.choices(MODES, weights)[0]
        )
        qty = rng.randint(1, 60)
        pool = shared[(part, op, step)] if rng.random() < 0.5 else symptoms
        if rng.random() < 0.12:  # a two- or three-word entry
            text = _short(rng.choice(pool), rng)
        else:
            text = _fill(rng.choice(pool), rng, qty)
            text = text[0].upper() + text[1:]
            if rng.random() < 0.45:
                text += "; " + _fill(rng.choice(hints), rng, qty)
            if f"{qty} parts" not in text and f"{qty} housings" not in text:
                text += f" ({qty} pcs)"
            text += "."
            noise = rng.choice(NOISE)
            if noise:
                text += " " + noise
        text = _floor_text(text, rng, sloppy=rng.choice([0.0, 0.1, 0.3]))
        if rng.random() < 0.08:  # another engineer's judgement of the same defect
            category = RECATEGORISE.get(category, category)
        if category in NEAR_DUPLICATES and rng.random() < NEAR_DUPLICATES[category][1]:
            category = NEAR_DUPLICATES[category][0]  # an engineer with their own word for it
        if rng.random() < 0.05:  # the cause was recorded as another one seen on the same step
            causes = sorted({m[4] for m in MODES if m[:3] == (part, op, step)} - {cause})
            cause = rng.choice(causes) if causes else cause
        rows.append(
            {
                "id": f"NCR-H{1000 + i}",
                "date": (START + datetime.timedelta(days=rng.randint(0, days))).isoformat(),
                "part": part,
                "operation": str(op),
                "step": str(step) if rng.random() < 0.8 else "",
                "quantity": str(qty),
                "description": text,
                "category": category,
                "root_cause_code": cause,
                "containment": _sentence(rng.choice(containments)),
                "corrective_action": _sentence(rng.choice(actions)),
                "disposition": rng.choice(dispositions),
            }
        )
    rows.sort(key=lambda r: (r["date"], r["id"]))
    return rows


def main() -> None:
    with OUT.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(generate())
    print(f"wrote {OUT} ({RECORDS} records)")


if __name__ == "__main__":
    main()

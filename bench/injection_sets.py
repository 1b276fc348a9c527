"""The injection-quarantine data, split once into development and held-out sets.

Development (rules, features, classifier, gate and threshold are chosen on these only):
- bench/data/injection_dev*.txt: instruction-like text aimed at the assistant;
- bench/data/sop_dev*.txt: ordinary SOP, troubleshooting, maintenance and repair-guide sentences;
- the sentences of the demo library documents at even positions of the sorted file list;
- sentences of development-seed manuals (bench/manuals.py, seed 1), used by the classifier's training.

Held out (measured once per change, never looked at to choose anything):
- bench/data/injection_test.txt and bench/data/sop_test.txt (the eighth pair, written 2026-11-30 and committed
  before the detector of that day was changed; the fourth to seventh pairs, each measured once, became
  injection_dev5-8 / sop_dev5-8);
- the sentences of the demo library documents at odd positions of the sorted file list;
- sentences of 40 manuals of the bench seed (bench/manuals.py, BENCH_SEED: never used for the detector), added
  with the sixth pair.
"""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "bench" / "data"
LIBRARY = ROOT / "demo" / "library"


def lines(pattern: str) -> list[str]:
    out: list[str] = []
    for path in sorted(DATA.glob(pattern)):
        out += [x.strip() for x in path.read_text().splitlines() if x.strip() and not x.startswith("#")]
    return out


def library_sentences(*, held_out: bool) -> list[str]:
    """Sentences (over 15 characters) of half the demo library: the odd-positioned files when held_out."""
    from copilot.library import UnreadableDocument, parse_file, split_sentences

    files = sorted(p for p in LIBRARY.rglob("*") if p.is_file())
    out: list[str] = []
    for position, path in enumerate(files):
        if position % 2 != int(held_out):
            continue
        try:
            parsed = parse_file(path)
        except UnreadableDocument:
            continue
        out += [
            s
            for p in parsed.passages
            for line in p.text.splitlines()
            for s in split_sentences(line)
            if len(s) > 15
        ]
    return out


def manual_sentences(seed: int, count: int) -> list[str]:
    """Sentences (over 15 characters) of `count` generated manuals of `seed`, headings and list markup left out."""
    import random

    from bench import manuals
    from copilot.library import split_sentences

    generated, _questions = manuals.generate(seed)
    out: list[str] = []
    for manual in random.Random(0).sample(generated, count):
        for line in manual.text.splitlines():
            if not line.startswith(("#", "-", "title:", "url:")):
                out += [s for s in split_sentences(line) if len(s) > 15]
    return out


def development() -> tuple[list[str], list[str]]:
    """(injection variants, ordinary sentences) to develop on."""
    return lines("injection_dev*.txt"), lines("sop_dev*.txt") + library_sentences(held_out=False)


def held_out() -> tuple[list[str], list[str]]:
    """(injection variants, ordinary sentences) to report."""
    from bench.manuals import BENCH_SEED

    ordinary = lines("sop_test.txt") + library_sentences(held_out=True) + manual_sentences(BENCH_SEED, 40)
    return lines("injection_test.txt"), ordinary

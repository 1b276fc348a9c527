"""Train the injection classifier's second stage: logistic regression on MiniLM sentence vectors.

Positives: the development injection sets (bench/data/injection_dev*.txt). Negatives: the development SOP sets,
every sentence of the demo library and sentences of 60 development-seed manuals (bench/manuals.py, seed 1).
Never the *_test.txt sets. The gate (rule score ≥ 1) and threshold (0.8) were chosen by 5-fold cross-validation
on these development data: the loosest pair keeping false positives on the SOP sentences under 1 %.

`python bench/train_injection.py` writes copilot/data/injection_lr.json.
"""

import json
import os
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "plexcopilot.settings")
    import django

    django.setup()
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    from bench import manuals
    from copilot.library import UnreadableDocument, parse_file, split_sentences
    from plexcopilot.embedding import embedder

    data = ROOT / "bench" / "data"

    def lines(pattern: str) -> list[str]:
        out = []
        for path in sorted(data.glob(pattern)):
            out += [x.strip() for x in path.read_text().splitlines() if x.strip() and not x.startswith("#")]
        return out

    positives = lines("injection_dev*.txt")
    negatives = lines("sop_dev*.txt")
    for path in sorted((ROOT / "demo" / "library").rglob("*")):
        try:
            parsed = parse_file(path) if path.is_file() else None
        except UnreadableDocument:
            continue
        if parsed:
            negatives += [
                s
                for p in parsed.passages
                for line in p.text.splitlines()
                for s in split_sentences(line)
                if len(s) > 15
            ]
    generated, _questions = manuals.generate(manuals.DEV_SEED)
    for manual in random.Random(0).sample(generated, 60):
        for line in manual.text.splitlines():
            if not line.startswith(("#", "-", "title:", "url:")):
                negatives += [s for s in split_sentences(line) if len(s) > 15]
    x = embedder().embed(positives + negatives)
    y = np.array([1] * len(positives) + [0] * len(negatives))
    weights = np.where(y == 1, len(negatives) / len(positives), 1.0)
    model = LogisticRegression(C=1.0, max_iter=2000).fit(x, y, sample_weight=weights)
    out = ROOT / "copilot" / "data" / "injection_lr.json"
    out.write_text(
        json.dumps(
            {
                "coef": [round(float(v), 6) for v in model.coef_[0]],
                "intercept": round(float(model.intercept_[0]), 6),
                "gate": 1.0,
                "threshold": 0.8,
                "trained_on": {"positives": len(positives), "negatives": len(negatives)},
            }
        )
        + "\n"
    )
    print(f"{out}: {len(positives)} positives, {len(negatives)} negatives")


if __name__ == "__main__":
    main()

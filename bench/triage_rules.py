"""Development only: the first suggestion's top-1 under every fixed blend vs the inner-CV choice, on small sets.

For each named set of bench/triage_dev.py and each outer fold, the triage is fitted as usual; on the held-out rows
the top-1 of the fusion alone, of each (expert, share) blend with it, and of the blend the inner CV chose, are
counted, with the best baseline's top-1 on the same folds. Prints per candidate the summed margin over the best
baseline (in records), and wins/levels/losses over the fields.

    .venv/bin/python bench/triage_rules.py small     # the sets under 200 rows but the confirmation ones;
    .venv/bin/python bench/triage_rules.py fresh3    # also: fresh2, or set names (docs/quality.md has the results)
"""

import json
import os
import sys
import tempfile
import warnings
from collections import defaultdict
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

SHARES = (0.2, 0.4, 0.6, 0.8, 1.0)
# fixed rules for the 2nd and 3rd: the mean of the final ranking blended with each (expert, share); share 0 = itself
RULES = {
    "embed_rule": (("closest_embed", 1.0), ("closest_embed_text", 1.0)),
    "closest_embed_text": (("closest_embed_text", 1.0),),
    "closest_text": (("closest_text", 1.0),),
    "fusion": (("", 0.0),),
    "fusion+closest_text": (("", 0.0), ("closest_text", 1.0)),
    "fusion+embed_rule": (("", 0.0), ("closest_embed", 1.0), ("closest_embed_text", 1.0)),
    "embed_rule+closest_text": (("closest_embed", 1.0), ("closest_embed_text", 1.0), ("closest_text", 1.0)),
    "closest_text+cet": (("closest_text", 1.0), ("closest_embed_text", 1.0)),
    "lr_text": (("lr_text", 1.0),),
    "knn_text": (("knn_text", 1.0),),
    "svm_text": (("svm_text", 1.0),),
    "fusion+lr_text": (("", 0.0), ("lr_text", 1.0)),
}


def main(argv: list[str]) -> None:
    os.environ.setdefault("PLEXCOPILOT_DATA_DIR", tempfile.mkdtemp(prefix="plexcopilot-triage-first-"))
    os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "plexcopilot.settings")
    import django

    django.setup()
    warnings.simplefilter("ignore")
    import triage_dev
    from sklearn.model_selection import StratifiedKFold

    from quality import evaluation
    from quality.classifier import BLEND_EXPERTS, FLOOR, FusedClassifier
    from quality.classifier_scores import ranking_after

    use_embeddings = "--no-embeddings" not in argv
    top3 = (
        "--top3" in argv
    )  # score the rules for the 2nd and 3rd (after the model's own first choice) instead
    wanted = [a for a in argv if not a.startswith("--")]
    groups_of = {
        "small": [
            n
            for n, s in triage_dev.SETS.items()
            if s[2] < 200 and n not in (*triage_dev.FRESH2, *triage_dev.FRESH3) and s[0] != "msg-fr"
        ],
        "fresh2": [n for n, s in triage_dev.SETS.items() if s[2] < 200 and n in triage_dev.FRESH2],
        "fresh3": list(triage_dev.FRESH3),
        "msgsmall": [n for n, s in triage_dev.SETS.items() if s[2] < 200 and s[0] in ("msg-de", "msg-es")],
        "msgfrsmall": [n for n, s in triage_dev.SETS.items() if s[2] < 200 and s[0] == "msg-fr"],
    }
    names = [n for w in wanted for n in groups_of.get(w, [w])]
    margins: dict[str, list[int]] = defaultdict(list)
    for name in names:
        texts, fields, groups, folds = triage_dev.load(name)
        vectors = triage_dev.embeddings(texts) if use_embeddings else None
        for field, labels in fields.items():
            hits: dict[str, int] = defaultdict(int)
            base = {"majority": 0, "tfidf_nn": 0, "tfidf_logreg": 0}
            k = evaluation.max_folds(labels, folds)
            splits = StratifiedKFold(n_splits=k, shuffle=True, random_state=0).split(
                np.zeros(len(labels)), labels
            )
            for train, test in splits:
                tr = [texts[i] for i in train]
                te = [texts[i] for i in test]
                tr_y = [labels[i] for i in train]
                truth = [labels[i] for i in test]
                model = FusedClassifier(seed=0).fit(
                    tr,
                    tr_y,
                    vectors[train] if vectors is not None else None,
                    [groups[i] for i in train] if groups is not None else None,
                )
                te_vec = vectors[test] if vectors is not None else None
                te_groups = [groups[i] for i in test] if groups is not None else None
                chosen = model.blend
                orders, _p = model.rank(te, te_vec, te_groups)
                y = np.array([model.labels.index(t) if t in model.labels else -1 for t in truth])
                if top3:
                    final, got = model._fused(te, te_vec, te_groups)
                    first = orders[:, 0]
                    hits["chosen"] += int((orders[:, :3] == y[:, None]).any(axis=1).sum())
                    for rname, rule in RULES.items():
                        if not model.supervised or any(n and n not in got for n, _s in rule):
                            q = final
                        else:
                            q = np.mean(
                                [(1 - s) * final + s * got[n] if s else final for n, s in rule], axis=0
                            )
                        top = ranking_after(first, q)[:, :3]
                        hits[rname] += int((top == y[:, None]).any(axis=1).sum())
                    maj = evaluation.majority_order(tr_y)[:3]
                    base["majority"] += sum(t in maj for t in truth)
                    nn = evaluation._rankings_tfidf_nn(tr, tr_y, te)
                    base["tfidf_nn"] += sum(t in r[:3] for r, t in zip(nn, truth, strict=True))
                    lr = evaluation._rankings_logreg(tr, tr_y, te)
                    base["tfidf_logreg"] += sum(t in r[:3] for r, t in zip(lr, truth, strict=True))
                    continue
                hits["chosen"] += sum(model.labels[o[0]] == t for o, t in zip(orders, truth, strict=True))
                model.blend = ("", 0.0)
                p, got = model._fused(te, te_vec, te_groups)
                model.blend = chosen
                n_labels = len(model.labels)
                p = (p - FLOOR / n_labels) / (1 - FLOOR)
                candidates = {"fusion": p}
                for expert in BLEND_EXPERTS:
                    for share in SHARES:  # below MIN_SUPERVISED the classifier is plain neighbour voting
                        blend = (1 - share) * p + share * got[expert] if model.supervised else p
                        candidates[f"{expert}@{share:g}"] = blend
                for cname, q in candidates.items():
                    hits[cname] += int((np.argmax(q, axis=1) == y).sum())
                maj = evaluation.majority_order(tr_y)[0]
                base["majority"] += sum(t == maj for t in truth)
                nn = evaluation._rankings_tfidf_nn(tr, tr_y, te)
                base["tfidf_nn"] += sum(r[0] == t for r, t in zip(nn, truth, strict=True))
                lr = evaluation._rankings_logreg(tr, tr_y, te)
                base["tfidf_logreg"] += sum(r[0] == t for r, t in zip(lr, truth, strict=True))
            best = max(base.values())
            for cname, h in hits.items():
                margins[cname].append(h - best)
            if dump := os.environ.get("TRIAGE_RULES_DUMP"):
                with open(dump, "a", encoding="utf-8") as out:
                    out.write(json.dumps({"set": name, "field": field, "best": best, "hits": hits}) + "\n")
            shown = ("chosen", "embed_rule", "closest_text") if top3 else ("chosen", "fusion", "lr_text@0.4")
            print(
                f"{name:14s} {field:10s} " + "  ".join(f"{c} {hits[c] - best:+d}" for c in shown), flush=True
            )
    fields_n = len(margins["chosen"])
    rows = sorted(margins.items(), key=lambda kv: -sum(kv[1]))
    print(f"# {fields_n} fields; candidate: summed margin over best baseline, wins/levels/losses")
    for cname, m in rows:
        if len(m) != fields_n:
            continue
        w = sum(x > 0 for x in m)
        lv = sum(x == 0 for x in m)
        print(f"{cname:24s} {sum(m):+5d}   {w}/{lv}/{fields_n - w - lv}")


if __name__ == "__main__":
    main(sys.argv[1:])

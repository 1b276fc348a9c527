"""One process, many threads (daphne's thread pool): a thread that sees a new index generation reopens the
embedded Chroma client while others are reading from it. No read in flight may fail because of it."""

import logging
import threading

import numpy as np

from copilot import vectorstore


def _vectors(count: int = 400) -> np.ndarray:
    rng = np.random.default_rng(7)
    vectors = rng.standard_normal((count, 384)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    vectorstore.vectors_upsert(
        ids=list(range(1, count + 1)), embeddings=vectors, metadatas=[{"roles": "|operator|"}] * count
    )
    return vectors


def test_a_reopen_waits_for_the_read_in_flight_and_the_next_read_uses_the_new_client(caplog):
    vectors = _vectors()
    started, proceed = threading.Event(), threading.Event()
    got: list[object] = []

    def slow_read(col):  # a read that is on the client when the other thread decides to reopen it
        started.set()
        proceed.wait(10)
        got.append(col)
        return col.query(query_embeddings=vectors[:1], n_results=3)

    with caplog.at_level(logging.WARNING, logger="copilot.vectorstore"):
        reader = threading.Thread(target=lambda: got.append(vectorstore.vector_read(slow_read)))
        reader.start()
        assert started.wait(10)
        reopener = threading.Thread(target=vectorstore.reopen)
        reopener.start()
        reopener.join(0.5)
        assert reopener.is_alive()  # it waits for the read instead of closing the client under it
        proceed.set()
        reader.join(10)
        reopener.join(10)
    old_collection, result = got
    assert result["ids"][0][0] == "1"  # type: ignore[index]
    assert not [r for r in caplog.records if "read failed" in r.getMessage()]
    assert vectorstore.collection() is not old_collection  # reopened once the read ended
    vectorstore.reopen()


def test_reads_in_flight_survive_another_threads_reopen(caplog):
    vectors = _vectors()
    failures: list[BaseException] = []
    done = threading.Event()

    def reader(seed: int) -> None:
        local = np.random.default_rng(seed)
        try:
            while not done.is_set():
                query = vectors[int(local.integers(0, 400))]
                result = vectorstore.vector_read(
                    lambda col, q=query: col.query(query_embeddings=q.reshape(1, -1), n_results=5)
                )
                assert len(result["ids"][0]) == 5
        except BaseException as error:  # noqa: BLE001 — any failure of a read is what this test looks for
            failures.append(error)

    with caplog.at_level(logging.WARNING, logger="copilot.vectorstore"):
        readers = [threading.Thread(target=reader, args=(seed,)) for seed in range(3)]
        for thread in readers:
            thread.start()
        try:
            for _ in range(25):  # the thread that saw the new generation
                vectorstore.reopen()
        finally:
            done.set()
            for thread in readers:
                thread.join(timeout=60)
    assert not failures, failures[:3]
    assert not [r for r in caplog.records if "read failed" in r.getMessage()]
    vectorstore.reopen()

"""The trained triage engine: trained in the background when the NCR history changes, kept in `TriageModel`.

The worker drafts with the newest ready model (loaded once per process, so a draft only predicts). When the
history has changed since that model was trained, the draft still uses it and a retrain is queued; when there is
no model at all, the first draft trains one in the worker.

The pickled engine is written only by this module from the plant's own NCRs and read back by the same code.
A model is stored with `MODEL_FORMAT`, a digest of the code that pickles it; after an upgrade that changed
that code an older model is never unpickled into the new classes (it would fail, or predict with half its
attributes): it is passed over and the history retrained, as if there were no model yet.
"""

import hashlib
import logging
import pickle
import time
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Max
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from quality.models import NCR, TriageModel, TriageModelState
from quality.triage import TriageEngine, default_embed

logger = logging.getLogger(__name__)
KEEP_MODELS = 3
_PICKLED_CODE = ("triage.py", "classifier.py", "classifier_experts.py", "classifier_scores.py")
MODEL_FORMAT = hashlib.sha256(
    b"".join((Path(__file__).parent / name).read_bytes() for name in _PICKLED_CODE)
).hexdigest()[:16]


def labelled_ncrs():  # noqa: ANN201 - a queryset
    return NCR.objects.exclude(category="").exclude(root_cause_code="")


def history_key() -> str:
    """Changes whenever a labelled NCR is added, removed or edited, and when the model's code changes."""
    got = labelled_ncrs().aggregate(n=Count("id"), last_id=Max("id"), last_change=Max("updated_at"))
    raw = f"{MODEL_FORMAT}:{got['n']}:{got['last_id']}:{got['last_change']}"
    return hashlib.sha256(raw.encode()).hexdigest()[:32]


@dataclass
class _Loaded:
    pk: int
    engine: TriageEngine


_loaded: _Loaded | None = None


def engine_current() -> tuple[TriageEngine | None, TriageModel | None]:
    """The newest ready engine (cached in this process until a newer one is saved)."""
    global _loaded
    row = TriageModel.objects.filter(state=TriageModelState.READY).defer("blob").first()
    if row is None:
        return None, None
    if _loaded is None or _loaded.pk != row.pk:
        blob = TriageModel.objects.filter(pk=row.pk).values_list("blob", flat=True).get()
        engine = _unpickle(bytes(blob))
        if engine is None:
            logger.warning("Triage model %s was trained by another version of the code; retraining", row.pk)
            return None, None
        _loaded = _Loaded(row.pk, engine)
    return _loaded.engine, row


def _unpickle(blob: bytes) -> TriageEngine | None:
    """The engine in `blob` if this code stored it (same `MODEL_FORMAT`), else None."""
    if not blob.startswith(_header()):
        return None  # an older format (or none): never unpickled into today's classes
    try:
        engine = pickle.loads(blob[len(_header()) :])  # noqa: S301 - our own model, see module doc
    except Exception:  # noqa: BLE001 - a damaged blob is a missing model, not a failed draft
        logger.exception("Triage model blob could not be read")
        return None
    return engine if isinstance(engine, TriageEngine) else None


def _header() -> bytes:
    return f"plexcopilot-triage:{MODEL_FORMAT}\n".encode()


def engine_train(*, force: bool = False) -> TriageModel | None:
    """Train on the current history unless the newest model already has it. None when there is no history."""
    from quality.triage_drafts import ncr_history_cases

    key = history_key()
    latest = TriageModel.objects.filter(state=TriageModelState.READY).defer("blob").first()
    if latest is not None and latest.history_key == key and not force:
        return latest
    cases = ncr_history_cases(limit=settings.QUALITY_TRIAGE_TRAIN_LIMIT)
    if not cases:
        return None
    began = time.perf_counter()
    engine = TriageEngine().fit(cases, default_embed())
    seconds = time.perf_counter() - began
    with transaction.atomic():
        row = TriageModel.objects.create(
            trained_at=timezone.now(),
            history_key=key,
            cases=len(engine.cases),
            method=engine.method[:500],
            seconds=round(seconds, 2),
            blob=_header() + pickle.dumps(engine, protocol=pickle.HIGHEST_PROTOCOL),
        )
        old = TriageModel.objects.values_list("pk", flat=True)[KEEP_MODELS:]
        TriageModel.objects.filter(pk__in=list(old)).delete()
    logger.info("Triage model %s trained on %d NCRs in %.1f s: %s", row.pk, row.cases, seconds, row.method)
    return row


def engine_for_draft() -> TriageEngine | None:
    """The engine a draft uses now; queues a retrain when the history moved on since it was trained."""
    engine, row = engine_current()
    if row is None:
        if engine_train() is None:
            return None
        engine, row = engine_current()
        if row is None:  # the newest model could not be read (damaged): train one that can
            engine_train(force=True)
            engine, row = engine_current()
    elif row.history_key != history_key():
        retrain_enqueue()
    return engine


def retrain_enqueue(**_payload: object) -> None:
    """Queue a retrain unless one is already waiting (the NCR_HISTORY_CHANGED handler)."""
    from quality.tasks import triage_model_train_task

    waiting = DBTaskResult.objects.filter(
        task_path__endswith="triage_model_train_task", status__in=["READY"]
    ).exists()
    if not waiting:
        triage_model_train_task.enqueue()

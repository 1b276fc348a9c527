"""A stored triage model from another version of the code (or a damaged one) is passed over and retrained,
never unpickled into today's classes: a plant upgrading keeps getting drafts."""

import hashlib
import pickle

import pytest
from django.db.models import Count, Max

from quality import triage_store
from quality.models import TriageModel, TriageModelState
from quality.triage import Case, TriageEngine

# Which stored model is loaded or retrained: the shipped history (its own dates) in, no plant clock read.
pytestmark = [pytest.mark.django_db, pytest.mark.clock_free]


@pytest.fixture
def trained(history, monkeypatch):
    monkeypatch.setattr(triage_store, "_loaded", None)
    row = triage_store.engine_train()
    assert row is not None and bytes(row.blob).startswith(b"plexcopilot-triage:")
    return row


def _key_before_formats() -> str:
    """`history_key` as the code before model formats computed it."""
    got = triage_store.labelled_ncrs().aggregate(
        n=Count("id"), last_id=Max("id"), last_change=Max("updated_at")
    )
    return hashlib.sha256(f"{got['n']}:{got['last_id']}:{got['last_change']}".encode()).hexdigest()[:32]


def _draft_engine_and_newest():
    engine = triage_store.engine_for_draft()
    return engine, TriageModel.objects.filter(state=TriageModelState.READY).first()


def test_a_model_stored_by_the_code_before_the_upgrade_is_retrained_not_unpickled(trained, monkeypatch):
    engine = pickle.loads(bytes(trained.blob)[len(triage_store._header()) :])  # noqa: S301 - our own
    TriageModel.objects.filter(pk=trained.pk).update(
        blob=pickle.dumps(engine), history_key=_key_before_formats()
    )
    monkeypatch.setattr(triage_store, "_loaded", None)
    loads, real_loads = [], pickle.loads
    monkeypatch.setattr(triage_store.pickle, "loads", lambda blob: loads.append(blob) or real_loads(blob))

    got, newest = _draft_engine_and_newest()

    assert isinstance(got, TriageEngine) and newest.pk != trained.pk
    assert newest.history_key == triage_store.history_key()
    assert len(loads) == 1 and loads[0] != pickle.dumps(engine)  # only the new model was unpickled
    drafted = got.triage(Case(id=0, text="Sensor bore oversize 18.025 mm; insert past its part count"))
    assert drafted.categories and drafted.root_causes


def test_a_damaged_model_of_this_version_is_retrained(trained, monkeypatch):
    TriageModel.objects.filter(pk=trained.pk).update(blob=triage_store._header() + b"not a pickle")
    monkeypatch.setattr(triage_store, "_loaded", None)

    got, newest = _draft_engine_and_newest()

    assert isinstance(got, TriageEngine) and newest.pk != trained.pk

"""Background indexing (django-tasks-db, worked by `manage.py run_worker`): imports, uploads and publishes queue
incremental index work here, so questions never wait for it and keep being answered from the current index."""

from django.tasks import task

from plexcopilot.worker import enqueue_unless_waiting


@task()
def knowledge_index_task() -> str:
    """Index what is new since the last run: published instruction versions and closed NCRs."""
    from copilot.plant_index import instruction_versions_index, ncrs_index

    versions = instruction_versions_index()
    ncrs = ncrs_index()
    return f"{versions} instruction versions, {ncrs} NCRs indexed"


@task()
def library_upload_task(document_id: int, meta: dict[str, str]) -> str:
    """Read and index one uploaded library file (a large PDF takes a while: never in the upload request)."""
    from copilot.uploads import upload_index

    document = upload_index(document_id=document_id, meta=meta)
    return f"{document.index_status}: {document.title}" if document is not None else "removed before indexing"


def knowledge_index_enqueue(**_payload: object) -> bool:
    """Queue one incremental index run unless one is already waiting (a domain-event handler); True if queued."""
    return enqueue_unless_waiting(knowledge_index_task)

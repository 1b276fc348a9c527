"""Issue 19: uploading a library file with the name of an existing upload makes a new version of it — pending
like any upload, the approved version cited until the new one is approved, history kept, citations naming
the version. Nothing is replaced in place."""

import io
import json

import pytest
from django.core.management import call_command
from django.test import Client

from copilot.models import DocumentStatus, KnowledgeDocument
from plexcopilot.models import AuditEvent, Employee

pytestmark = pytest.mark.django_db

ADMIN, QUALITY = "900901", "300301"
QUESTION = "which key resets the die clamp interlock on the transfer press?"


def desk(badge: str) -> Client:
    client = Client()
    client.force_login(Employee.objects.get(badge_id=badge).user)
    return client


@pytest.fixture
def upload(run_worker):
    """Upload a file, then let the background worker read and index it."""

    def post(client: Client, key: str, name: str = "clamp-interlock-reset.md", **fields):
        body = (
            "---\ntitle: Die clamp interlock reset\ntype: troubleshooting\n---\n\n# Reset\n\n"
            f"The die clamp interlock on the transfer press resets with key {key} at the operator panel.\n"
        )
        data = io.BytesIO(body.encode())
        data.name = name
        response = client.post("/copilot/library/upload/", {"file": data, **fields})
        run_worker()
        return response

    return post


def review(client: Client, document: KnowledgeDocument, decision: str = "approve"):
    return client.post(f"/copilot/library/{document.pk}/review/", {"decision": decision})


def ask() -> dict:
    """The answer, and the citation of the uploaded document (None when it is not cited)."""
    out = io.StringIO()
    call_command("ask", QUESTION, "--json", "--type", "troubleshooting", stdout=out)
    answer = json.loads(out.getvalue())
    ours = [c for c in answer["citations"] if c["title"] == "Die clamp interlock reset"]
    answer["ours"] = ours[0] if ours else None
    return answer


def versions() -> list[KnowledgeDocument]:
    return list(
        KnowledgeDocument.objects.filter(title="Die clamp interlock reset").order_by("revision", "pk")
    )


class TestSameNameUpload:
    def test_a_same_named_upload_is_a_new_version_and_the_approved_one_stays_cited_until_it_is_approved(
        self, library, upload
    ):
        admin, quality = desk(ADMIN), desk(QUALITY)
        assert upload(admin, "CK-1").status_code == 302
        (first,) = versions()
        assert review(quality, first).status_code == 302
        answer = ask()
        assert "CK-1" in answer["answer"]
        assert answer["ours"]["version"] == 1

        # Another person uploads a file of the same name: a second document, version 2, waiting.
        response = upload(quality, "CK-7")
        assert response.status_code == 302
        first, second = versions()
        assert (first.revision, first.status) == (1, DocumentStatus.APPROVED)
        assert (second.revision, second.status) == (2, DocumentStatus.PENDING)
        assert first.chunks.filter(text__contains="CK-1").exists()  # not replaced in place
        page = admin.get(response["Location"]).content.decode()
        assert "Uploaded as version 2 of clamp-interlock-reset.md" in page
        answer = ask()
        assert "CK-1" in answer["answer"] and "CK-7" not in answer["answer"]
        assert answer["ours"]["version"] == 1

        # The second person approves version 2: it is cited, version 1 is kept as superseded history.
        assert review(admin, second).status_code == 302
        first, second = versions()
        assert (first.status, second.status) == (DocumentStatus.SUPERSEDED, DocumentStatus.APPROVED)
        answer = ask()
        assert "CK-7" in answer["answer"] and "CK-1" not in answer["answer"]
        assert answer["ours"]["version"] == 2
        page = admin.get("/copilot/library/").content.decode()
        assert "History (2 versions)" in page
        assert "version 1</a> — Replaced by a newer approved version" in page
        summaries = list(
            AuditEvent.objects.filter(action="copilot.document.approve").values_list("summary", flat=True)
        )
        assert any("version 2" in s and "superseding version 1" in s for s in summaries)

        # An answer given while version 1 was current still opens it, marked as superseded.
        old = first.chunks.first()
        page = desk("100101").get(f"/copilot/source/{old.pk}/").content.decode()
        assert 'data-testid="source-superseded"' in page and "version 2 is the current one" in page

    def test_the_history_names_people_by_their_full_name_and_falls_back_to_the_username(
        self, library, upload
    ):
        admin, quality = desk(ADMIN), desk(QUALITY)
        upload(admin, "CK-1")
        review(quality, versions()[0])
        upload(quality, "CK-7")
        uploader, reviewer = (
            Employee.objects.get(badge_id=ADMIN).user,
            Employee.objects.get(badge_id=QUALITY).user,
        )
        assert uploader.get_full_name() and reviewer.get_full_name()
        history = admin.get("/copilot/library/").content.decode().split("History (2 versions)")[1]
        history = history.split("</details>")[0]
        assert f"by {uploader.get_full_name()}; reviewed by {reviewer.get_full_name()}" in history
        assert f"by {ADMIN}" not in history and f"by {QUALITY}" not in history
        reviewer.first_name = reviewer.last_name = ""
        reviewer.save()
        history = admin.get("/copilot/library/").content.decode().split("History (2 versions)")[1]
        assert f"reviewed by {reviewer.get_username()}" in history.split("</details>")[0]

    def test_a_rejected_new_version_leaves_the_approved_one_cited(self, library, upload):
        admin, quality = desk(ADMIN), desk(QUALITY)
        upload(admin, "CK-1")
        review(quality, versions()[0])
        upload(quality, "CK-9")
        assert review(admin, versions()[1], "reject").status_code == 302
        first, second = versions()
        assert (first.status, second.status) == (DocumentStatus.APPROVED, DocumentStatus.REJECTED)
        assert "CK-1" in ask()["answer"]

    def test_an_older_version_cannot_be_approved_over_a_newer_one(self, library, upload):
        admin, quality = desk(ADMIN), desk(QUALITY)
        upload(admin, "CK-1")
        upload(admin, "CK-2")
        first, second = versions()
        assert review(quality, second).status_code == 302
        response = review(quality, first)
        assert response.status_code == 403
        assert "Version 2 of clamp-interlock-reset.md is already approved" in response.content.decode()
        assert versions()[0].status == DocumentStatus.PENDING

    def test_an_identical_upload_makes_no_new_version(self, library, upload):
        admin = desk(ADMIN)
        upload(admin, "CK-1")
        response = upload(admin, "CK-1")
        assert response.status_code == 422
        assert "identical to version 1" in response.content.decode()
        assert len(versions()) == 1

    def test_other_names_are_other_documents(self, library, upload):
        admin = desk(ADMIN)
        upload(admin, "CK-1")
        upload(admin, "CK-3", name="clamp-interlock-reset-line-2.md")
        assert [(d.upload_name, d.revision) for d in versions()] == [
            ("clamp-interlock-reset.md", 1),
            ("clamp-interlock-reset-line-2.md", 1),
        ]

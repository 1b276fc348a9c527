"""Governance figures: sign-and-publish latency, queue and proposal pages, concurrent approvals, audit verify."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor

from django.contrib.auth import authenticate, get_user_model
from django.db import connections
from django.test import Client
from django.test.utils import override_settings

from bench.stats import median, percentile
from instructions.approval import proposal_sign
from instructions.models import WorkInstruction
from instructions.proposal_content import ProposalConflict
from instructions.proposals import proposal_draft
from plexcopilot.models import Employee
from plexcopilot.services import audit_verify
from plexcopilot.signatures import SignatureRefused

PASSWORD = "northfield-demo"


def _propose(instruction: WorkInstruction, n: int, by: object) -> object:
    version = instruction.current_version
    step = version.steps.order_by("order").first()  # type: ignore[union-attr]
    return proposal_draft(
        instruction=instruction, base_version=version, source="engineer_edit",  # type: ignore[arg-type]
        edits=[{"op": "change", "key": step.key, "fields": {"why": f"Bench revision {n}."}}],  # type: ignore[union-attr]
        rationale=f"Bench {n}", evidence=[], proposed_by=by,
    )  # fmt: skip


def _ms(samples: list[float], call) -> None:  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    call()
    samples.append((time.perf_counter() - started) * 1000)


def _ok(response, marker: str) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code == 200 and marker in response.content.decode(), response.status_code


def run() -> dict[str, float]:
    results: dict[str, float] = {}
    supervisor = Employee.objects.get(badge_id="200201").user
    quality = Employee.objects.get(badge_id="300301").user
    instruction = WorkInstruction.objects.get(part__number="BRK-2040", operation__sequence=10)

    # Sign → publish, with the real password hasher (re-authentication is most of it, by design).
    sign_ms: list[float] = []
    for n in range(8):
        proposal = _propose(instruction, n, quality)
        _ms(sign_ms, lambda p=proposal: proposal_sign(proposal=p, user=supervisor,  # type: ignore[misc]
                                                      meaning="approved_for_release", password=PASSWORD))  # fmt: skip
        instruction.refresh_from_db()
    results["governance.sign_and_publish_ms_p50"] = median(sign_ms)
    auth_ms: list[float] = []
    for _ in range(5):
        _ms(auth_ms, lambda: authenticate(None, username=supervisor.get_username(), password=PASSWORD))
    results["governance.password_reauth_ms_p50"] = median(auth_ms)

    # Pages: the queue with 200 pending proposals, one proposal with its 15-step diff.
    for n in range(200):
        last = _propose(instruction, 100 + n, quality)
    client = Client(HTTP_HOST="localhost")
    client.force_login(supervisor)
    queue_ms: list[float] = []
    detail_ms: list[float] = []
    for _ in range(30):
        _ms(queue_ms, lambda: _ok(client.get("/governance/queue/"), "Review"))
        _ms(detail_ms, lambda: _ok(client.get(f"/governance/proposals/{last.pk}/"), 'data-testid="diff"'))  # type: ignore[attr-defined]
    results["governance.queue_page_200_pending_ms_p50"] = median(queue_ms)
    results["governance.proposal_page_ms_p50"] = median(detail_ms)
    results["governance.proposal_page_ms_p95"] = percentile(detail_ms, 95)

    # 1,000 concurrent approval attempts on 16 threads against 5 proposals on one base (fast test hasher).
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        signers = []
        for n in range(4):
            user, _ = get_user_model().objects.get_or_create(username=f"bench-sup-{n}")
            user.set_password(PASSWORD)
            user.save()
            employee = Employee(user=user, badge_id=f"bench-{n}", first_name="Bench", last_name=str(n),
                                role="supervisor")  # fmt: skip
            employee.set_pin("0000")
            employee.save()
            signers.append(user)
        instruction.refresh_from_db()
        before = instruction.versions.count()
        proposals = [_propose(instruction, 1000 + n, quality) for n in range(5)]
        published = []
        lock = threading.Lock()

        def attempt(n: int) -> None:
            try:
                outcome = proposal_sign(proposal=proposals[n % 5], user=signers[n % 4],  # type: ignore[arg-type]
                                        meaning="approved_for_release", password=PASSWORD)  # fmt: skip
                if outcome.published is not None:
                    with lock:
                        published.append(outcome.published.pk)
            except (ProposalConflict, SignatureRefused):
                pass
            finally:
                connections.close_all()

        started = time.perf_counter()
        with ThreadPoolExecutor(16) as pool:
            list(pool.map(attempt, range(1000)))
        results["governance.concurrent_1000_approvals_wall_s"] = time.perf_counter() - started
        results["governance.concurrent_double_publishes"] = instruction.versions.count() - before - 1
        results["governance.concurrent_publishes_reported"] = len(published)

    started = time.perf_counter()
    intact, count, _problem = audit_verify()
    elapsed = time.perf_counter() - started
    results["governance.audit_verify_events_per_s"] = count / elapsed if elapsed else 0.0
    results["governance.audit_chain_intact"] = 1.0 if intact else 0.0
    return results

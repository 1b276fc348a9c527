"""The crawl: the full demo plant, every role, every URL pattern with real ids, every link on every page.

For each role: GET and an empty POST on every URL pattern (each request in a savepoint rolled back, so one
request cannot change what the next one sees), asserting no server error, a refusal (403, or a redirect to a
sign-in page) where the role must not go, and that every link and image on every page the role is shown leads
somewhere that role may open. Admin pages are Django's: their own links are not followed, links out of them are.
"""

import traceback
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings
from django.urls import Resolver404, resolve, reverse
from django.utils import timezone

from copilot.library_files import library_ingest_paths
from copilot.models import CopilotQuestion
from instructions.models import Execution
from languages.models import TranslationReview
from materials.models import KanbanChange, KanbanLoop
from tests.copilot.sources_fixtures import write_sources
from tests.plexcopilot import crawl

pytestmark = pytest.mark.crawl

SIGN_IN_NAMES = {"account-login", "admin:login", "station-list", "station-signin"}
OK_ALLOWED = {200, 204, 302, 303, 400, 405, 409, 422}


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker, tmp_path_factory):
    """`make demo`'s loaders, once for the module, rolled back at its end."""
    media = tmp_path_factory.mktemp("crawl-media")
    chroma = tmp_path_factory.mktemp("crawl-chroma")
    demo_library = str(crawl.settings.BASE_DIR / "demo" / "library")
    with (
        override_settings(
            MEDIA_ROOT=media,
            COPILOT_CHROMA_DIR=chroma,
            COPILOT_UPLOAD_DIR=tmp_path_factory.mktemp("crawl-uploads"),
            COPILOT_LIBRARY_DIRS=[demo_library],
            CHROMA_URL="",
            LLM_BASE_URL="",
            STATION_IDLE_TIMEOUT_SECONDS=24 * 3600,
            PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
        ),
        django_db_blocker.unblock(),
        transaction.atomic(),
    ):
        for name, *args in crawl.demo_commands():
            call_command(
                name, *(str(crawl.settings.BASE_DIR / a) if "/" in a else a for a in args), verbosity=0
            )
        # A maintenance log and a video clip with transcripts: the demo library has neither kind yet.
        library_ingest_paths(paths=[write_sources(tmp_path_factory.mktemp("crawl-sources"))])
        contexts = _role_contexts()
        # What a machine translation backend queues for a supervisor (the demo installs none).
        TranslationReview.objects.create(language="es", source_text="Check the die set.", source_hash="crawl",
                                         machine_text="Revise el juego de troqueles.", backend="crawl")  # fmt: skip
        call_command("quality_scan", verbosity=0)
        for _client, ctx in contexts.values():
            ctx.ids = crawl.demo_ids()
        yield {"media": media, "contexts": contexts}
        transaction.set_rollback(True)


def _role_contexts() -> dict:
    """Each role signed in; each operator scans a work order at its station (its own execution) and asks once."""
    contexts = {}
    for role in crawl.ROLES:
        client = crawl.sign_in(role)
        ctx = crawl.Ctx(role=role)
        if role in crawl.OPERATORS:
            ctx.station_code = crawl.OPERATORS[role][1]
            barcode = {"ST-PRS-400": "WO-24123-10", "ST-INS-LT1": "WO-24119-20"}[ctx.station_code]
            response = client.post("/station/scan/", {"code": barcode})
            assert response.status_code == 302, (role, response.status_code, response.content[:300])
            ctx.execution_id = int(response["Location"].strip("/").split("/")[-2])
            ctx.work_order_id = Execution.objects.get(pk=ctx.execution_id).work_order_id
            client.post(
                f"/copilot/ask/{ctx.execution_id}/1/", {"question": "What torque for the clamp bolts?"}
            )
            ctx.question_id = (
                CopilotQuestion.objects.filter(operator__badge_id=crawl.OPERATORS[role][0]).get().pk
            )
            if role == "op-expert":  # a run of out-of-spec readings: quality gets a trend alert
                step = Execution.objects.get(pk=ctx.execution_id).version.steps.filter(
                    spec_upper__isnull=False).order_by("order").first()  # fmt: skip
                for _ in range(3):
                    url = f"/station/run/{ctx.execution_id}/{step.order}/measure/"
                    client.post(url, {"value": str(step.spec_upper + 50)})
            loop = KanbanLoop.objects.filter(location__work_center__stations__code=ctx.station_code).first()
            if loop is not None:  # an empty kanban card scanned at the station: a call-off for the handler
                client.post("/materials/station/call/", {"card": f"KB-{loop.pk}-1"})
        contexts[role] = (client, ctx)
    contexts["supervisor"][0].post("/materials/evaluate/")  # buffers: call-offs and kanban suggestions
    if not KanbanChange.objects.exists():  # what weeks of red buffers propose (the demo has days, not weeks)
        loop = KanbanLoop.objects.order_by("pk").first()
        KanbanChange.objects.create(loop=loop, old_card_count=loop.card_count, card_count=loop.card_count + 1,
                                    old_quantity_per_card=loop.quantity_per_card,
                                    quantity_per_card=loop.quantity_per_card, reason="Red in 60% (crawl)",
                                    created_at=timezone.now())  # fmt: skip
    return contexts


class Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        for attribute in {"a": ("href", "hx-get"), "img": ("src",), "form": ("hx-get",)}.get(
            tag, ("hx-get",)
        ):
            if values.get(attribute):
                self.links.append(values[attribute])


def _internal(base: str, link: str) -> str | None:
    if link.startswith(("#", "mailto:", "javascript:", "data:", "tel:")):
        return None
    url = urljoin(base, link)
    parts = urlsplit(url)
    if parts.netloc not in ("", "testserver") or parts.path.startswith(("/static/", "/media/")):
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _request(client, method: str, url: str):
    """One request in a savepoint rolled back afterwards; a raised exception counts as the 500 it would be."""
    sid = transaction.savepoint()
    try:
        response = getattr(client, method)(url, HTTP_ACCEPT="text/html")
        return response.status_code, response, ""
    except Exception:
        return 500, None, traceback.format_exc(limit=-4)
    finally:
        transaction.savepoint_rollback(sid)


def _name(url: str) -> str | None:
    try:
        match = resolve(urlsplit(url).path)
    except Resolver404:
        return None
    return match.view_name


def _to_sign_in(response) -> bool:
    return _name(response["Location"]) in SIGN_IN_NAMES


def _refused(status: int, response) -> bool:
    if status in (403, 404):
        return True
    if status in (302, 303):
        return _to_sign_in(response)
    return status == 405  # a GET on a POST-only view: refused before any role check, reveals nothing


def _allowed(status: int, response, name: str, role: str) -> bool:
    if name.startswith("admin:") and status == 403:
        return True  # read-only records: the admin shows them and refuses to add, change or delete
    if status not in OK_ALLOWED:
        return False
    if status in (302, 303) and crawl.access(name) != crawl.EVERYONE:
        return not _to_sign_in(response)
    return True


def _targets(role: str, ctx) -> list[tuple[str, str]]:
    targets, missing = [], []
    for pattern in crawl.url_patterns():
        if not pattern.params:
            targets.append((pattern.name, reverse(pattern.name)))
            continue
        try:
            if pattern.name.startswith("admin:"):
                kwarg_sets = crawl.admin_kwargs(pattern.name, pattern.params)
            elif pattern.name in crawl.IDS:
                kwarg_sets = crawl.IDS[pattern.name](ctx)
            else:
                raise LookupError("no entry in tests/plexcopilot/crawl.py IDS: register the ids it needs")
        except LookupError as error:
            missing.append(f"{pattern.name}: {error}")
            continue
        for kwargs in kwarg_sets:
            targets.append((pattern.name, reverse(pattern.name, kwargs=kwargs)))
    assert not missing, "The crawl cannot fill these URL patterns:\n" + "\n".join(missing)
    return targets


@pytest.mark.parametrize("role", crawl.ROLES)
def test_every_url_for_every_role(demo, role, settings, db):
    settings.MEDIA_ROOT = demo["media"]
    settings.STATION_IDLE_TIMEOUT_SECONDS = 24 * 3600
    client, ctx = demo["contexts"][role]
    problems: list[str] = []
    pages: list[tuple[str, object]] = []
    for name, url in _targets(role, ctx):
        allowed = role in crawl.access(name)
        methods = ["get"] if name in crawl.NO_POST else ["get", "post"]
        for method in methods:
            status, response, error = _request(client, method, url)
            if status >= 500:
                problems.append(f"{method.upper()} {url} ({name}) → {status}\n{error}")
            elif allowed and not _allowed(status, response, name, role):
                where = response.get("Location", "") if response is not None else ""
                problems.append(f"{method.upper()} {url} ({name}) → {status} {where}: {role} may open it")
            elif not allowed and not _refused(status, response):
                problems.append(f"{method.upper()} {url} ({name}) → {status}: {role} must be refused")
            if (
                method == "get"
                and status == 200
                and response is not None
                and response.get("Content-Type", "").startswith("text/html")
            ):
                pages.append((url, response))
    checked: dict[str, int] = {}  # each link target once per role
    for url, response in pages:
        if url.startswith("/admin/"):
            continue
        parser = Links()
        parser.feed(response.content.decode())
        for link in parser.links:
            target = _internal(url, link)
            if target is None or target.startswith("/admin/") and role == "admin":
                continue
            if target in checked:
                continue
            checked[target] = 0
            name = _name(target)
            if name is None:
                problems.append(f"link {target} on {url}: no such URL")
                continue
            if role not in crawl.access(name):
                problems.append(f"link {target} ({name}) on {url}: {role} may not open it")
                continue
            status, linked, _error = _request(client, "get", target)
            checked[target] = status
            if status not in (200, 302, 304) or (status == 302 and not _allowed(status, linked, name, role)):
                problems.append(f"link {target} on {url} → {status} for {role}")
    assert not problems, f"{len(problems)} problems for {role}:\n" + "\n".join(problems)

"""The crawl: the full demo plant, every role, every URL pattern with real ids, every link on every page.

For each role: GET and an empty POST on every URL pattern (each request in a savepoint rolled back, so one
request cannot change what the next one sees), asserting no server error, a refusal (403, or a redirect to a
sign-in page) where the role must not go, and that every link and image on every page the role is shown leads
somewhere that role may open. Admin pages are Django's: their own links are not followed, links out of them are.
The demo plant and the signed-in roles: conftest.py's `demo` fixture.
"""

from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
from django.urls import Resolver404, resolve

from tests.plexcopilot import crawl

pytestmark = pytest.mark.crawl

SIGN_IN_NAMES = {"account-login", "admin:login", "station-list", "station-signin"}
OK_ALLOWED = {200, 204, 302, 303, 400, 401, 405, 409, 422}  # 401: the sign-in page refusing a badge or PIN


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


@pytest.mark.parametrize("role", crawl.ROLES)
def test_every_url_for_every_role(demo, role, settings, db):
    settings.MEDIA_ROOT = demo["media"]
    settings.STATION_IDLE_TIMEOUT_SECONDS = 24 * 3600
    client, ctx = demo["contexts"][role]
    problems: list[str] = []
    pages: list[tuple[str, object]] = []
    for name, url in crawl.targets(ctx):
        allowed = role in crawl.access(name)
        methods = ["get"] if name in crawl.NO_POST else ["get", "post"]
        for method in methods:
            status, response, error = crawl.request(client, method, url)
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
            status, linked, _error = crawl.request(client, "get", target)
            checked[target] = status
            if status not in (200, 302, 304) or (status == 302 and not _allowed(status, linked, name, role)):
                problems.append(f"link {target} on {url} → {status} for {role}")
    assert not problems, f"{len(problems)} problems for {role}:\n" + "\n".join(problems)

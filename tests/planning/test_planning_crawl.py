"""Every planning URL pattern, for every role: no 500, 403 where the role must not go, the login page for
anonymous visitors, and no link on a page that its viewer cannot open.

Issue 19's suite-wide crawl (tests/plexcopilot/test_crawl.py) registers the same ids once it is on main; until
then this crawl covers planning. A new planning URL fails here until it is given an entry in ACCESS and IDS."""

import re
from urllib.parse import urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.urls.exceptions import Resolver404

from instructions.models import WorkCenter
from planning.models import Plan, PlanStatus
from planning.triggers import hold_record
from planning.whatif import scenarios_generate
from tests.actors import make_employee

pytestmark = pytest.mark.django_db(transaction=True)

ROLES = ["anonymous", "operator", "quality", "material_handler", "supervisor", "planner", "admin"]
BOARD = {"supervisor", "planner", "admin"}
SIGNED_IN = set(ROLES) - {"anonymous"}

# name → (method, roles allowed, status for an allowed role)
ACCESS = {
    "planning-board": ("GET", BOARD, 200),
    "planning-whatif": ("POST", BOARD, 422),  # an empty form: its errors, nothing solved
    "planning-scenario": ("GET", BOARD, 200),
    "planning-scenario-sign": ("POST", BOARD, 422),  # no password: refused, nothing released
    "planning-dispatch": ("GET", SIGNED_IN, 200),
}
# name → ids its kwargs need (from the demo week, a Hold scenario, and ids that do not exist)
IDS = {
    "planning-scenario": lambda ids: [{"plan_id": ids["draft"]}, {"plan_id": ids["released"]}],
    "planning-scenario-sign": lambda ids: [{"plan_id": ids["draft"]}],
    "planning-dispatch": lambda ids: [{"code": code} for code in ids["work_centers"]],
}
MISSING = {"planning-scenario": {"plan_id": 999999}, "planning-dispatch": {"code": "NO-SUCH-WC"}}


def planning_patterns() -> dict[str, tuple[str, set[str]]]:
    """Every URL name served by planning.views: its route and its kwargs."""
    found: dict[str, tuple[str, set[str]]] = {}

    def walk(patterns, prefix: str) -> None:
        for p in patterns:
            if isinstance(p, URLResolver):
                walk(p.url_patterns, prefix + str(p.pattern))
            elif isinstance(p, URLPattern) and p.callback.__module__ == "planning.views":
                route = prefix + str(p.pattern)
                found[p.name] = (route, set(re.findall(r"<(?:\w+:)?(\w+)>", route)))

    walk(get_resolver().url_patterns, "/")
    return found


def url_for(route: str, kwargs: dict) -> str:
    return re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(kwargs[m.group(1)]), route)


def clients() -> dict[str, Client]:
    result = {"anonymous": Client()}
    for n, role in enumerate(ROLES[1:]):
        client = Client()
        employee = make_employee(f"96{n:04d}", role)
        if role == "admin":  # the plant admin is staff (the demo's 900901 too)
            get_user_model().objects.filter(pk=employee.user_id).update(is_staff=True, is_superuser=True)
        client.force_login(employee.user)
        result[role] = client
    return result


LINK = re.compile(r'(?:href|action|hx-get|hx-post)="(/[^"]*)"')


def test_every_planning_url_for_every_role(demo_schedule, clock):
    patterns = planning_patterns()
    assert set(patterns) == set(ACCESS), "register new planning URLs in ACCESS (and IDS for their kwargs)"
    for name, (_route, params) in patterns.items():
        assert not params or name in IDS, f"{name} needs ids for {params}"

    trigger = hold_record(work_center=WorkCenter.objects.get(code="PRS-400"), kind="hold",
                          now=demo_schedule_now(), hours=4)  # fmt: skip
    scenarios_generate(trigger, now=demo_schedule_now(), time_limit=0.5)
    ids = {
        "draft": Plan.objects.filter(status=PlanStatus.DRAFT).order_by("rank").first().pk,
        "released": Plan.objects.get(status=PlanStatus.RELEASED).pk,
        "work_centers": list(WorkCenter.objects.order_by("code").values_list("code", flat=True)),
    }
    by_role = clients()
    problems: list[str] = []
    pages: dict[str, list[tuple[str, str]]] = {role: [] for role in ROLES}
    for name, (route, params) in sorted(patterns.items()):
        method, allowed, ok_status = ACCESS[name]
        for kwargs in IDS[name](ids) if params else [{}]:
            url = url_for(route, kwargs)
            for role, client in by_role.items():
                response = client.post(url, {}) if method == "POST" else client.get(url)
                expected = 302 if role == "anonymous" else ok_status if role in allowed else 403
                if response.status_code != expected:
                    problems.append(f"{role} {method} {url}: {response.status_code}, expected {expected}")
                elif role == "anonymous" and "/login" not in response["Location"]:
                    problems.append(f"anonymous {url} → {response['Location']}, not the sign-in page")
                elif response.status_code == 200 and method == "GET":
                    pages[role].append((url, response.content.decode()))
                if method == "POST":  # a POST the crawl sends must not change the plans
                    assert Plan.objects.filter(status=PlanStatus.RELEASED).count() == 1
                    assert not Plan.objects.exclude(version=None).filter(version__gt=1).exists()
                    other = client.get(url)
                    if other.status_code == 500:
                        problems.append(f"{role} GET {url}: 500")
        if name in MISSING:
            url = url_for(route, MISSING[name])
            for role in allowed:
                status = by_role[role].get(url).status_code
                if status != 404:
                    problems.append(f"{role} GET {url}: {status}, expected 404")

    # Every link, form action and htmx source on a page its viewer got must open for that viewer.
    for role, seen in pages.items():
        client = by_role[role]
        checked: set[str] = set()
        for page, body in seen:
            for link in set(LINK.findall(body)):
                path = urlsplit(link).path
                if path in checked or path.startswith(("/static/", "/ws/")):
                    continue
                checked.add(path)
                try:
                    match = resolve(path)
                except Resolver404:
                    problems.append(f"{role} on {page}: link {link} resolves to nothing")
                    continue
                if match.url_name in ("account-logout",):
                    continue
                is_form = re.search(rf'action="{re.escape(link)}"', body)
                response = client.post(path, {}) if is_form else client.get(path)
                if response.status_code >= 500 or response.status_code in (403, 404):
                    problems.append(f"{role} on {page}: {link} gives {response.status_code}")
                elif response.status_code == 302 and "login" in response["Location"]:
                    problems.append(f"{role} on {page}: {link} sends to sign-in")
    assert not problems, "\n".join(problems)
    assert {"planner", "supervisor", "admin"} <= {r for r, s in pages.items() if s}


def test_planning_admin_pages_by_role(demo_schedule, clock):
    """The planning models' admin pages: the plant admin opens them (plans are read-only there: no add, no
    delete), every other role is sent to sign in."""
    from django.contrib import admin

    from plexcopilot.admin import ReadOnlyAdmin

    by_role = clients()
    urls = []
    read_only = set()
    for model, model_admin in admin.site._registry.items():
        if model._meta.app_label != "planning":
            continue
        base = f"/admin/planning/{model._meta.model_name}/"
        urls += [base, base + "add/"]
        first = model.objects.order_by("pk").first()
        if first is not None:
            urls += [f"{base}{first.pk}/change/", f"{base}{first.pk}/history/", f"{base}{first.pk}/delete/"]
        if isinstance(model_admin, ReadOnlyAdmin):
            read_only |= {base + "add/", f"{base}{first.pk}/delete/" if first else ""}
    assert len(urls) >= 20 and read_only
    problems = []
    for role, client in by_role.items():
        for url in urls:
            response = client.get(url)
            expected = (403 if url in read_only else 200) if role == "admin" else 302
            if response.status_code != expected:
                problems.append(f"{role} {url}: {response.status_code}")
    assert not problems, "\n".join(problems)


def demo_schedule_now():
    import datetime

    from django.utils import timezone

    return timezone.now() + datetime.timedelta(hours=7)  # Monday 07:20, first shift running

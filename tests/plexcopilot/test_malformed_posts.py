"""Bad input gets a clear message and loses nothing: malformed values in every POST form of every page.

The crawl's world (conftest.py's `demo`: the full demo plant, every role signed in). For each role, every page it
may open is fetched, and each <form method=post> (or hx-post) on it is parsed: its inputs, selects, textareas
and named buttons with their current values. Then, one field at a time (the others at their current values),
malformed values are POSTed to the form's action (htmx forms with HX-Request, as htmx sends them): a NUL byte
in every field, and a value that is not among the options of a select, radio or button; then, sampled
deterministically (at most PER_FIELD values a field, turning with the field so the forms together try them
all), a 10,000-character string, and where a number is expected a word, a negative, an overflowing and a
non-finite number and an id no record has; an impossible date or time where one is expected. Free-text fields
get one of the number and date values too, picked per field, so a number parsed from a plain text box is tried.

Each request is rolled back (a savepoint), so nothing one submit does is seen by the next. Asserted: no server
error, and a refusal answered on the page (200, 400, 409, 422) says why. A form already fuzzed (same view, same
field names) is not fuzzed again for another role or page, and a page an earlier role fetched is not fetched
again (a form only a later role is shown on a shared page is missed: the runtime stays well under the crawl's).
Django's admin: only the change forms of the project's own ModelAdmins, one malformed value in one field each
(picked deterministically; its pages are slow to render, and its forms and validators are Django's own).
"""

import functools
import os
import re
import zlib
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin, urlsplit

import pytest
from django.contrib import admin
from django.db import connection
from django.urls import Resolver404, resolve

from tests.plexcopilot import crawl
from tests.plexcopilot.test_app_dependencies import ALLOWED

# Malformed input is refused alike at any hour: CI's awkward-clock runs skip this (clock_free), the crawl covers
# every page at those hours. It runs on PostgreSQL, which refuses what SQLite stores (a NUL byte, an integer past
# 64 bits): CI's PostgreSQL run; MALFORMED_POSTS=1 runs it on SQLite too (a second demo plant load: ~8 min).
pytestmark = [
    pytest.mark.crawl,
    pytest.mark.clock_free,
    pytest.mark.skipif(
        connection.vendor != "postgresql" and not os.environ.get("MALFORMED_POSTS"),
        reason="runs on PostgreSQL (CI's PostgreSQL run), or with MALFORMED_POSTS=1",
    ),
]

LONG = "x" * 10_000
NUL = "bad\x00value"
NUMBERS = ["twelve", "-1", "1e309", "99999999999999999999", "999999"]
DATES = ["2026-02-30"]
TIMES = ["25:61"]
DATETIMES = ["2026-02-30T25:61"]
NOT_AN_OPTION = "not-an-option"
UNTYPED = [*NUMBERS[:4], *DATES, *TIMES]  # one of these, picked per field, for a free-text field
NEVER = {"csrfmiddlewaretoken"}
PER_FIELD = 4  # malformed values a field at most (the runtime: CI runs the suite five times on two cores)
# A refusal on the page says why: one of these marks the message (the app's alerts, Django's form errors).
MESSAGE = re.compile(
    r'alert-error|alert-warning|errorlist|errornote|role="alert"|class="[^"]*\berrors?\b', re.I
)
ANSWERED = {200, 400, 401, 409, 422}
# A free text may take any of these values as typed (a note saying "25:61"), and a checkbox is ticked by any
# value: a 200 answer to them may be the submit done. Anywhere else a 200 answer is the form back, refused.
FREE = {"text", "search", "textarea", "checkbox", "email", "url"}
NUMERIC = re.compile(r"^-?\d+([.,]\d+)?$")


@dataclass
class Field:
    name: str
    kind: str  # input type, "select", "textarea" or "button"
    value: str | None  # the value a browser would send (None: not sent, an unchecked box)
    options: list[str] = field(default_factory=list)
    numeric: bool = False  # type=number, inputmode numeric/decimal, or a number already in it


@dataclass
class Form:
    action: str
    htmx: bool
    fields: list[Field] = field(default_factory=list)

    def data(self) -> dict[str, str]:
        sent: dict[str, str] = {}
        for f in self.fields:
            if f.value is not None and f.name not in sent:
                sent[f.name] = f.value
        return sent


class Forms(HTMLParser):
    """Every POST form of a page (and any other element with hx-post), with its named controls."""

    def __init__(self, base: str) -> None:
        super().__init__(convert_charrefs=True)
        self.base = base
        self.forms: list[Form] = []
        self.form: Form | None = None
        self.select: Field | None = None
        self.textarea: Field | None = None
        self.buttons: set[str] = set()  # the first named button of a form is the one pressed

    def handle_starttag(self, tag, attrs):
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            post = a.get("method", "").lower() == "post" or "hx-post" in a
            target = a.get("hx-post") or a.get("action") or self.base
            self.form = Form(urljoin(self.base, target), "hx-post" in a) if post else None
            if self.form is not None:
                self.forms.append(self.form)
            self.buttons = set()
            return
        if "hx-post" in a:  # an hx-post outside a form: a button or link posting on its own
            own = Form(urljoin(self.base, a["hx-post"]), True)
            if a.get("name"):
                own.fields.append(Field(a["name"], "button", a.get("value", ""), [a.get("value", "")]))
            self.forms.append(own)
        if self.form is None or "disabled" in a:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = a.get("type", "text").lower()
            if kind in ("file", "image", "reset"):
                return
            value = a.get("value", "on" if kind in ("checkbox", "radio") else "")
            if kind in ("checkbox", "radio"):
                existing = next((f for f in self.form.fields if f.name == name and f.kind == kind), None)
                if existing is not None:
                    existing.options.append(value)
                    if "checked" in a and existing.value is None:
                        existing.value = value
                    return
                self.form.fields.append(Field(name, kind, value if "checked" in a else None, [value]))
                return
            if kind == "submit":
                self._button(name, a.get("value", ""))
                return
            numeric = (
                kind in ("number", "range")
                or a.get("inputmode") in ("numeric", "decimal")
                or bool(NUMERIC.match(value))
            )
            self.form.fields.append(Field(name, kind, value, numeric=numeric))
        elif tag == "select" and name:
            self.select = Field(name, "select", None)
            self.form.fields.append(self.select)
        elif tag == "option" and self.select is not None:
            value = a.get("value", "")
            self.select.options.append(value)
            if self.select.value is None or "selected" in a:
                self.select.value = value
        elif tag == "textarea" and name:
            self.textarea = Field(name, "textarea", "")
            self.form.fields.append(self.textarea)
        elif tag == "button" and name and a.get("type", "submit").lower() == "submit":
            self._button(name, a.get("value", ""))

    def _button(self, name: str, value: str) -> None:
        existing = next((f for f in self.form.fields if f.name == name and f.kind == "button"), None)
        if existing is not None:
            existing.options.append(value)
        elif not self.buttons:
            self.form.fields.append(Field(name, "button", value, [value]))
        else:
            self.form.fields.append(Field(name, "button", None, [value]))
        self.buttons.add(name)

    def handle_data(self, data):
        if self.textarea is not None:
            self.textarea.value = (self.textarea.value or "") + data

    def handle_endtag(self, tag):
        if tag == "form":
            self.form = None
        elif tag == "select":
            if self.select is not None:
                self.select.numeric = any(NUMERIC.match(o) for o in self.select.options if o)
            self.select = None
        elif tag == "textarea":
            self.textarea = None


def _pick(key: str, values: list) -> Any:
    return values[zlib.crc32(key.encode()) % len(values)]


def malformed(view: str, f: Field) -> list[str]:
    """The malformed values for one field (deterministic): a NUL byte always (PostgreSQL refuses it in text);
    a choice's value not among its options; then at most PER_FIELD - 1 more of the values for its kind, in an
    order that turns with the field, so the forms together try them all."""
    key = f"{view}:{f.name}"
    if view.startswith("admin:"):  # Django's forms: one value in one field a form (see _admin_field)
        return [_pick(key, [LONG, NUL, *NUMBERS, *DATES] if f.numeric else [LONG, NUL])]
    values = [NUL, NOT_AN_OPTION] if f.kind in ("select", "radio", "button") else [NUL]
    more = [LONG]
    if f.numeric or f.kind in ("number", "range"):
        more += NUMBERS
    elif f.kind == "date":
        more += DATES
    elif f.kind == "time":
        more += TIMES
    elif f.kind == "datetime-local":
        more += DATETIMES
    elif f.kind in ("text", "search", "hidden", "textarea", "password", "tel"):
        more.append(_pick(key, UNTYPED))
    turn = zlib.crc32(key.encode()) % len(more)
    return values + (more[turn:] + more[:turn])[: PER_FIELD - len(values)]


def _view(url: str) -> str | None:
    try:
        return resolve(urlsplit(url).path).view_name
    except Resolver404:
        return None


@functools.cache
def _project_admin_changes() -> frozenset[str]:
    """The change pages of the project's own ModelAdmins that may change records (not Django's, not the
    read-only records'), as URL names."""
    return frozenset(
        f"admin:{model._meta.app_label}_{model._meta.model_name}_change"
        for model, model_admin in admin.site._registry.items()
        if model._meta.app_label in ALLOWED
        and type(model_admin).has_change_permission is admin.ModelAdmin.has_change_permission
    )


def _admin_field(view: str, form: Form) -> list[Field]:
    """The one field of an admin form that gets a malformed value (the admin's pages are slow to render: one
    POST a form keeps the admin's share of the runtime small), the first row of an inline only."""
    fields = [
        f for f in form.fields if f.name not in NEVER and not re.search(r"-([1-9]\d*|__prefix__)-", f.name)
    ]
    return [_pick(view, fields)] if fields else []


def _fuzzable(name: str) -> bool:
    if name in crawl.NO_POST:
        return False
    return not name.startswith("admin:") or name in _project_admin_changes()


def _forms_of(role: str, ctx, client, fetched: set[str], problems: list[str]) -> list[tuple[str, Form]]:
    """Each POST form on each page the role may open and no role before it opened, as (page URL, form)."""
    found = []
    for name, url in crawl.targets(ctx):
        if role not in crawl.access(name) or not _fuzzable(name) or url in fetched:
            continue
        fetched.add(url)
        status, response, error = crawl.request(client, "get", url)
        if status >= 500:
            problems.append(f"GET {url} ({name}) → {status}\n{error}")
        if status != 200 or not response.get("Content-Type", "").startswith("text/html"):
            continue
        parser = Forms(url)
        parser.feed(response.content.decode())
        found += [(url, form) for form in parser.forms]
    return found


def _says_why(response) -> bool:
    if not response.get("Content-Type", "").startswith("text/html"):
        return bool(response.content.strip())
    return bool(MESSAGE.search(response.content.decode(errors="replace")))


@pytest.mark.parametrize("role", crawl.ROLES)
def test_malformed_values_in_every_form(demo, role, settings, db):
    settings.MEDIA_ROOT = demo["media"]
    settings.STATION_IDLE_TIMEOUT_SECONDS = 24 * 3600
    client, ctx = demo["contexts"][role]
    fuzzed = demo.setdefault("fuzzed", set())  # (view, field names): each form once across roles and pages
    fetched = demo.setdefault("fetched", set())  # each page once across roles
    problems: list[str] = []
    for page, form in _forms_of(role, ctx, client, fetched, problems):
        view = _view(form.action)
        if view is None or not _fuzzable(view) or role not in crawl.access(view):
            continue
        key = (view, tuple(sorted({f.name for f in form.fields})))
        if key in fuzzed:
            continue
        fuzzed.add(key)
        path = urlsplit(form.action).path + (
            f"?{urlsplit(form.action).query}" if urlsplit(form.action).query else ""
        )
        headers = {"HTTP_HX_REQUEST": "true"} if form.htmx else {}
        base = form.data()
        for f in _admin_field(view, form) if view.startswith("admin:") else form.fields:
            if f.name in NEVER:
                continue
            for value in malformed(view, f):
                data = {**base, f.name: value}
                status, response, error = crawl.request(client, "post", path, data, **headers)
                shown = repr(value if len(value) < 30 else f"{value[:10]}…({len(value)} chars)")
                where = f"POST {path} ({view}, form on {page}) {f.name}={shown}"
                if status >= 500:
                    problems.append(f"{where} → {status}\n{error}")
                elif status in ANSWERED and (status != 200 or f.kind not in FREE) and not _says_why(response):
                    problems.append(f"{where} → {status} without a message")
    assert not problems, f"{len(problems)} problems for {role}:\n" + "\n".join(problems)

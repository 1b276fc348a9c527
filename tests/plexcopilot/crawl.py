"""The crawl's knowledge of the app: who may open what, and the real ids every URL pattern needs.

A new URL pattern with kwargs must be registered in IDS (the crawl fails loudly otherwise), and every new
URL name must say who may open it in ACCESS (likewise).
"""

import re
import tomllib
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.conf import settings
from django.contrib import admin
from django.db import transaction
from django.db.models import F
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

# --- Roles -----------------------------------------------------------------------------------------------------

OPERATORS = {  # each demo operator kind, signed in at a station of their own work center
    "op-expert": ("100101", "ST-PRS-400"),  # Ana, expert, Spanish
    "op-certified": ("100111", "ST-PRS-400"),  # Hannah, certified
    "op-trainee": ("100107", "ST-PRS-400"),  # Dwayne, trainee
    "op-lapsed": ("100103", "ST-INS-LT1"),  # Krzysztof, LEAK-TEST certification expired, Polish
}
# Desk roles sign in as the demo's first employee holding that Employee.role (never a hard-coded badge: the
# demo loaders of planning/ and materials/ decide who the planner and the material handler are).
DESK = ["supervisor", "quality", "planner", "material_handler", "admin"]
ROLES = ["anonymous", *OPERATORS, *DESK]
STATION = frozenset(OPERATORS)
SIGNED_IN = frozenset(ROLES) - {"anonymous"}
EVERYONE = frozenset(ROLES)


def desk(*roles: str) -> frozenset[str]:
    return frozenset({*roles, "admin"})


SUPERVISOR_OR_QUALITY = desk("supervisor", "quality")

# Who may open each URL name. Admin passes every desk role check.
ACCESS: dict[str, frozenset[str]] = {
    "home": EVERYONE,
    "healthz": EVERYONE,
    "account-login": EVERYONE,
    "account-logout": SIGNED_IN,
    "audit-trail": SUPERVISOR_OR_QUALITY,
    # Station flow
    "station-list": EVERYONE,
    "station-home": STATION,
    "station-scan": STATION,
    "station-signout": EVERYONE,
    "station-step": STATION,
    "station-step-done": STATION,
    "station-measure": STATION,
    "station-flag": STATION,
    "station-defect": STATION,
    "station-override": STATION,
    "station-signoff": STATION,
    "station-closeout": STATION,
    "station-handoff": STATION,
    "station-new-run": STATION,
    "station-switch": STATION,
    "station-signin": EVERYONE,
    "instructions-travelers": SIGNED_IN,
    "instructions-barcode": SIGNED_IN,
    # Governance
    "instructions-approval-queue": SUPERVISOR_OR_QUALITY,
    "instructions-proposal-detail": SUPERVISOR_OR_QUALITY,
    "instructions-proposal-sign": SUPERVISOR_OR_QUALITY,
    "instructions-proposal-reject": SUPERVISOR_OR_QUALITY,
    "instructions-proposal-rebase": SUPERVISOR_OR_QUALITY,
    "instructions-proposal-submit": SUPERVISOR_OR_QUALITY,
    "instructions-governance-list": SUPERVISOR_OR_QUALITY,
    "instructions-version-history": SUPERVISOR_OR_QUALITY,
    "instructions-version-history-csv": SUPERVISOR_OR_QUALITY,
    "instructions-version-diff": SUPERVISOR_OR_QUALITY,
    "instructions-version-rollback": SUPERVISOR_OR_QUALITY,
    "instructions-step-edit": SUPERVISOR_OR_QUALITY,
    "instructions-proposal-step-edit": SUPERVISOR_OR_QUALITY,
    # Quality
    "quality-defect-photo": desk("supervisor", "quality"),
    # A step's picture or clip: desk reviewers, and stations of a work center whose signed steps show it (the
    # crawl's picture is on the press instruction: the leak-test station may not open it).
    "step-media": SUPERVISOR_OR_QUALITY | {"op-expert", "op-certified", "op-trainee"},
    "step-media-thumb": SUPERVISOR_OR_QUALITY | {"op-expert", "op-certified", "op-trainee"},
    "instructions-step-media": SUPERVISOR_OR_QUALITY,
    "quality-defect-thumbnail": desk("supervisor", "quality"),
    "quality-queue": desk("quality"),
    "quality-ncr-detail": desk("quality"),
    "quality-ncr-decide": desk("quality"),
    "quality-ncr-update": desk("quality"),
    "quality-ncr-retriage": desk("quality"),
    "quality-alert-acknowledge": desk("quality"),
    "quality-ncr-open-missing": desk("quality"),
    "quality-scan": desk("quality"),
    "quality-trends": desk("quality"),
    "quality-import": desk("quality"),
    # Copilot
    "copilot-source": SIGNED_IN,
    "copilot-clip": SIGNED_IN,
    "copilot-clip-media": SIGNED_IN,
    "copilot-clip-track": SIGNED_IN,
    "copilot-library-review": desk("quality"),
    "copilot-ask": STATION,
    "copilot-feedback": STATION,
    "copilot-library": desk("quality"),
    "copilot-library-upload": desk("quality"),
    "copilot-library-remove": desk("quality"),
    # Labor
    "labor-home": SUPERVISOR_OR_QUALITY,
    "labor-station": STATION,
    "labor-station-clock": STATION,
    "labor-station-clock-job": STATION,
    "labor-station-job": STATION,
    "labor-station-andon": STATION,
    "labor-flags": desk("supervisor"),
    "labor-flags-validate": desk("supervisor"),
    "labor-flag-resolve": desk("supervisor"),
    "labor-certifications": SUPERVISOR_OR_QUALITY,
    "labor-skill-gaps": desk("supervisor"),
    "labor-crew": desk("supervisor"),
    "labor-crew-draft": desk("supervisor"),
    "labor-crew-assign": desk("supervisor"),
    "labor-crew-accept": desk("supervisor"),
    "labor-handover": desk("supervisor"),
    "labor-handover-draft": desk("supervisor"),
    "labor-handover-sign": desk("supervisor"),
    "labor-handover-acknowledge": desk("supervisor"),
    "labor-andon": desk("supervisor", "quality", "material_handler"),
    "labor-andon-update": desk("supervisor", "quality", "material_handler"),
    # Planning
    "planning-board": desk("supervisor", "planner"),
    "planning-whatif": desk("supervisor", "planner"),
    "planning-scenario": desk("supervisor", "planner"),
    "planning-scenario-sign": desk("supervisor", "planner"),
    "planning-dispatch": SIGNED_IN,
    # Materials
    "materials-home": desk("supervisor", "material_handler"),
    "materials-evaluate": desk("supervisor", "material_handler"),
    "materials-call-off-approve": desk("supervisor", "material_handler"),
    "materials-call-off-deliver": desk("supervisor", "material_handler"),
    "materials-call-off-expedite": desk("supervisor", "material_handler"),
    "materials-kanban-sign": desk("supervisor"),
    "materials-kanban-reject": desk("supervisor"),
    "materials-station": STATION,
    "materials-station-call": STATION,
    # Labor analytics
    "labor-analytics-variances": desk("supervisor"),
    "labor-analytics-alert-ack": desk("supervisor"),
    "labor-analytics-forecast": desk("supervisor"),
    "labor-analytics-retrain": desk("supervisor"),
    "labor-analytics-timecards": desk("supervisor"),
    "labor-analytics-timecard": desk("supervisor"),
    "labor-analytics-scores": desk("supervisor"),
    # Languages
    "languages-review": desk("supervisor"),
    "languages-review-approve": desk("supervisor"),
    "languages-review-reject": desk("supervisor"),
}
ADMIN_PUBLIC = {"admin:login", "admin:logout"}

# Never POSTed by the crawl: they end the crawler's own session.
NO_POST = {
    "account-logout",
    "station-signout",
    "admin:logout",
    "copilot-library-review",  # approving needs another person's pending upload: tests/copilot covers it
}


def access(name: str) -> frozenset[str]:
    if name.startswith("admin:"):
        return EVERYONE if name in ADMIN_PUBLIC else desk()
    if name not in ACCESS:
        raise LookupError(
            f"URL name {name!r} has no entry in tests/plexcopilot/crawl.py ACCESS: say which roles may open it"
        )
    return ACCESS[name]


# --- Demo ids ----------------------------------------------------------------------------------------------------


@dataclass
class Ctx:
    """What one role has in hand: its own execution and station (operators), and the demo's records."""

    role: str
    station_code: str = "ST-PRS-400"
    execution_id: int | None = None
    work_order_id: int | None = None  # the work order the operator scanned
    question_id: int | None = None  # the operator's own copilot question
    ids: dict[str, Any] = field(default_factory=dict)


def _first(model: str, **filters: Any) -> int:
    pk = apps.get_model(model).objects.filter(**filters).order_by("pk").values_list("pk", flat=True).first()
    if pk is None:
        raise LookupError(f"the demo has no {model} matching {filters}: the crawl needs one")
    return pk


def _execution(ctx: Ctx) -> int:
    if ctx.execution_id is not None:
        return ctx.execution_id
    return ctx.ids["execution"]


def _instruction_step(ctx: Ctx) -> dict[str, Any]:
    instruction = apps.get_model("instructions.WorkInstruction").objects.get(pk=ctx.ids["instruction"])
    return {"pk": instruction.pk, "key": instruction.current_version.steps.order_by("order").first().key}


def _media_step(ctx: Ctx) -> dict[str, Any]:
    """The press instruction's step that shows the crawl's picture."""
    step = apps.get_model("instructions.Step").objects.filter(media=ctx.ids["press_picture"]).first()
    return {"pk": step.version.instruction_id, "key": step.key}


def _proposal_step(ctx: Ctx) -> dict[str, Any]:
    from instructions.proposal_content import proposal_steps

    proposal = apps.get_model("instructions.ChangeProposal").objects.get(pk=ctx.ids["proposal"])
    return {
        "pk": proposal.instruction_id,
        "proposal_pk": proposal.pk,
        "key": proposal_steps(proposal)[0]["key"],
    }


IDS: dict[str, Callable[[Ctx], list[dict[str, Any]]]] = {
    "station-step": lambda c: [{"pk": _execution(c), "order": 1}, {"pk": _execution(c), "order": 2}],
    "station-step-done": lambda c: [{"pk": _execution(c), "order": 1}],
    "station-measure": lambda c: [{"pk": _execution(c), "order": 1}],
    "station-flag": lambda c: [{"pk": _execution(c), "order": 1}],
    "station-defect": lambda c: [{"pk": _execution(c), "order": 1}],
    "station-override": lambda c: [{"pk": _execution(c), "order": 1}],
    "station-signoff": lambda c: [{"pk": _execution(c), "order": 1}],
    "station-switch": lambda c: [{"pk": _execution(c)}],
    "station-closeout": lambda c: [{"pk": _execution(c)}],
    "station-handoff": lambda c: [{"pk": _execution(c)}],
    "station-new-run": lambda c: [{"pk": c.work_order_id or c.ids["work_order"]}],
    "materials-call-off-approve": lambda c: [{"pk": c.ids["call_off"]}],
    "materials-call-off-deliver": lambda c: [{"pk": c.ids["call_off"]}],
    "materials-call-off-expedite": lambda c: [{"pk": c.ids["call_off"]}],
    "materials-kanban-sign": lambda c: [{"pk": c.ids["kanban_change"]}],
    "materials-kanban-reject": lambda c: [{"pk": c.ids["kanban_change"]}],
    "labor-analytics-alert-ack": lambda c: [{"pk": c.ids["variance_alert"]}],
    "labor-analytics-timecard": lambda c: [
        {"employee_id": c.ids["punching_employee"], "day": c.ids["punch_day"]}
    ],
    "planning-scenario": lambda c: [{"plan_id": c.ids["plan"]}],
    "planning-scenario-sign": lambda c: [{"plan_id": c.ids["plan"]}],
    "planning-dispatch": lambda c: [{"code": "PRS-400"}],
    "station-signin": lambda c: [{"code": c.station_code}],
    "instructions-barcode": lambda c: [{"barcode": "WO-24123-10"}],
    "instructions-proposal-detail": lambda c: [{"pk": c.ids["proposal"]}],
    "instructions-proposal-sign": lambda c: [{"pk": c.ids["proposal"]}],
    "instructions-proposal-reject": lambda c: [{"pk": c.ids["proposal"]}],
    "instructions-proposal-rebase": lambda c: [{"pk": c.ids["proposal"]}],
    "instructions-proposal-submit": lambda c: [{"pk": c.ids["proposal"]}],
    "instructions-version-history": lambda c: [{"pk": c.ids["instruction"]}],
    "instructions-version-history-csv": lambda c: [{"pk": c.ids["instruction"]}],
    "instructions-version-diff": lambda c: [{"pk": c.ids["instruction"]}],
    "instructions-version-rollback": lambda c: [{"pk": c.ids["instruction"], "number": 1}],
    "instructions-step-edit": lambda c: [_instruction_step(c)],
    "instructions-proposal-step-edit": lambda c: [_proposal_step(c)],
    "step-media": lambda c: [{"digest": c.ids["press_picture"]}],
    "step-media-thumb": lambda c: [{"digest": c.ids["press_picture"]}],
    "instructions-step-media": lambda c: [_media_step(c)],
    "quality-defect-photo": lambda c: [{"pk": c.ids["defect_with_photo"]}],
    "quality-defect-thumbnail": lambda c: [{"pk": c.ids["defect_with_photo"]}],
    "quality-ncr-detail": lambda c: [{"pk": c.ids["ncr"]}],
    "quality-ncr-decide": lambda c: [{"pk": c.ids["ncr"]}],
    "quality-ncr-update": lambda c: [{"pk": c.ids["ncr"]}],
    "quality-ncr-retriage": lambda c: [{"pk": c.ids["ncr"]}],
    "quality-alert-acknowledge": lambda c: [{"pk": c.ids["alert"]}],
    "copilot-source": lambda c: [{"chunk_id": c.ids["chunk"]}],
    "copilot-clip": lambda c: [{"chunk_id": c.ids["clip_chunk"]}],
    "copilot-clip-media": lambda c: [{"pk": c.ids["clip"]}],
    "copilot-clip-track": lambda c: [{"pk": c.ids["clip"], "language": "es"}],
    "copilot-library-review": lambda c: [{"pk": c.ids["document"]}],
    "copilot-ask": lambda c: [{"execution_id": _execution(c), "order": 1}],
    "copilot-feedback": lambda c: [{"pk": c.question_id or c.ids["question"]}],
    "copilot-library-remove": lambda c: [{"pk": c.ids["document"]}],
    "labor-station-clock": lambda c: [{"direction": "in"}, {"direction": "out"}],
    "labor-station-clock-job": lambda c: [{"pk": c.ids["work_order"]}],
    "labor-station-job": lambda c: [
        {"pk": c.ids["work_order"], "direction": "on"},
        {"pk": c.ids["work_order"], "direction": "off"},
        {"pk": c.ids["work_order"], "direction": "switch"},
    ],
    "labor-flag-resolve": lambda c: [{"pk": c.ids["labor_flag"]}],
    "labor-crew-assign": lambda c: [{"pk": c.ids["crew_plan"]}],
    "labor-crew-accept": lambda c: [{"pk": c.ids["crew_plan"]}],
    "labor-handover-sign": lambda c: [{"pk": c.ids["handover"]}],
    "labor-handover-acknowledge": lambda c: [{"pk": c.ids["handover"]}],
    "labor-andon-update": lambda c: [  # a call on the role's own board (the material handler's: a material call)
        {"pk": c.ids["andon_material" if c.role == "material_handler" else "andon_open"], "action": action}
        for action in ("acknowledge", "resolve")
    ],
    "languages-review-approve": lambda c: [{"pk": c.ids["translation_review"]}],
    "languages-review-reject": lambda c: [{"pk": c.ids["translation_review"]}],
}


def _last_punch_day(badge: str) -> str:
    from django.utils import timezone

    at = (
        apps.get_model("labor.Punch")
        .objects.filter(employee__badge_id=badge)
        .order_by("-at")
        .values_list("at", flat=True)
    )
    if not at:
        raise LookupError(f"the demo has no punches for {badge}: the crawl needs a timecard day")
    return timezone.localtime(at[0]).date().isoformat()


def demo_ids() -> dict[str, Any]:
    """One real record of each kind the URL patterns need, from the loaded demo."""
    execution = apps.get_model("instructions.Execution")
    return {
        "execution": execution.objects.order_by("pk").values_list("pk", flat=True).first(),
        "instruction": _first("instructions.WorkInstruction", current_version__isnull=False),
        "proposal": _first("instructions.ChangeProposal", status="pending"),
        "defect_with_photo": apps.get_model("quality.DefectReport")
        .objects.exclude(photo="")
        .order_by("pk")
        .values_list("pk", flat=True)
        .first(),
        "press_picture": (  # a signed picture on an instruction of the press stations' work center
            apps.get_model("instructions.Step")
            .objects.filter(
                media__gt="",
                version__instruction__current_version=F("version"),
                version__instruction__operation__work_center__stations__code="ST-PRS-400",
                media__in=apps.get_model("instructions.StepMedia")
                .objects.filter(content_type__startswith="image/")
                .values("digest"),
            )
            .values_list("media", flat=True)
            .first()
        ),
        "ncr": _first("quality.NCR"),
        "alert": _first("quality.QualityAlert"),
        "chunk": _first(  # a library passage every role may read
            "copilot.KnowledgeChunk", document__version__isnull=True, document__roles="", document__area=""
        ),
        "question": _first("copilot.CopilotQuestion"),
        "clip": _first("copilot.KnowledgeDocument", media__gt=""),
        "clip_chunk": _first("copilot.KnowledgeChunk", document__media__gt=""),
        "document": _first("copilot.KnowledgeDocument", version__isnull=True, doc_type="sop"),
        "work_order": _first("instructions.WorkOrder", barcode="WO-24123-10"),
        "labor_flag": _first("labor.LaborFlag"),
        "crew_plan": _first("labor.CrewPlan"),
        "handover": _first("labor.Handover"),
        "andon_open": _first("labor.AndonCall", resolved_at__isnull=True),
        "andon_material": _first("labor.AndonCall", resolved_at__isnull=True, category="material"),
        "translation_review": _first("languages.TranslationReview"),
        "plan": _first("planning.Plan"),
        "variance_alert": _first("labor_analytics.VarianceAlert"),
        "punching_employee": _first("plexcopilot.Employee", badge_id="100101"),
        "punch_day": _last_punch_day("100101"),
        "call_off": _first("materials.CallOff"),
        "kanban_change": _first("materials.KanbanChange"),
    }


# --- Admin ids: generic, from the admin's own naming (admin:<app>_<model>_<view>) -------------------------------


def admin_kwargs(name: str, params: set[str]) -> list[dict[str, Any]]:
    short = name.removeprefix("admin:")
    if short == "app_list":
        labels = sorted({m._meta.app_label for m in admin.site._registry})
        return [{"app_label": label} for label in labels]
    if short == "view_on_site":
        return []  # needs a model with get_absolute_url; none of ours has one
    for model in admin.site._registry:
        prefix = f"{model._meta.app_label}_{model._meta.model_name}_"
        if short.startswith(prefix):
            pk = model._default_manager.order_by("pk").values_list("pk", flat=True).first()
            if pk is None:
                return []  # nothing of this kind in the demo: the changelist and add pages are still crawled
            key = "id" if "id" in params else "object_id"
            return [{key: pk}]
    raise LookupError(f"admin URL {name!r}: no registered model matches")


# --- Walking the resolver --------------------------------------------------------------------------------------------


@dataclass
class Pattern:
    name: str
    params: set[str]


def _params(pattern: Any) -> set[str]:
    converters = getattr(pattern.pattern, "converters", None)
    if converters:
        return set(converters)
    regex = getattr(pattern.pattern, "_regex", None) or str(pattern.pattern)
    return set(re.compile(regex).groupindex)


def url_patterns() -> Iterator[Pattern]:
    """Every URL pattern of the project, with its full name and the kwargs it needs (defaults excluded)."""

    def walk(patterns: list, namespace: str, inherited: set[str]) -> Iterator[Pattern]:
        for p in patterns:
            if isinstance(p, URLResolver):
                ns = f"{namespace}{p.namespace}:" if p.namespace else namespace
                yield from walk(p.url_patterns, ns, inherited | _params(p))
            elif isinstance(p, URLPattern):
                params = (inherited | _params(p)) - set(p.default_args)
                if p.name is None:
                    if namespace == "admin:":
                        continue  # Django's own: the admin's catch-all and its old-style change-page redirects
                    raise LookupError(
                        f"unnamed URL pattern {namespace}{p.pattern}: name it so the crawl can reach it"
                    )
                yield Pattern(f"{namespace}{p.name}", params)

    yield from walk(get_resolver().url_patterns, "", set())


# --- make demo ----------------------------------------------------------------------------------------------------


def demo_commands() -> list[list[str]]:
    """The `manage.py` commands of the Makefile's demo target, in order (migrate and collectstatic aside):
    a loader added to `make demo` is loaded by the crawl too."""
    text = (settings.BASE_DIR / "Makefile").read_text(encoding="utf-8")
    target = text.split("\ndemo:", 1)[1].split("\n\n", 1)[0]
    commands = []
    for line in target.splitlines():
        words = line.split()
        if "manage.py" in words:
            args = words[words.index("manage.py") + 1 :]
            if args and args[0] not in ("migrate", "collectstatic", "runserver"):
                commands.append(args)
    return commands


# --- Signing in -----------------------------------------------------------------------------------------------------


def demo_pins() -> dict[str, str]:
    data = tomllib.loads((settings.BASE_DIR / "demo" / "plant.toml").read_text(encoding="utf-8"))
    return {e["badge"]: e["pin"] for e in data["employees"]}


def desk_user(role: str) -> Any:
    """The demo's desk user for a role, found by Employee.role (first by badge)."""
    employee = (
        apps.get_model("plexcopilot.Employee")
        .objects.filter(role=role, user__isnull=False)
        .order_by("badge_id")
        .select_related("user")
        .first()
    )
    if employee is None:
        raise LookupError(f"the demo has no signed-in desk employee with role {role!r}: the crawl needs one")
    return employee.user


def sign_in(role: str) -> Client:
    client = Client()
    if role in OPERATORS:
        badge, station = OPERATORS[role]
        response = client.post(f"/station/{station}/", {"badge": badge, "pin": demo_pins()[badge]})
        assert response.status_code == 302, (role, response.status_code)
    elif role in DESK:
        client.force_login(desk_user(role))
    return client


# --- Requesting (the crawl's and the malformed-input test's) --------------------------------------------------


def request(
    client: Client, method: str, url: str, data: dict | None = None, **headers: str
) -> tuple[int, Any, str]:
    """One request in a savepoint rolled back afterwards; a raised exception counts as the 500 it would be."""
    sid = transaction.savepoint_create()
    try:
        args = () if data is None else (data,)
        response = getattr(client, method)(url, *args, HTTP_ACCEPT="text/html", **headers)
        return response.status_code, response, ""
    except Exception:
        return 500, None, traceback.format_exc(limit=-4)
    finally:
        transaction.savepoint_rollback(sid)


def targets(ctx: Ctx) -> list[tuple[str, str]]:
    """(URL name, URL) for every URL pattern, filled with the ids in IDS (admin pages: admin_kwargs)."""
    found, missing = [], []
    for pattern in url_patterns():
        if not pattern.params:
            found.append((pattern.name, reverse(pattern.name)))
            continue
        try:
            if pattern.name.startswith("admin:"):
                kwarg_sets = admin_kwargs(pattern.name, pattern.params)
            elif pattern.name in IDS:
                kwarg_sets = IDS[pattern.name](ctx)
            else:
                raise LookupError("no entry in tests/plexcopilot/crawl.py IDS: register the ids it needs")
        except LookupError as error:
            missing.append(f"{pattern.name}: {error}")
            continue
        for kwargs in kwarg_sets:
            found.append((pattern.name, reverse(pattern.name, kwargs=kwargs)))
    assert not missing, "The crawl cannot fill these URL patterns:\n" + "\n".join(missing)
    return found

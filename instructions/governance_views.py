"""Supervisor governance pages: approval queue, proposal with diff and signatures, history, rollback."""

import csv
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from instructions import approval, proposal_content, proposals, selectors, step_diff
from instructions.models import (
    ChangeProposal,
    InstructionVersion,
    ProposalStatus,
    RiskClass,
    SignatureMeaning,
    WorkInstruction,
)
from plexcopilot.roles import QUALITY, SUPERVISOR, role_required, user_role
from plexcopilot.signatures import SignatureRefused

_role_required = role_required(SUPERVISOR, QUALITY)  # admins pass every role check


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


@require_GET
@never_cache  # Back after signing must show the queue as it is now, not the copy with the proposal still pending
@_role_required
def approval_queue(request: HttpRequest) -> HttpResponse:
    filters = {
        "status": request.GET.get("status", ProposalStatus.PENDING),
        "area": request.GET.get("area", ""),
        "work_center": request.GET.get("work_center", ""),
        "min_age_days": _int(request.GET.get("age")),
        "risk": request.GET.get("risk", ""),
    }
    if filters["status"] not in ProposalStatus.values and filters["status"] != "":
        filters["status"] = ProposalStatus.PENDING
    queue = list(selectors.proposal_queue(**filters)[:200])  # type: ignore[arg-type]
    for proposal in queue:
        proposal.stale = proposal.is_open and proposal.current_version_id != proposal.base_version_id  # type: ignore[attr-defined]
    context = {"proposals": queue, "filters": filters, "statuses": ProposalStatus.choices,
               "risks": RiskClass.choices, **selectors.queue_filter_options()}  # fmt: skip
    template = "governance/queue.html#queue-table" if request.htmx else "governance/queue.html"  # type: ignore[attr-defined]
    return render(request, template, context)


def _proposal_page(
    request: HttpRequest, proposal: ChangeProposal, *, status: int = 200, **extra: Any
) -> HttpResponse:
    signatures = list(proposal.signatures.all())
    evidence = list(proposal.evidence.select_related("flag__step", "defect", "measurement__step"))
    diff = step_diff.proposal_diff(proposal)
    for step in diff:
        step.evidence = [e for e in evidence if e.step_key and e.step_key == step.key]  # type: ignore[attr-defined]
    context = {
        "proposal": proposal,
        "diff": diff,
        "evidence": evidence,
        "signatures": signatures,
        "missing": approval.signature_requirements(proposal, signatures) if proposal.is_open else [],
        "stale": proposals.proposal_is_stale(proposal),
        "meanings": SignatureMeaning.choices,
        "own": proposal.proposed_by_id == request.user.pk,
        # The signer's own signature on this content: the page then says so instead of offering the form again.
        "signed_by_you": next(
            (
                s
                for s in signatures
                if s.signer_id == request.user.pk and s.content_hash == proposal.content_hash
            ),
            None,
        ),  # fmt: skip
        "role": user_role(request.user),
        "left_label": f"v{proposal.base_version.number} (base)",
        "right_label": "Proposed",
        **extra,
    }
    template = "governance/proposal.html#proposal-decision" if request.htmx else "governance/proposal.html"  # type: ignore[attr-defined]
    return render(request, template, context, status=status)


def _proposal(pk: int) -> ChangeProposal:
    return get_object_or_404(
        ChangeProposal.objects.select_related(
            "instruction__part",
            "instruction__operation__work_center",
            "base_version",
            "proposed_by",
            "published_version",
            "restored_from",
            "decided_by",
            "superseded_by",
        ),  # fmt: skip
        pk=pk,
    )


@require_GET
@_role_required
def proposal_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _proposal_page(request, _proposal(pk))


def _done(request: HttpRequest, url: str) -> HttpResponse:
    if request.htmx:  # type: ignore[attr-defined]
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return redirect(url)


@require_POST
@_role_required
def proposal_sign(request: HttpRequest, pk: int) -> HttpResponse:
    proposal = _proposal(pk)
    try:
        outcome = approval.proposal_sign(
            proposal=proposal,
            user=request.user,
            meaning=request.POST.get("meaning", ""),
            password=request.POST.get("password", ""),
            badge=request.POST.get("badge", "")[:32],
            pin=request.POST.get("pin", "")[:12],
        )
    except (SignatureRefused, proposal_content.ProposalConflict) as error:
        # A refused badge-and-PIN signature comes back with that section open and the badge kept (not the PIN).
        return _proposal_page(request, _proposal(pk), status=422, sign_error=str(error),
                              chosen_meaning=request.POST.get("meaning", ""),
                              sign_badge=request.POST.get("badge", "")[:32].strip())  # fmt: skip
    # A second press of Sign records nothing and says who signed when (an info, not a success).
    recorded = outcome.signature is not None or outcome.published is not None
    (messages.success if recorded else messages.info)(request, outcome.message)
    return _done(request, reverse("instructions-proposal-detail", args=[pk]))


@require_POST
@_role_required
def proposal_reject(request: HttpRequest, pk: int) -> HttpResponse:
    proposal = _proposal(pk)
    try:
        proposals.proposal_reject(proposal=proposal, user=request.user, reason=request.POST.get("reason", ""))
    except SignatureRefused as error:
        return _proposal_page(request, proposal, status=422, reject_error=str(error),
                              reject_reason=request.POST.get("reason", ""))  # fmt: skip
    messages.success(request, "Proposal rejected; the reason is recorded.")
    return _done(request, reverse("instructions-proposal-detail", args=[pk]))


@require_POST
@_role_required
def proposal_rebase(request: HttpRequest, pk: int) -> HttpResponse:
    proposal = _proposal(pk)
    try:
        fresh = proposals.proposal_rebase(proposal=proposal, user=request.user)
    except proposal_content.ProposalConflict as error:
        return _proposal_page(request, proposal, status=409, sign_error=str(error))
    messages.success(
        request, f"Rebased onto v{fresh.base_version.number} as proposal {fresh.pk}; sign it there."
    )
    return _done(request, reverse("instructions-proposal-detail", args=[fresh.pk]))


@require_POST
@_role_required
def proposal_submit(request: HttpRequest, pk: int) -> HttpResponse:
    proposal = proposals.proposal_submit(proposal=_proposal(pk), user=request.user)
    if proposal.status == ProposalStatus.PENDING:
        messages.success(request, "Sent to the approval queue.")
    return redirect("instructions-proposal-detail", pk)


@require_GET
@_role_required
def instruction_list(request: HttpRequest) -> HttpResponse:
    return render(
        request, "governance/instructions.html", {"instructions": selectors.instructions_overview()}
    )


def _instruction(pk: int) -> WorkInstruction:
    return get_object_or_404(
        WorkInstruction.objects.select_related("part", "operation__work_center", "current_version"), pk=pk
    )


@require_GET
@_role_required
def version_history(request: HttpRequest, pk: int) -> HttpResponse:
    instruction = _instruction(pk)
    versions = selectors.version_history(instruction)
    for version in versions:
        version.governing = selectors.version_proposal(version)  # type: ignore[attr-defined]
    open_proposals = instruction.proposals.filter(status__in=[ProposalStatus.PENDING, ProposalStatus.DRAFT])
    template = "governance/history_print.html" if request.GET.get("print") else "governance/history.html"
    return render(request, template, {"instruction": instruction, "versions": versions,
                                      "open_proposals": open_proposals})  # fmt: skip


@require_GET
@_role_required
def version_diff(request: HttpRequest, pk: int) -> HttpResponse:
    instruction = _instruction(pk)
    numbers = list(instruction.versions.order_by("number").values_list("number", flat=True))
    current = (
        instruction.current_version.number if instruction.current_version else (numbers[-1] if numbers else 0)
    )
    old_number = _int(request.GET.get("from")) or max(current - 1, 1)
    new_number = _int(request.GET.get("to")) or current
    old = instruction.versions.filter(number=old_number).first()
    new = instruction.versions.filter(number=new_number).first()
    if old is None or new is None:
        raise Http404("No such version of this instruction.")
    diff = step_diff.steps_diff(proposal_content.version_steps(old), proposal_content.version_steps(new))
    return render(request, "governance/diff.html", {"instruction": instruction, "old": old, "new": new,
                                                    "diff": diff, "numbers": numbers,
                                                    "left_label": f"v{old.number}", "right_label": f"v{new.number}"})  # fmt: skip


@require_POST
@_role_required
def version_rollback(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    instruction = _instruction(pk)
    target = get_object_or_404(InstructionVersion, instruction=instruction, number=number)
    try:
        proposal = proposals.proposal_rollback(instruction=instruction, target=target, user=request.user,
                                                reason=request.POST.get("reason", ""))  # fmt: skip
    except proposal_content.ProposalInvalid as error:
        messages.error(request, str(error))
        return redirect("instructions-version-history", pk)
    needed = "; ".join(approval.signature_requirements(proposal, []))
    messages.success(
        request,
        f"Rollback to v{number} proposed. It is released when it has {needed}, "
        "from someone other than you (you proposed it).",
    )
    return redirect("instructions-proposal-detail", proposal.pk)


def _cell(value: Any) -> str:
    """CSV cells that a spreadsheet would run as formulas are quoted with a leading apostrophe."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


@require_GET
@_role_required
def version_history_csv(request: HttpRequest, pk: int) -> HttpResponse:
    instruction = _instruction(pk)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    filename = f"history-{instruction.part.number}-op{instruction.operation.sequence}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    writer = csv.writer(response)
    writer.writerow(["version", "effective_from", "published_by", "change_note", "content_hash", "restored_from",
                     "proposal", "source", "rationale", "proposed_by", "signatures"])  # fmt: skip
    for version in selectors.version_history(instruction):
        proposal = selectors.version_proposal(version)
        signatures = "; ".join(
            f"{s.printed_name} ({s.role}) {s.get_meaning_display()} {s.signed_at:%Y-%m-%d %H:%M:%S %Z}"
            for s in (proposal.signatures.all() if proposal else [])
        )
        writer.writerow([_cell(v) for v in [
            version.number, version.effective_from.isoformat(),
            version.published_by.get_full_name() if version.published_by else "", version.change_note,
            version.content_hash, version.restored_from.number if version.restored_from else "",
            proposal.pk if proposal else "", proposal.get_source_display() if proposal else "",
            proposal.rationale if proposal else "",
            (proposal.proposed_by.get_full_name() if proposal and proposal.proposed_by else ""), signatures,
        ]])  # fmt: skip
    return response


EDITABLE_FIELDS = ["title", "text", "caution", "why", "tool", "critical", "safety_critical", "spec_nominal",
                   "spec_lower", "spec_upper", "spec_unit"]  # fmt: skip


def _step_fields(post: Any, current: dict[str, Any]) -> dict[str, Any]:
    """The fields the person changed on the form, compared with the step as it stands."""
    changed: dict[str, Any] = {}
    for name in EDITABLE_FIELDS:
        if name in ("critical", "safety_critical"):
            value: Any = post.get(name) == "on"
            if value != bool(current.get(name)):
                changed[name] = value
            continue
        # A NUL byte (a paste's) is no character anyone reads: dropped (PostgreSQL's jsonb refuses it, a 500).
        value = post.get(name, "").replace("\x00", "").replace("\r\n", "\n").strip()
        if value != str(current.get(name) if current.get(name) is not None else ""):
            changed[name] = value
    return changed


@require_http_methods(["GET", "POST"])
@_role_required
def step_edit(request: HttpRequest, pk: int, key: str, proposal_pk: int | None = None) -> HttpResponse:
    """Propose a change to one step of the version in effect, or reword a step of an open proposal."""
    instruction = _instruction(pk)
    proposal = _proposal(proposal_pk) if proposal_pk is not None else None
    if proposal is not None and proposal.instruction_id != instruction.pk:
        raise Http404("That proposal is for another instruction.")
    current = instruction.current_version
    if proposal is not None:
        steps = proposal_content.proposal_steps(proposal)
    elif current is not None:
        steps = proposal_content.version_steps(current)
    else:
        raise Http404("This instruction has no version in effect.")
    step = next((s for s in steps if s["key"] == key), None)
    if step is None:
        raise Http404("No such step.")
    context: dict[str, Any] = {"instruction": instruction, "proposal": proposal, "step": step,
                               "rationale": proposal.rationale if proposal else ""}  # fmt: skip
    if request.method == "POST":
        edits = [{"op": "change", "key": key, "fields": _step_fields(request.POST, step)}]
        rationale = request.POST.get("rationale", "").replace("\x00", "")
        try:
            if proposal is not None:
                fresh = proposals.proposal_revise(
                    proposal=proposal, user=request.user, edits=edits, rationale=rationale
                )
            else:
                fresh = proposals.proposal_draft(
                    instruction=instruction, base_version=current, source="engineer_edit",  # type: ignore[arg-type]
                    edits=edits, rationale=rationale, evidence=[], proposed_by=request.user,
                )  # fmt: skip
        except proposal_content.ProposalInvalid as error:
            typed: dict[str, Any] = {name: request.POST.get(name, "") for name in EDITABLE_FIELDS}
            typed.update({name: request.POST.get(name) == "on" for name in ("critical", "safety_critical")})
            context.update(error=str(error), step={**step, **typed}, rationale=rationale)
            return render(request, "governance/step_edit.html", context, status=422)
        messages.success(request, f"Proposal {fresh.pk} is in the approval queue; another person signs it.")
        return redirect("instructions-proposal-detail", fresh.pk)
    return render(request, "governance/step_edit.html", context)

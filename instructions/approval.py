"""Approval: who may sign a change proposal, what a release still needs, and the signature that publishes it."""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from instructions.models import (
    ChangeProposal,
    InstructionVersion,
    ProposalStatus,
    Signature,
    SignatureMeaning,
    WorkInstruction,
)
from instructions.proposal_content import ProposalConflict, proposal_steps
from instructions.publishing import PublishConflict, version_announce, version_publish
from plexcopilot.roles import ADMIN, QUALITY, SUPERVISOR, user_role
from plexcopilot.services import audit_chain_lock, audit_record
from plexcopilot.signatures import SignatureRefused, printed_name, reauthenticate

SIGNER_ROLES = (SUPERVISOR, QUALITY, ADMIN)
RELEASE_ROLES = (SUPERVISOR, ADMIN)


@dataclass(frozen=True)
class SignOutcome:
    signature: Signature | None
    published: InstructionVersion | None
    message: str


def signature_requirements(proposal: ChangeProposal, signatures: Sequence[Signature]) -> list[str]:
    """What is still missing before the proposal may be released (empty when it may)."""
    valid = [s for s in signatures if s.content_hash == proposal.content_hash]
    missing = []
    release = [
        s for s in valid if s.role in RELEASE_ROLES and s.meaning == SignatureMeaning.APPROVED_FOR_RELEASE
    ]
    if not release:
        missing.append("a supervisor's signature “approved for release”")
    if proposal.is_safety_critical:
        quality = [s for s in valid if s.role == QUALITY]
        if not quality:
            missing.append("a quality engineer's signature (safety-critical change)")
        elif release and {s.signer_id for s in release} | {s.signer_id for s in quality} == {
            release[0].signer_id
        }:
            missing.append("a second person's signature")
    return missing


def already_signed(signature: Signature) -> str:
    """What a second press of Sign answers: who signed, and when (plant time, year first)."""
    at = timezone.localtime(signature.signed_at)
    return f"Already signed by {signature.printed_name} at {at:%Y-%m-%d %H:%M}."


AREA_GROUP_PREFIX = "area:"


def signer_areas(user: Any) -> set[str]:
    """The areas a supervisor is limited to: Django auth groups named "area:<area>"; none means plant-wide."""
    return {
        name[len(AREA_GROUP_PREFIX) :]
        for name in user.groups.filter(name__startswith=AREA_GROUP_PREFIX).values_list("name", flat=True)
    }


def proposal_sign(
    *,
    proposal: ChangeProposal,
    user: Any,
    meaning: str,
    password: str = "",
    badge: str = "",
    pin: str = "",
) -> SignOutcome:
    """Sign a proposal after re-authentication; the signature that completes the rules publishes it.

    Signing and publishing happen in one transaction that first bumps the proposal's revision
    with a conditional update (only while pending), so concurrent signers queue up and exactly
    one of them publishes. A refused signature changes nothing and is logged.
    """
    try:
        if meaning not in SignatureMeaning.values:
            raise SignatureRefused("Choose what your signature means.")
        role = user_role(user)
        if role not in SIGNER_ROLES:
            raise SignatureRefused("Only supervisors, quality engineers and admins sign proposals.")
        if proposal.proposed_by_id is not None and proposal.proposed_by_id == user.pk:
            raise SignatureRefused("You proposed this change; another person must approve it.")
        areas = signer_areas(user)
        area = WorkInstruction.objects.filter(pk=proposal.instruction_id).values_list(
            "operation__work_center__area", flat=True
        )[0]
        if role == SUPERVISOR and areas and area not in areas:
            raise SignatureRefused(
                f"You supervise {', '.join(sorted(areas))}; this instruction is in {area or 'no area'}."
            )
        method = reauthenticate(user=user, password=password, badge=badge, pin=pin)
    except SignatureRefused as error:
        audit_record(actor=user, action="signature.refused", obj=proposal,
                     summary=f"Signature refused on proposal {proposal.pk}: {error}")  # fmt: skip
        raise
    printed = printed_name(user)
    try:
        with transaction.atomic():
            audit_chain_lock()  # chain lock before row locks: one lock order for every signer
            claimed = ChangeProposal.objects.filter(pk=proposal.pk, status=ProposalStatus.PENDING).update(
                revision=F("revision") + 1
            )
            if not claimed:
                current = ChangeProposal.objects.select_related("published_version").get(pk=proposal.pk)
                own = current.signatures.filter(signer=user, content_hash=current.content_hash).first()
                if own is not None:  # a second press of Sign (a double click, a page left open): no error
                    released = current.published_version
                    return SignOutcome(None, None, f"{already_signed(own)} The proposal is "
                                       f"{current.get_status_display().lower()}"
                                       f"{f' as v{released.number}' if released else ''}.")  # fmt: skip
                raise SignatureRefused(f"This proposal is already {current.get_status_display().lower()}.")
            fresh = ChangeProposal.objects.select_related("instruction", "base_version").get(pk=proposal.pk)
            if fresh.instruction.current_version_id != fresh.base_version_id:
                released = fresh.instruction.current_version
                raise ProposalConflict(
                    f"This proposal was drafted against v{fresh.base_version.number} of "
                    f"{fresh.instruction.title}; v{released.number if released else '?'} has since been "
                    "released. Rebase it before it can be signed: the rebase redrafts the same changes on "
                    "the current version as a new proposal, and that one is signed."
                )
            signature = None
            own = fresh.signatures.filter(signer=user, content_hash=fresh.content_hash).first()
            if own is None:
                with transaction.atomic():
                    signature = Signature.objects.create(
                        proposal=fresh, signer=user, printed_name=printed, role=role, meaning=meaning,
                        method=method, content_hash=fresh.content_hash,
                    )  # fmt: skip
                audit_record(actor=user, action="signature.sign", obj=signature,
                             summary=f"{printed} ({role}) signed proposal {fresh.pk} — {signature.get_meaning_display()}",
                             data={"proposal": fresh.pk, "content_hash": fresh.content_hash, "method": method})  # fmt: skip
            missing = signature_requirements(fresh, list(fresh.signatures.all()))
            if missing:
                message = "Signature recorded. Still needed: " + "; ".join(missing) + "."
                if own is not None:
                    message = f"{already_signed(own)} Still needed: " + "; ".join(missing) + "."
                return SignOutcome(signature, None, message)
            version = _publish(fresh, user)
    except IntegrityError:
        # A double submit by the same person raced past the check above: it is the same signature.
        own = proposal.signatures.filter(signer=user, content_hash=proposal.content_hash).first()
        return SignOutcome(
            None, None, already_signed(own) if own else "You have already signed this proposal."
        )
    except SignatureRefused as error:
        audit_record(actor=user, action="signature.refused", obj=proposal,
                     summary=f"Signature refused on proposal {proposal.pk}: {error}")  # fmt: skip
        raise
    proposal.refresh_from_db()
    transaction.on_commit(lambda: version_announce(version=version))
    return SignOutcome(signature, version, f"Approved and published as v{version.number}.")


def _publish(proposal: ChangeProposal, user: Any) -> InstructionVersion:
    steps = proposal_steps(proposal)
    note = f"{proposal.summary} (proposal {proposal.pk})"[:500]
    try:
        version = version_publish(
            instruction=proposal.instruction,
            steps=steps,
            change_note=note,
            published_by=user,
            base_version=proposal.base_version,
            restored_from=proposal.restored_from,
        )
    except PublishConflict as error:
        raise ProposalConflict(f"{error} Rebase the proposal before signing.") from None
    if version.content_hash != proposal.content_hash:
        # The signatures cover proposal.content_hash; never release anything else under them.
        raise ProposalConflict("The content to publish does not match what was signed.")
    approved = ChangeProposal.objects.filter(pk=proposal.pk, status=ProposalStatus.PENDING).update(
        status=ProposalStatus.APPROVED, published_version=version, decided_at=timezone.now(), decided_by=user
    )
    if approved != 1:
        raise ProposalConflict("This proposal was decided by someone else in the same moment.")
    audit_record(
        actor=user,
        action="proposal.approve",
        obj=proposal,
        summary=f"Approved proposal {proposal.pk}; {proposal.instruction.title} v{version.number} released",
        data={
            "version": version.number,
            "content_hash": version.content_hash,
            "signatures": list(proposal.signatures.values_list("printed_name", flat=True)),
        },  # fmt: skip
    )
    return version

"""The tamper-evident audit trail: what each access writes, and the verification of a whole log.

Every read, denial and grant writes exactly one entry (:func:`event_for`, then ``AuditStore.append``).
Entries form a hash chain, and signed checkpoints (RFC 6962 Merkle tree heads, kept in a file outside
the database) pin the log's length and content, so :func:`verify_audit` detects any entry edited,
deleted, inserted or reordered, and a log cut short after its latest checkpoint.

The chain, Merkle and signature primitives live in :mod:`storage.audit_chain` (the store computes the
chain under its append lock); they are re-exported here.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric.types import PublicKeyTypes
from pydantic import BaseModel, ConfigDict

from privacy.policy import Decision, Grant, Principal, Resource
from storage.audit_chain import (
    GENESIS_HASH,
    AuditAction,
    AuditEntry,
    AuditEvent,
    AuditIntegrityError,
    AuditOutcome,
    Checkpoint,
    MerkleAccumulator,
    chain_problems,
    checkpoint_signature_valid,
    compute_entry_hash,
    key_id,
    leaf_hash,
    merkle_root,
    merkle_root_hex,
    read_checkpoint_file,
    sign_checkpoint,
    subject_key,
)
from storage.audit_store import AuditStore

__all__ = [
    "GENESIS_HASH",
    "AuditAction",
    "AuditEntry",
    "AuditEvent",
    "AuditIntegrityError",
    "AuditOutcome",
    "AuditStore",
    "AuditVerification",
    "Checkpoint",
    "MerkleAccumulator",
    "chain_problems",
    "checkpoint_signature_valid",
    "compute_entry_hash",
    "event_for",
    "grant_event",
    "key_id",
    "leaf_hash",
    "merkle_root",
    "merkle_root_hex",
    "sign_checkpoint",
    "subject_key",
    "verify_audit",
    "verify_log",
]

VerificationKey = PublicKeyTypes | x509.Certificate


class AuditVerification(BaseModel):
    model_config = ConfigDict(frozen=True)

    ok: bool
    problems: list[str]
    """Each names seq numbers or checkpoint lines and the kind of damage; never entry content."""
    entries_checked: int
    checkpoints_checked: int = 0
    anchored_size: int = 0
    """Entries covered by the largest valid signed checkpoint."""
    warnings: list[str] = []
    """Limits of what could be proven (no checkpoint yet, entries after the latest one)."""


def event_for(
    principal: Principal,
    resource: Resource,
    decision: Decision,
    *,
    action: AuditAction = "read",
    purpose: str | None,
    request_id: str | None,
    subject_personal_number: str | None = None,
    visible_entities: Collection[str] | None = None,
) -> AuditEvent:
    """The one audit event of a read or a denial, from the policy decision that answered it.

    An unknown purpose is recorded as absent (the decision's reason says it was unknown): free text a
    caller typed must not reach the log. ``visible_entities``: the entity types the response showed
    unredacted (empty: a fully redacted copy); a denial served nothing, so it records none.
    """
    shown = None if visible_entities is None or not decision.allowed else ",".join(sorted(set(visible_entities)))
    return AuditEvent(
        user_id=principal.user_id,
        role=principal.role.value,
        action=action,
        resource_kind=resource.kind,
        outcome="allowed" if decision.allowed else "denied",
        case_id=resource.case_id or None,
        document_id=resource.document_id,
        purpose=purpose if decision.reason != "purpose_unknown" else None,
        request_id=request_id,
        reason=decision.reason,
        grant_id=decision.grant_id,
        subject_personal_number=subject_personal_number,
        visible_entities=shown,
    )


def grant_event(issuer: Principal, grant: Grant, decision: Decision, *, request_id: str | None) -> AuditEvent:
    """The one audit event of issuing (or refusing) a grant to see a case's originals."""
    return AuditEvent(
        user_id=issuer.user_id,
        role=issuer.role.value,
        action="grant",
        resource_kind="original",
        outcome="granted" if decision.allowed else "denied",
        case_id=grant.case_id,
        purpose=grant.purpose if decision.reason != "purpose_unknown" else None,
        request_id=request_id,
        reason=decision.reason,
        grant_id=grant.grant_id,
        target_user_id=grant.user_id,
    )


def verify_log(
    entries: Sequence[AuditEntry],
    checkpoints: Sequence[tuple[int, Checkpoint]],
    public_key: VerificationKey | Sequence[VerificationKey],
    *,
    head: tuple[int, str] | None,
    recorded_checkpoints: Sequence[Checkpoint] = (),
    file_problems: Sequence[str] = (),
) -> AuditVerification:
    """Verify entries read in ``seq`` order against their chain, the head row, and signed checkpoints.

    ``checkpoints`` are (line number, checkpoint) from the trusted file; ``recorded_checkpoints`` the
    database's copies, each of which must also be in the file.
    """
    keys = list(public_key) if isinstance(public_key, Sequence) else [public_key]
    problems = list(file_problems) + chain_problems(entries)
    warnings: list[str] = []
    problems += _head_problems(entries, head)

    valid: list[tuple[int, Checkpoint]] = []
    for line, checkpoint in checkpoints:
        if any(checkpoint_signature_valid(checkpoint, key) for key in keys):
            valid.append((line, checkpoint))
        else:
            problems.append(f"checkpoint line {line}: signature does not verify with the audit key (forged)")

    accumulator = MerkleAccumulator()
    for line, checkpoint in sorted(valid, key=lambda item: item[1].tree_size):
        if checkpoint.tree_size > len(entries):
            problems.append(
                f"log truncated: checkpoint line {line} signs {checkpoint.tree_size} entries, "
                f"the log holds {len(entries)}"
            )
            continue
        while accumulator.size < checkpoint.tree_size:
            accumulator.add(leaf_hash(entries[accumulator.size]))
        if accumulator.root().hex() != checkpoint.root_hash:
            problems.append(
                f"checkpoint line {line}: the first {checkpoint.tree_size} entries no longer have the signed "
                "Merkle root (edited, deleted, inserted or reordered)"
            )

    in_file = {(c.tree_size, c.root_hash, c.signature) for _, c in checkpoints}
    for recorded in recorded_checkpoints:
        if (recorded.tree_size, recorded.root_hash, recorded.signature) not in in_file:
            problems.append(
                f"checkpoint of size {recorded.tree_size} recorded in the database is missing from the "
                "checkpoint file (file edited or replaced)"
            )

    anchored = max((c.tree_size for _, c in valid), default=0)
    if not valid and entries:
        warnings.append("no signed checkpoint: entries removed from the end of the log cannot be detected")
    elif len(entries) > anchored:
        warnings.append(
            f"{len(entries) - anchored} entries after the latest checkpoint are protected by the hash "
            "chain only"
        )
    return AuditVerification(ok=not problems, problems=problems, entries_checked=len(entries),
                             checkpoints_checked=len(checkpoints), anchored_size=anchored, warnings=warnings)


def _head_problems(entries: Sequence[AuditEntry], head: tuple[int, str] | None) -> list[str]:
    """The head row, read before the entries, must match the entry at its position. Entries beyond it
    may have been appended in between, so only a shorter log or a different hash is a problem."""
    if head is None:
        return ["head row missing while entries exist"] if entries else []
    size, head_hash = head
    if size > len(entries):
        return [f"head row says {size} entries, the log holds {len(entries)} (entries deleted)"]
    at_head = entries[size - 1].entry_hash if size else GENESIS_HASH
    if head_hash != at_head:
        return [f"head row's last hash does not match seq {size - 1} (entries replaced outside the store)"]
    return []


def verify_audit(
    store: AuditStore, checkpoints_dir: Path, public_key: VerificationKey | Sequence[VerificationKey]
) -> AuditVerification:
    """Verify the whole log of ``store`` against the signed checkpoints in ``checkpoints_dir``.

    ``public_key`` is the audit signing key's public key or certificate, or several of them when the
    key was rotated (the demo PKI reissues its signing certificate before it expires).

    Read in the order things are written, backwards (database copies of checkpoints, then the file that
    is written before them, then the head row, then the entries), so appends and checkpoints made while
    the verification runs never raise a false alarm.
    """
    recorded = store.recorded_checkpoints()
    checkpoints, file_problems = read_checkpoint_file(checkpoints_dir)
    head = store.head()
    return verify_log(
        store.entries(),
        checkpoints,
        public_key,
        head=head,
        recorded_checkpoints=recorded,
        file_problems=file_problems,
    )

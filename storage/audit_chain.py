"""Tamper evidence for the audit log, without a database: the entry model, its canonical encoding, the
hash chain, RFC 6962 Merkle tree hashes and signed checkpoints.

It sits on the storage floor (not in ``privacy``) because the store computes an entry's chain hash while
it holds the append lock, and storage may not import the floors above it. ``privacy.audit`` re-exports
it and adds the verification of a whole store.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, Literal

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes, PublicKeyTypes
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError, model_validator

from pipeline.errors import ConfigurationError, SportelError

ENCODING_VERSION = 1
GENESIS_HASH = "0" * 64
"""The ``prev_hash`` of the first entry."""
CHECKPOINT_FILE = "checkpoints.jsonl"
_CHECKPOINT_CONTEXT = b"sportel-audit-checkpoint/v1\n"
_SUBJECT_CONTEXT = b"sportel-audit-subject/v1\n"

ResourceKind = Literal[
    "original", "redacted", "page_image", "ocr_text", "metadata", "search", "export", "audit"
]
AuditAction = Literal["read", "search", "export", "grant", "redact"]
"""``redact``: an officer changed the redaction boxes of a document (reading its original to do so)."""
AuditOutcome = Literal["allowed", "denied", "granted"]
SignatureAlgorithm = Literal["ed25519", "rsa-pss-sha256", "ecdsa-sha256"]

# Ids and codes only: a free-text field would be the first place personal data leaks into the log.
_Id = Annotated[str, Field(min_length=1, max_length=128, pattern=r"^[^\s\x00-\x1f]+$")]
_Code = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[a-z][a-z0-9_.-]*$")]
_EntityTypes = Annotated[str, Field(max_length=512, pattern=r"^([A-Z][A-Z0-9_]*(,[A-Z][A-Z0-9_]*)*)?$")]


class AuditIntegrityError(SportelError):
    """The audit log or its checkpoints do not hold together; run the verification and investigate."""

    code = "audit_integrity"


class _Frozen(BaseModel):
    # A refused event must not echo what was typed into it (a name in a purpose, a personal number).
    model_config = ConfigDict(frozen=True, extra="forbid", hide_input_in_errors=True)


class AuditEvent(_Frozen):
    """What happened, as the API reports it. The store adds sequence, time, subject key and hashes.

    ``subject_personal_number`` is turned into a keyed hash on append and never stored, printed or
    serialised.
    """

    user_id: _Id
    role: _Code
    action: AuditAction
    resource_kind: ResourceKind
    outcome: AuditOutcome
    case_id: _Id | None = None
    document_id: _Id | None = None
    purpose: _Code | None = None
    request_id: _Id | None = None
    reason: _Code | None = None
    """The policy decision's reason code, so a denial says why."""
    grant_id: _Id | None = None
    """The grant a read of an original relied on, or the grant an entry with outcome ``granted`` issued."""
    target_user_id: _Id | None = None
    """Whom a grant was issued to."""
    visible_entities: _EntityTypes | None = None
    """Entity types the reader was shown unredacted, sorted and comma-separated (``""``: none); ``None``
    when no document content was served (a denial, a metadata read)."""
    subject_personal_number: str | None = Field(default=None, repr=False, exclude=True, max_length=64)
    occurred_at: AwareDatetime | None = None
    """Default: the time of the append."""

    @model_validator(mode="after")
    def _granted_only_for_grants(self) -> AuditEvent:
        if self.outcome == "granted" and self.action != "grant":
            raise ValueError("outcome 'granted' goes with action 'grant' only")
        if self.action == "grant" and self.outcome == "allowed":
            raise ValueError("a grant is 'granted' or 'denied'")
        return self


class AuditEntry(_Frozen):
    """One stored, hash-chained entry. Fields are plain strings so that a tampered row still loads and is
    reported by the verification instead of breaking it."""

    seq: int
    entry_id: str
    occurred_at: AwareDatetime
    user_id: str
    role: str
    action: str
    resource_kind: str
    outcome: str
    case_id: str | None
    document_id: str | None
    purpose: str | None
    request_id: str | None
    reason: str | None
    grant_id: str | None
    target_user_id: str | None
    subject_key: str | None
    prev_hash: str
    entry_hash: str
    visible_entities: str | None = None


class Checkpoint(_Frozen):
    """A signed statement: the log's first ``tree_size`` entries have Merkle root ``root_hash``."""

    tree_size: int = Field(ge=0)
    root_hash: str = Field(pattern=r"^[0-9a-f]{64}$")
    created_at: AwareDatetime
    key_id: str = Field(pattern=r"^[0-9a-f]{64}$")
    algorithm: SignatureAlgorithm
    signature: str
    """Base64 of the signature over :func:`checkpoint_message`."""


# ------------------------------------------------------------------------------------------ encoding


def format_time(value: datetime) -> str:
    """UTC with microseconds, the one spelling that is hashed (both databases keep microseconds)."""
    if value.tzinfo is None:
        raise ValueError("a naive datetime cannot be placed in UTC")
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _canonical_json(obj: dict[str, Any]) -> bytes:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def canonical_bytes(entry: AuditEntry) -> bytes:
    """The bytes that are hashed: every field except ``entry_hash``, sorted keys, no spaces, UTF-8."""
    fields = entry.model_dump(exclude={"entry_hash", "occurred_at"})
    if fields["visible_entities"] is None:
        # Added after the first entries were written: entries without it hash exactly as they did.
        del fields["visible_entities"]
    fields["occurred_at"] = format_time(entry.occurred_at)
    fields["v"] = ENCODING_VERSION
    return _canonical_json(fields)


def compute_entry_hash(entry: AuditEntry) -> str:
    return hashlib.sha256(canonical_bytes(entry)).hexdigest()


def subject_key(key: bytes, personal_number: str) -> str:
    """The keyed hash that stands for a data subject in the log (HMAC-SHA256, hex).

    Spaces and letter case are normalised away so that the same number typed twice finds the same
    entries; without the key, the hash cannot be matched against a list of candidate numbers.
    """
    normalised = "".join(personal_number.split()).upper()
    if not normalised:
        raise ValueError("empty personal number")
    return hmac.new(key, _SUBJECT_CONTEXT + normalised.encode("utf-8"), hashlib.sha256).hexdigest()


# -------------------------------------------------------------------------------------------- Merkle


def leaf_hash(entry: AuditEntry) -> bytes:
    """RFC 6962 leaf hash: SHA-256(0x00 || entry)."""
    return hashlib.sha256(b"\x00" + canonical_bytes(entry)).digest()


def _node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


class MerkleAccumulator:
    """RFC 6962 tree hash of a growing list of leaves, with the root of every prefix on the way.

    It keeps the roots of the perfect subtrees the leaves so far split into (at most log2(n) of them);
    folding them from the right gives the RFC's tree, whose recursive split at the largest power of two
    below ``n`` produces exactly those subtrees. Verifying many checkpoints then takes one pass.
    """

    def __init__(self) -> None:
        self._subtrees: list[tuple[int, bytes]] = []
        self.size = 0

    def add(self, leaf: bytes) -> None:
        height, node = 0, leaf
        while self._subtrees and self._subtrees[-1][0] == height:
            _, left = self._subtrees.pop()
            node = _node_hash(left, node)
            height += 1
        self._subtrees.append((height, node))
        self.size += 1

    def root(self) -> bytes:
        if not self._subtrees:
            return hashlib.sha256(b"").digest()
        node = self._subtrees[-1][1]
        for _, left in reversed(self._subtrees[:-1]):
            node = _node_hash(left, node)
        return node


def merkle_root(leaves: Sequence[bytes]) -> bytes:
    """RFC 6962 Merkle tree hash of the given leaf hashes (SHA-256 of nothing for no leaves)."""
    accumulator = MerkleAccumulator()
    for leaf in leaves:
        accumulator.add(leaf)
    return accumulator.root()


def merkle_root_hex(entries: Sequence[AuditEntry]) -> str:
    return merkle_root([leaf_hash(e) for e in entries]).hex()


# --------------------------------------------------------------------------------------- checkpoints


def public_key_of(key: PrivateKeyTypes | PublicKeyTypes | x509.Certificate) -> PublicKeyTypes:
    if isinstance(key, x509.Certificate):
        return key.public_key()
    if isinstance(key, ed25519.Ed25519PrivateKey | rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
        return key.public_key()
    return key  # type: ignore[return-value]


def key_id(key: PrivateKeyTypes | PublicKeyTypes | x509.Certificate) -> str:
    """SHA-256 of the DER SubjectPublicKeyInfo: names the key a checkpoint was signed with."""
    spki = public_key_of(key).public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return hashlib.sha256(spki).hexdigest()


def checkpoint_message(tree_size: int, root_hash: str, created_at: datetime, signer_key_id: str) -> bytes:
    body = {"created_at": format_time(created_at), "key_id": signer_key_id, "root_hash": root_hash,
            "tree_size": tree_size}
    return _CHECKPOINT_CONTEXT + _canonical_json(body)


def _pss() -> padding.PSS:
    return padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=padding.PSS.DIGEST_LENGTH)


def sign_checkpoint(
    tree_size: int, root_hash: str, created_at: datetime, private_key: PrivateKeyTypes
) -> Checkpoint:
    """Sign a tree head with an Ed25519, RSA (PSS) or EC (ECDSA) key, e.g. the one of the PKCS#12 file."""
    signer = key_id(private_key)
    message = checkpoint_message(tree_size, root_hash, created_at, signer)
    algorithm: SignatureAlgorithm
    if isinstance(private_key, ed25519.Ed25519PrivateKey):
        signature, algorithm = private_key.sign(message), "ed25519"
    elif isinstance(private_key, rsa.RSAPrivateKey):
        signature, algorithm = private_key.sign(message, _pss(), hashes.SHA256()), "rsa-pss-sha256"
    elif isinstance(private_key, ec.EllipticCurvePrivateKey):
        signature, algorithm = private_key.sign(message, ec.ECDSA(hashes.SHA256())), "ecdsa-sha256"
    else:
        raise ConfigurationError(f"unsupported audit signing key type {type(private_key).__name__}")
    return Checkpoint(
        tree_size=tree_size, root_hash=root_hash, created_at=created_at.astimezone(UTC), key_id=signer,
        algorithm=algorithm, signature=base64.b64encode(signature).decode("ascii"),
    )


def checkpoint_signature_valid(checkpoint: Checkpoint, public_key: PublicKeyTypes | x509.Certificate) -> bool:
    """True if ``public_key`` signed this checkpoint. The algorithm follows the key's type, never the
    checkpoint's own claim, so a forged ``algorithm`` field cannot pick a weaker check."""
    key = public_key_of(public_key)
    if checkpoint.key_id != key_id(key):
        return False
    try:
        signature = base64.b64decode(checkpoint.signature, validate=True)
    except ValueError:
        return False
    message = checkpoint_message(checkpoint.tree_size, checkpoint.root_hash, checkpoint.created_at,
                                 checkpoint.key_id)
    try:
        if isinstance(key, ed25519.Ed25519PublicKey):
            key.verify(signature, message)
        elif isinstance(key, rsa.RSAPublicKey):
            key.verify(signature, message, _pss(), hashes.SHA256())
        elif isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(signature, message, ec.ECDSA(hashes.SHA256()))
        else:
            raise ConfigurationError(f"unsupported audit verification key type {type(key).__name__}")
    except InvalidSignature:
        return False
    return True


def append_checkpoint_file(checkpoints_dir: Path, checkpoint: Checkpoint) -> Path:
    """Append one JSON line and flush it to disk before returning.

    One ``write`` on an ``O_APPEND`` descriptor keeps concurrent writers' lines whole.
    """
    checkpoints_dir.mkdir(parents=True, exist_ok=True)
    path = checkpoints_dir / CHECKPOINT_FILE
    line = (checkpoint.model_dump_json() + "\n").encode("utf-8")
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, line)
        os.fsync(fd)
    finally:
        os.close(fd)
    return path


def read_checkpoint_file(checkpoints_dir: Path) -> tuple[list[tuple[int, Checkpoint]], list[str]]:
    """The checkpoints of the folder's file with their line numbers, and a problem per unreadable line."""
    path = checkpoints_dir / CHECKPOINT_FILE
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return [], []
    except OSError as exc:
        return [], [f"checkpoint file {path} cannot be read: {exc.strerror}"]
    checkpoints: list[tuple[int, Checkpoint]] = []
    problems: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            checkpoints.append((number, Checkpoint.model_validate_json(line)))
        except ValidationError as exc:
            fields = sorted({str(err["loc"][0]) for err in exc.errors() if err["loc"]}) or ["json"]
            problems.append(f"checkpoint line {number}: malformed ({', '.join(fields)})")
    return checkpoints, problems


# ---------------------------------------------------------------------------------------------- chain


def chain_problems(entries: Sequence[AuditEntry]) -> list[str]:
    """What is wrong with a run of entries read in ``seq`` order from the start of the log.

    An edited entry no longer matches its own hash; a deleted, inserted or reordered one breaks the link
    of the entry after it; a gap in ``seq`` names the missing numbers. Empty when the chain holds.
    """
    problems: list[str] = []
    expected_seq, prev_hash = 0, GENESIS_HASH
    for entry in entries:
        if entry.seq != expected_seq:
            if entry.seq > expected_seq:
                gap = range(expected_seq, entry.seq)
                missing = f"{gap[0]}" if len(gap) == 1 else f"{gap[0]}-{gap[-1]}"
                problems.append(f"seq {missing} missing (deleted)")
            else:
                problems.append(f"seq {entry.seq} out of order after seq {expected_seq - 1}")
        if compute_entry_hash(entry) != entry.entry_hash:
            problems.append(f"seq {entry.seq}: content does not match its entry hash (edited or moved)")
        if entry.prev_hash != prev_hash:
            problems.append(
                f"seq {entry.seq}: prev_hash does not link to the entry before it "
                "(deleted, inserted or reordered)"
            )
        expected_seq, prev_hash = entry.seq + 1, entry.entry_hash
    return problems

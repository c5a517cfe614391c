"""The pure parts of the audit trail: entry hashing, RFC 6962 Merkle tree hashes, checkpoint signatures."""

from __future__ import annotations

import hashlib
import os
import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes
from cryptography.hazmat.primitives.serialization import BestAvailableEncryption, pkcs12
from cryptography.x509.oid import NameOID
from hypothesis import given
from hypothesis import strategies as st

from privacy.audit import (
    GENESIS_HASH,
    AuditEntry,
    Checkpoint,
    MerkleAccumulator,
    chain_problems,
    checkpoint_signature_valid,
    compute_entry_hash,
    merkle_root,
    sign_checkpoint,
    subject_key,
)


def reference_root(leaves: list[bytes]) -> bytes:
    """RFC 6962 section 2.1, written as the RFC states it (split at the largest power of two below n)."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return leaves[0]
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    return hashlib.sha256(b"\x01" + reference_root(leaves[:k]) + reference_root(leaves[k:])).digest()


def leaves(count: int, seed: int) -> list[bytes]:
    rng = random.Random(seed)
    return [hashlib.sha256(b"\x00" + rng.randbytes(16)).digest() for _ in range(count)]


@pytest.mark.parametrize("count", [*range(18), 31, 32, 33, 63, 64, 65, 100])
def test_merkle_root_follows_rfc_6962(count: int) -> None:
    data = leaves(count, seed=count)
    assert merkle_root(data) == reference_root(data)


def test_accumulator_gives_the_root_of_every_prefix() -> None:
    data = leaves(70, seed=1)
    accumulator = MerkleAccumulator()
    assert accumulator.root() == hashlib.sha256(b"").digest()
    for size in range(1, 71):
        accumulator.add(data[size - 1])
        assert accumulator.root() == reference_root(data[:size])


def make_chain(count: int) -> list[AuditEntry]:
    start = datetime(2025, 5, 1, 8, 30, tzinfo=UTC)
    entries: list[AuditEntry] = []
    prev = GENESIS_HASH
    for seq in range(count):
        draft = AuditEntry(
            seq=seq, entry_id=os.urandom(16).hex(),
            occurred_at=start + timedelta(seconds=seq, microseconds=seq),
            user_id=f"user-{seq % 3}", role="front_desk", action="read", resource_kind="redacted",
            outcome="allowed", case_id="case-1", document_id=None, purpose="case_processing", request_id=None,
            reason="allowed_redacted", grant_id=None, target_user_id=None, subject_key=None, prev_hash=prev,
            entry_hash="",
        )  # fmt: skip
        entry = draft.model_copy(update={"entry_hash": compute_entry_hash(draft)})
        entries.append(entry)
        prev = entry.entry_hash
    return entries


def _changed(value: object) -> object:
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value + 1
    if isinstance(value, datetime):
        return value + timedelta(microseconds=1)
    return "x" if value is None else f"{value}x"


@pytest.mark.parametrize("field", [f for f in AuditEntry.model_fields if f != "entry_hash"])
def test_every_field_is_covered_by_the_entry_hash(field: str) -> None:
    entry = make_chain(3)[1]
    edited = entry.model_copy(update={field: _changed(getattr(entry, field))})
    assert compute_entry_hash(edited) != entry.entry_hash
    chain = make_chain(3)
    chain[1] = chain[1].model_copy(update={field: _changed(getattr(chain[1], field))})
    assert chain_problems(chain)


def test_entry_hash_does_not_depend_on_the_time_zone_spelling() -> None:
    entry = make_chain(1)[0]
    tirana = entry.occurred_at.astimezone(ZoneInfo("Europe/Tirane"))
    assert compute_entry_hash(entry.model_copy(update={"occurred_at": tirana})) == entry.entry_hash


def test_chain_problems_name_the_kind_of_damage() -> None:
    chain = make_chain(6)
    assert chain_problems(chain) == []
    assert chain_problems(chain[:2] + chain[3:])[0] == "seq 2 missing (deleted)"
    assert chain_problems(chain[:1] + chain[4:])[0] == "seq 1-3 missing (deleted)"
    swapped = [*chain[:2], chain[3], chain[2], *chain[4:]]
    assert any("out of order" in p for p in chain_problems(swapped))


@given(st.text(alphabet="0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=10, max_size=10))
def test_subject_key_is_keyed_and_normalised(number: str) -> None:
    key = b"audit-key"
    digest = subject_key(key, number)
    assert digest == subject_key(key, f"  {number.lower()[:5]} {number.lower()[5:]}")
    assert digest != subject_key(b"other-key", number)
    assert digest != hashlib.sha256(number.encode()).hexdigest()
    assert number not in digest


# ------------------------------------------------------------------------------------------ signatures


def _self_signed(key: rsa.RSAPrivateKey) -> x509.Certificate:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Sportel audit test")])
    now = datetime.now(UTC)
    return (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now).not_valid_after(now + timedelta(days=1))
        .sign(key, hashes.SHA256())
    )  # fmt: skip


def _pkcs12_rsa_key() -> tuple[PrivateKeyTypes, x509.Certificate]:
    """An RSA key and certificate that went through a PKCS#12 file, as the product's signing key does."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    cert = _self_signed(key)
    blob = pkcs12.serialize_key_and_certificates(
        b"audit", key, cert, None, BestAvailableEncryption(b"secret")
    )
    loaded_key, loaded_cert, _ = pkcs12.load_key_and_certificates(blob, b"secret")
    assert loaded_key is not None and loaded_cert is not None
    return loaded_key, loaded_cert


KEY_FACTORIES: dict[str, Callable[[], PrivateKeyTypes]] = {
    "ed25519": ed25519.Ed25519PrivateKey.generate,
    "ecdsa-p256": lambda: ec.generate_private_key(ec.SECP256R1()),
    "rsa-pkcs12": lambda: _pkcs12_rsa_key()[0],
}


@pytest.mark.parametrize("kind", list(KEY_FACTORIES))
def test_checkpoints_verify_only_with_the_signing_key(kind: str) -> None:
    key = KEY_FACTORIES[kind]()
    root = os.urandom(32).hex()
    checkpoint = sign_checkpoint(12, root, datetime.now(UTC), key)
    assert checkpoint_signature_valid(checkpoint, key.public_key())
    assert not checkpoint_signature_valid(checkpoint, KEY_FACTORIES[kind]().public_key())
    for forged in (
        checkpoint.model_copy(update={"tree_size": 13}),
        checkpoint.model_copy(update={"root_hash": os.urandom(32).hex()}),
        checkpoint.model_copy(update={"created_at": checkpoint.created_at + timedelta(seconds=1)}),
        checkpoint.model_copy(update={"signature": "not base64!"}),
    ):
        assert not checkpoint_signature_valid(forged, key.public_key())


def test_pkcs12_certificate_verifies_its_checkpoints() -> None:
    key, cert = _pkcs12_rsa_key()
    checkpoint = sign_checkpoint(3, os.urandom(32).hex(), datetime.now(UTC), key)
    assert checkpoint.algorithm == "rsa-pss-sha256"
    assert checkpoint_signature_valid(checkpoint, cert)


def test_a_claimed_algorithm_cannot_change_the_check() -> None:
    key = ed25519.Ed25519PrivateKey.generate()
    checkpoint = sign_checkpoint(1, os.urandom(32).hex(), datetime.now(UTC), key)
    relabelled = Checkpoint.model_validate({**checkpoint.model_dump(), "algorithm": "ecdsa-sha256"})
    assert checkpoint_signature_valid(relabelled, key.public_key())
    other = ec.generate_private_key(ec.SECP256R1())
    assert not checkpoint_signature_valid(relabelled, other.public_key())


def test_the_demo_pki_signing_key_signs_checkpoints(tmp_path: Path) -> None:
    from stages.pki import ensure_demo_pki

    pki = ensure_demo_pki(tmp_path / "pki")
    key, cert, _ = pkcs12.load_key_and_certificates(pki.signer_p12.read_bytes(), pki.passphrase)
    assert key is not None and cert is not None
    checkpoint = sign_checkpoint(5, os.urandom(32).hex(), datetime.now(UTC), key)
    assert checkpoint_signature_valid(checkpoint, cert)

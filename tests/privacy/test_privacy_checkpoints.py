# ruff: noqa: F811
"""Audit checkpoints without a human: a round signs only when the log has grown, a loop keeps the latest
checkpoint close behind the log, and `sportel audit verify` holds every one of them against the entries."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519

from privacy.audit import AuditStore, verify_audit
from privacy.checkpoints import checkpoint_if_new, checkpoint_periodically, last_checkpointed_size
from storage.audit_chain import Checkpoint, read_checkpoint_file

# Fixtures of the audit tests, used here as arguments (hence F811 above).
from tests.privacy.test_privacy_audit import (  # noqa: F401
    audit_postgres_url,
    checkpoints,
    database_url,
    engine,
    fill,
    signing_key,
    store,
)


def test_a_round_signs_only_when_the_log_has_grown(
    store: AuditStore, checkpoints: Path, signing_key: ed25519.Ed25519PrivateKey
) -> None:
    assert checkpoint_if_new(store, checkpoints, signing_key) is None  # nothing logged yet
    fill(store, 4)
    first = checkpoint_if_new(store, checkpoints, signing_key)
    assert first is not None and first.tree_size == 4
    assert checkpoint_if_new(store, checkpoints, signing_key) is None
    fill(store, 2, seed=9)
    second = checkpoint_if_new(store, checkpoints, signing_key)
    assert second is not None and second.tree_size == 6
    assert [c.tree_size for _, c in read_checkpoint_file(checkpoints)[0]] == [4, 6]
    assert last_checkpointed_size(checkpoints) == 6


def test_the_loop_follows_the_log_and_every_checkpoint_verifies(
    store: AuditStore, checkpoints: Path, signing_key: ed25519.Ed25519PrivateKey
) -> None:
    fill(store, 5)
    growth = iter([3, 0, 2])
    signed: list[Checkpoint] = []

    def meanwhile(seconds: float) -> None:
        assert seconds == 60
        fill(store, next(growth), seed=len(store.entries()))  # the API goes on writing between rounds

    count = checkpoint_periodically(store, checkpoints, signing_key, every_seconds=60, rounds=4,
                                    sleep=meanwhile, on_checkpoint=signed.append)
    assert count == 3 and [c.tree_size for c in signed] == [5, 8, 10]
    result = verify_audit(store, checkpoints, signing_key.public_key())
    assert result.ok, result.problems
    assert result.checkpoints_checked == 3 and result.anchored_size == 10


def test_a_truncation_behind_a_periodic_checkpoint_is_detected(
    store: AuditStore, checkpoints: Path, signing_key: ed25519.Ed25519PrivateKey, engine: object
) -> None:
    import sqlalchemy as sa

    fill(store, 6)
    checkpoint_periodically(store, checkpoints, signing_key, every_seconds=1, rounds=1, sleep=lambda _: None)
    assert isinstance(engine, sa.Engine)
    with engine.begin() as connection:
        connection.execute(sa.text("DELETE FROM audit_entries WHERE seq >= 4"))
        connection.execute(sa.text("UPDATE audit_head SET tree_size = 4, head_hash = "
                                   "(SELECT entry_hash FROM audit_entries WHERE seq = 3)"))
    result = verify_audit(store, checkpoints, signing_key.public_key())
    assert not result.ok


@pytest.mark.parametrize("rounds", [1, 2])
def test_an_idle_log_adds_no_checkpoints(
    store: AuditStore, checkpoints: Path, signing_key: ed25519.Ed25519PrivateKey, rounds: int
) -> None:
    fill(store, 3)
    assert checkpoint_periodically(store, checkpoints, signing_key, every_seconds=1, rounds=rounds,
                                   sleep=lambda _: None) == 1
    assert len(read_checkpoint_file(checkpoints)[0]) == 1
